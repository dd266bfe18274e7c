"""Share Links event contracts: one model per Kafka topic, topic names, auth helpers."""
