"""HTTP routes of analytics-service."""
