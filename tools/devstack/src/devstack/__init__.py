"""Kafka, Redis and the services as local processes, for development and tests without Docker."""
