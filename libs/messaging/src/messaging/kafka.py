"""The Kafka broker every service uses, and explicit topic provisioning (DESIGN §11)."""

import logging
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code
from contracts import topics as topic_names
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.security import BaseSecurity, SASLScram512

from messaging.delivery import DeliveryPolicy, ReliableDelivery

log = logging.getLogger(__name__)

SecurityProtocol = Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"]
SASL_MECHANISM = "SCRAM-SHA-512"


@dataclass(frozen=True)
class KafkaAccess:
    """Where Kafka is and who we are to it (DESIGN §19): every Kafka client here is made
    from one, so that none connects without the principal's credentials.

    `SASL_PLAINTEXT` is for loopback development; `SASL_SSL` verifies the brokers against
    `ssl_cafile` (the system's roots when None). `PLAINTEXT` is a broker without
    authentication (a test's own, or one of another system)."""

    bootstrap_servers: str
    security_protocol: SecurityProtocol = "PLAINTEXT"
    username: str | None = None
    password: str | None = None
    ssl_cafile: str | None = None

    def __post_init__(self) -> None:
        sasl = self.security_protocol != "PLAINTEXT"
        if sasl and not (self.username and self.password):
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={self.security_protocol} needs KAFKA_SASL_USERNAME "
                "and KAFKA_SASL_PASSWORD (devstack writes them to .run/credentials.env)"
            )

    def as_user(self, username: str, password: str) -> "KafkaAccess":
        """The same brokers as another principal."""
        protocol: SecurityProtocol = self.security_protocol
        if protocol == "PLAINTEXT":
            protocol = "SASL_PLAINTEXT"
        return KafkaAccess(
            self.bootstrap_servers,
            protocol,
            username,
            password,
            self.ssl_cafile,
        )

    @property
    def servers(self) -> list[str]:
        """The bootstrap addresses, one per item."""
        return self.bootstrap_servers.split(",")

    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context verifying the brokers, on SASL_SSL."""
        if self.security_protocol != "SASL_SSL":
            return None
        return ssl.create_default_context(cafile=self.ssl_cafile)

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments of aiokafka's producer, consumer and admin client."""
        options: dict[str, Any] = {"bootstrap_servers": self.servers}
        if self.security_protocol == "PLAINTEXT":
            return options
        return options | {
            "security_protocol": self.security_protocol,
            "sasl_mechanism": SASL_MECHANISM,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
            "ssl_context": self.ssl_context(),
        }

    def broker_security(self) -> BaseSecurity | None:
        """FastStream's form of the same."""
        if self.security_protocol == "PLAINTEXT":
            return None
        assert self.username and self.password  # __post_init__
        context = self.ssl_context()
        return SASLScram512(self.username, self.password, ssl_context=context)


def make_broker(
    access: KafkaAccess,
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
        access.servers,
        security=access.broker_security(),
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
    access: KafkaAccess, names: Iterable[str], *, partitions: int, replication_factor: int
) -> list[str]:
    """Create the topics that do not exist yet; answer the names created. A principal sees
    only the topics it may describe: it ensures those (service_kit.grants)."""
    admin = AIOKafkaAdminClient(**access.client_options(), client_id="topic-provisioner")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in dict.fromkeys(names) if name not in existing]
        if not missing:
            return []
        new = [NewTopic(name, partitions, replication_factor) for name in missing]
        try:
            answer = await admin.create_topics(new)
        except TopicAlreadyExistsError:
            pass  # another instance created them between list and create
        else:
            _raise_refusals(answer.topic_errors)
        log.info("created topics", extra={"topics": missing})
        return missing
    finally:
        await admin.close()


def _raise_refusals(topic_errors: Iterable[tuple[Any, ...]]) -> None:
    # aiokafka answers each topic's error code instead of raising (a topic this principal
    # may not create among them): raise the first that is not "already exists".
    for name, code, *_ in topic_errors:
        if code not in (0, TopicAlreadyExistsError.errno):
            raise for_code(code)(f"creating topic {name}")
