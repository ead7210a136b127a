"""The indicator report: one HTML page for the project office, from the published marts."""
