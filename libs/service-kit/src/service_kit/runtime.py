"""The connections one service process holds, built by `create_service_app`."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from faststream.kafka import KafkaBroker
from messaging.outbox import Outbox
from redis.asyncio import Redis

from service_kit.settings import ServiceSettings


@dataclass(frozen=True)
class Runtime:
    """Settings, Redis, the Kafka broker and the outbox of one service process."""

    settings: ServiceSettings
    redis: Redis
    broker: KafkaBroker
    outbox: Outbox


def runtime(request: Request) -> Runtime:
    """The running service's `Runtime` (a FastAPI dependency)."""
    value: Runtime = request.app.state.runtime
    return value


RuntimeDep = Annotated[Runtime, Depends(runtime)]
