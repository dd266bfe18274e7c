"""Prometheus metrics of the delivery machinery (served by each service at /metrics)."""

from prometheus_client import Counter, Gauge

CONSUMED = Counter(
    "messages_consumed_total", "Kafka messages handled, by outcome", ["topic", "outcome"]
)
OUTBOX_PUBLISHED = Counter("outbox_published_total", "Events relayed from the outbox to Kafka")
OUTBOX_BACKLOG = Gauge("outbox_backlog", "Events waiting in the outbox at the last relay pass")
OUTBOX_OLDEST_AGE = Gauge(
    "outbox_oldest_age_seconds", "Age of the oldest event the relay found staged (0: none)"
)
CONSUMER_LAG = Gauge(
    "consumer_lag_messages", "Records of a topic this service's group has not committed", ["topic"]
)
DUPLICATES_SKIPPED = Counter(
    "events_duplicate_skipped_total", "Redelivered events recognised and skipped", ["consumer"]
)
