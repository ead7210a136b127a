"""Publishing the marts: the file formats, the atomic swap, the privacy guard."""
