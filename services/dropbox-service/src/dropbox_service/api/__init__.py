"""HTTP routes of the dropbox-service."""
