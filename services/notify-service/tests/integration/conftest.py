"""notify-service as a process on real Kafka and Redis, mailing a real SMTP sink."""

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
from contracts import topics
from contracts.events import CollabGranted, Collaborator
from faststream.kafka import KafkaBroker
from service_kit.testing import ServiceProcess
from smtp_sink.testing import RunningSink, running_sink


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
    """An HTTP client of the module's service."""
    async with httpx.AsyncClient(
        base_url=notify_service.base_url, trust_env=False, timeout=30
    ) as client:
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
    """Publish an event on the module's collab.granted topic, as dropbox-service would."""

    async def send(event: CollabGranted, prefix: str = module_prefix) -> None:
        await publisher.publish(event, topic=prefix + topics.COLLAB_GRANTED, key=event.key())

    return send
