"""HTTP routes of link-service."""
