"""Alerts to the project office: the message and its delivery."""
