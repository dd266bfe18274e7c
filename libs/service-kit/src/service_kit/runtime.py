"""The connections one service process holds, built by `create_service_app`."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from faststream.kafka import KafkaBroker
from messaging.outbox import Outbox
from opentelemetry.sdk.trace import TracerProvider
from redis.asyncio import Redis

from service_kit.settings import ServiceSettings


@dataclass(frozen=True)
class Runtime:
    """Settings, Redis, the Kafka broker and the outbox of one service process, and its
    trace provider when traces are exported (service_kit.tracing)."""

    settings: ServiceSettings
    instance_id: str
    redis: Redis
    broker: KafkaBroker
    outbox: Outbox
    tracing: TracerProvider | None = None


def from_app_state(name: str) -> Callable[[Request], Any]:
    """A FastAPI dependency answering `app.state.<name>`, what the service put there."""

    async def dependency(request: Request) -> Any:  # async: no thread pool hop per request
        return getattr(request.app.state, name)

    return dependency


RuntimeDep = Annotated[Runtime, Depends(from_app_state("runtime"))]
