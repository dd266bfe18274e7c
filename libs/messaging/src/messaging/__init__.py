"""Kafka and Redis delivery machinery shared by every service: broker, outbox, idempotency, DLQ."""
