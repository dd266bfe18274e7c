"""HTTP routes of notify-service."""
