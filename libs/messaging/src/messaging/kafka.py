"""The Kafka broker every service uses, and explicit topic provisioning (DESIGN §11)."""

import logging
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from contracts import topics as topic_names
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware

from messaging.delivery import DeliveryPolicy, ReliableDelivery

log = logging.getLogger(__name__)


def make_broker(
    bootstrap_servers: str,
    *,
    client_id: str,
    policy: DeliveryPolicy | None = None,
    traced: bool = False,
) -> KafkaBroker:
    """A broker whose producer waits for all replicas and is idempotent, with reliable delivery;
    `traced`: spans of every publish and consume, in the trace the message's headers carry."""
    delivery = ReliableDelivery(policy or DeliveryPolicy())
    return KafkaBroker(
        # FastStream takes one string for one address: split a cluster's list.
        bootstrap_servers.split(","),
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        # Topics are provisioned by ensure_topics, with the configured partitions.
        allow_auto_create_topics=False,
        # The first is the outermost: a consume span covers the delivery's retries.
        middlewares=[KafkaTelemetryMiddleware(), delivery] if traced else [delivery],
        logger=logging.getLogger(f"faststream.{client_id}"),
    )


def with_dead_letters(names: Iterable[str]) -> list[str]:
    """Each topic followed by its dead-letter topic."""
    return [name for topic in names for name in (topic, topic_names.dlq(topic))]


async def ensure_topics(
    bootstrap_servers: str, names: Iterable[str], *, partitions: int, replication_factor: int
) -> list[str]:
    """Create the topics that do not exist yet; answer the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="topic-provisioner")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in dict.fromkeys(names) if name not in existing]
        if not missing:
            return []
        new = [NewTopic(name, partitions, replication_factor) for name in missing]
        try:
            await admin.create_topics(new)
        except TopicAlreadyExistsError:
            pass  # another instance created them between list and create
        log.info("created topics", extra={"topics": missing})
        return missing
    finally:
        await admin.close()
