"""A Dropbox API v2 look-alike over HTTPS, for development and tests."""
