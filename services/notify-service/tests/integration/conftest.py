"""notify-service on real Redis: its core in-process (a recording mailer, the consumer driven
through FastStream's TestKafkaBroker, the routes over ASGI), and as a process on real Kafka
mailing a real SMTP sink."""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any
from uuid import uuid4

import httpx
import pytest
from contracts import topics
from contracts.events import CollabGranted, Collaborator, Event
from faststream.kafka import KafkaBroker, TestKafkaBroker
from notify_service import consumers
from notify_service.app import create_app, notify_context
from notify_service.context import NotifyContext
from notify_service.settings import Settings
from service_kit.app import build_runtime
from service_kit.testing import ServiceProcess, SteppingClock, client_of
from smtp_sink.testing import RunningSink, running_sink

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class RecordingMailer:
    """Stands in for the SMTP relay: keeps every message handed to it. With `held`, each
    send waits until `release` is set (to catch a second send while one is under way)."""

    def __init__(self, held: bool = False) -> None:
        self.sent: list[EmailMessage] = []
        self.sending = 0
        self.release = asyncio.Event()
        if not held:
            self.release.set()

    async def send(self, message: EmailMessage) -> None:
        """Record `message` once released."""
        self.sending += 1
        await self.release.wait()
        self.sent.append(message)

    def to(self, address: str) -> list[EmailMessage]:
        """The recorded messages addressed to `address`."""
        return [m for m in self.sent if m["To"].addresses[0].addr_spec == address]


@pytest.fixture
def settings(redis_url: str, unique_prefix: str) -> Settings:
    """The test's settings: the real test Redis, its own key and topic prefix."""
    return Settings(redis_url=redis_url, topic_prefix=unique_prefix, key_prefix=unique_prefix)


@pytest.fixture
def mailer() -> RecordingMailer:
    """What the in-process core mails with."""
    return RecordingMailer()


@pytest.fixture
async def core(settings: Settings, mailer: RecordingMailer) -> AsyncIterator[NotifyContext]:
    """The service's core in-process on the test Redis, its consumer registered on a broker
    that `deliver` drives."""
    runtime = build_runtime(settings)
    context = notify_context(runtime, settings, mailer, SteppingClock(START))
    consumers.register(context)
    yield context
    await runtime.redis.aclose()


@pytest.fixture
async def deliver(
    core: NotifyContext, settings: Settings
) -> AsyncIterator[Callable[[CollabGranted], Any]]:
    """Hand an event to the service's collab.granted consumer, routed by TestKafkaBroker
    (through the delivery middleware); returns once the handler has run."""
    async with TestKafkaBroker(core.runtime.broker, connect_only=False) as broker:

        async def send(event: CollabGranted) -> None:
            await broker.publish(
                event, topic=settings.topic(topics.COLLAB_GRANTED), key=event.key()
            )

        yield send


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, NotifyContext]]:
    """The service's routes in-process (`create_app(settings)` over ASGI, no broker started),
    and its context to seed notifications through."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://notify.test") as client:
        yield client, app.state.notify
    await app.state.runtime.redis.aclose()


@pytest.fixture(scope="module")
def sink() -> Iterator[RunningSink]:
    """The SMTP sink the module's notify-service mails."""
    with running_sink() as running:
        yield running


def mail_env(smtp_port: int) -> dict[str, str]:
    """Where a notify-service process of these tests sends mail."""
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_BACKOFF_S": "0.05",
        "CONSOLE_URL": "http://dashboard.test/console",
    }


@pytest.fixture(scope="module")
def notify_service(start_module_service, sink: RunningSink) -> ServiceProcess:
    """notify-service on real Kafka and Redis, mailing the module's sink."""
    return start_module_service("notify-service", **mail_env(sink.smtp_port))


@pytest.fixture(scope="module")
async def http(notify_service: ServiceProcess) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the module's service (no credentials of its own)."""
    async with client_of(notify_service) as client:
        yield client


def granted(user_id: str | None = None, **changes: Any) -> CollabGranted:
    """A collab.granted for a fresh collaborator (a dashboard user when `user_id` is set)."""
    tag = uuid4().hex[:8]
    person = Collaborator(
        collaborator_id=f"c-{tag}", email=f"c-{tag}@example.com", name=f"Ana {tag}", user_id=user_id
    )
    fields: dict[str, Any] = {
        "request_id": f"r-{tag}",
        "job_id": f"job_{tag}",
        "owner_id": "u-owner",
        "owner_name": "Mara Vale",
        "track_id": f"t-{tag}",
        "track_title": "Night Drive",
        "collaborator": person,
        "mode": "folder",
        "access_url": "https://dropbox.test/fo/1",
        "message": "Mixes v3",
    }
    return CollabGranted(**(fields | changes))


@pytest.fixture
def publish(publisher: KafkaBroker, module_prefix: str) -> Callable[..., Any]:
    """Publish an event on the module's topic of it, as dropbox- or link-service would."""

    async def send(event: Event, prefix: str = module_prefix) -> None:
        await publisher.publish(event, topic=prefix + event.topic, key=event.key())

    return send
