"""At-least-once consumption with a dead-letter topic (docs/decisions/0002-delivery-and-dlq.md).

Every subscriber of a service's work runs with `AckPolicy.MANUAL` in the service's group;
this broker middleware commits after the handler succeeds, sends a message that does not
parse or keeps failing to `<topic>.dlq` and commits, and on an infrastructure outage seeks
back so the message comes again. A message is never left neither committed nor rewound:
the next commit would skip it.
"""

import asyncio
import copy
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from contracts.clock import utc_now
from contracts.events import Envelope
from contracts.topics import dlq
from faststream import AckPolicy, BaseMiddleware
from faststream.kafka import KafkaBroker
from faststream.message import StreamMessage
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from messaging.context import (
    CORRELATION_HEADER,
    correlation_id_var,
    event_id_var,
    safe_correlation_id,
)
from messaging.metrics import CONSUMED

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """Raised by a handler when a dependency is unavailable: redeliver, never dead-letter."""


POISON = (ValidationError, json.JSONDecodeError, UnicodeDecodeError)
OUTAGE = (
    RetryLater,
    RedisConnectionError,
    RedisTimeoutError,
    KafkaConnectionError,
    KafkaTimeoutError,
    ConnectionError,
    TimeoutError,
)

DeadLetter = tuple[Any, Exception, int]  # a record, why it failed, after how many attempts


@dataclass(frozen=True)
class DeliveryPolicy:
    """How often a failing message is retried before it is dead-lettered."""

    max_attempts: int = 3
    retry_backoff_s: float = 0.2
    outage_backoff_s: float = 1.0


class ReliableDelivery:
    """Broker middleware factory applying one `DeliveryPolicy` to every subscriber."""

    def __init__(self, policy: DeliveryPolicy) -> None:
        self.policy = policy

    def __call__(self, msg: Any, /, *, context: Any) -> "_ReliableDelivery":
        return _ReliableDelivery(msg, context=context, policy=self.policy)


class _ReliableDelivery(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: Any, policy: DeliveryPolicy) -> None:
        super().__init__(msg, context=context)
        self.policy = policy

    async def consume_scope(
        self, call_next: Callable[[StreamMessage[Any]], Any], msg: StreamMessage[Any]
    ) -> Any:
        records = _records(msg)
        event_id = _event_id(msg.body)
        token = event_id_var.set(event_id)
        # The cause's correlation id (a batch takes its first record's), else this event's.
        correlation = correlation_id_var.set(_correlation_id(records[0]) or event_id)
        try:
            refused: list[DeadLetter] = [(r, e, 1) for r, e in _without_envelope(records)]
            if len(refused) == len(records):
                return await self._dead_letter(msg, refused, "poison")
            # A batch's records without an envelope go to the DLQ alone; the rest are handled.
            handled = _without(msg, {id(r) for r, _, _ in refused}) if refused else msg
            return await self._handle(call_next, msg, handled, refused)
        finally:
            event_id_var.reset(token)
            correlation_id_var.reset(correlation)

    async def _handle(
        self,
        call_next: Callable[[StreamMessage[Any]], Any],
        msg: StreamMessage[Any],
        handled: StreamMessage[Any],
        refused: list[DeadLetter],
    ) -> Any:
        topic = _records(msg)[0].topic
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                result = await call_next(handled)
            except POISON as error:
                return await self._dead_letter(
                    msg, refused + _each(handled, error, attempt), "poison"
                )
            except OUTAGE as error:
                why = {"topic": topic, "error": repr(error)}
                log.warning("dependency unavailable, will redeliver", extra=why)
                CONSUMED.labels(topic, "redelivered").inc()
                await asyncio.sleep(self.policy.outage_backoff_s)
                await msg.nack()
                return None
            except Exception as error:
                if attempt == self.policy.max_attempts:
                    dead = refused + _each(handled, error, attempt)
                    return await self._dead_letter(msg, dead, "failed")
                why = {"topic": topic, "attempt": attempt, "error": repr(error)}
                log.warning("handler failed, retrying", extra=why)
                await asyncio.sleep(self.policy.retry_backoff_s * 2 ** (attempt - 1))
            else:
                if refused:  # after the work, as a batch that comes again would send them again
                    await self._dead_letter(msg, refused, "ok")
                    return result
                await msg.ack()
                CONSUMED.labels(topic, "ok").inc()
                return result
        return None

    async def _dead_letter(
        self, msg: StreamMessage[Any], dead: list[DeadLetter], outcome: str
    ) -> None:
        """Publish each record with its error, then commit; the DLQ unreachable: seek back."""
        broker: KafkaBroker = self.context.get("broker")
        try:
            for record, error, attempts in dead:
                await dead_letter(broker, record, error, attempts)
        except Exception as publish_error:  # the DLQ is unreachable: keep the message
            log.error(
                "dead-letter publish failed, will redeliver", extra={"error": repr(publish_error)}
            )
            await asyncio.sleep(self.policy.outage_backoff_s)
            await msg.nack()
            return
        CONSUMED.labels(_records(msg)[0].topic, outcome).inc()
        await msg.ack()


def _without_envelope(records: tuple[Any, ...]) -> list[tuple[Any, ValidationError]]:
    """The records that lack a valid envelope (decision 0003), each with why."""
    refused = []
    for record in records:
        try:
            Envelope.model_validate_json(record.value or b"")
        except ValidationError as error:
            refused.append((record, error))
    return refused


def _without(msg: StreamMessage[Any], dropped: set[int]) -> StreamMessage[Any]:
    """The batch `msg` without the records whose ids are in `dropped`: what its handler gets."""
    kept = {i for i, record in enumerate(msg.raw_message) if id(record) not in dropped}
    handled = copy.copy(msg)  # a StreamMessage copy has its own decode cache
    handled.raw_message = tuple(r for i, r in enumerate(msg.raw_message) if i in kept)
    handled.body = [body for i, body in enumerate(msg.body) if i in kept]
    handled.batch_headers = [h for i, h in enumerate(msg.batch_headers) if i in kept]
    return handled


def _each(msg: StreamMessage[Any], error: Exception, attempts: int) -> list[DeadLetter]:
    return [(record, error, attempts) for record in _records(msg)]


def _records(msg: StreamMessage[Any]) -> tuple[Any, ...]:
    raw = msg.raw_message
    return raw if isinstance(raw, tuple) else (raw,)


def _correlation_id(record: Any) -> str | None:
    for name, value in getattr(record, "headers", None) or ():
        if name == CORRELATION_HEADER and isinstance(value, bytes):
            return safe_correlation_id(value.decode(errors="replace"))
    return None


def _event_id(body: bytes) -> str | None:
    try:
        value = json.loads(body).get("event_id")
    except (ValueError, AttributeError, TypeError):
        return None
    return value if isinstance(value, str) else None


async def dead_letter(broker: KafkaBroker, record: Any, error: Exception, attempts: int) -> None:
    """Publish a consumed record, untouched, to `<topic>.dlq` with why it failed, and log it."""
    await broker.publish(
        record.value,
        topic=dlq(record.topic),
        key=record.key,
        headers=_dlq_headers(record, error, attempts),
    )
    where = {"topic": record.topic, "partition": record.partition, "offset": record.offset}
    log.error(
        "sent to the dead-letter topic",
        extra=where | {"attempts": attempts, "error": repr(error)},
    )


def _dlq_headers(record: Any, error: Exception, attempts: int) -> dict[str, str]:
    return {
        "x-dlq-topic": record.topic,
        "x-dlq-partition": str(record.partition),
        "x-dlq-offset": str(record.offset),
        "x-dlq-error-type": type(error).__name__,
        "x-dlq-error": str(error)[:2000],
        "x-dlq-attempts": str(attempts),
        "x-dlq-failed-at": utc_now().isoformat(),
        "content-type": "application/octet-stream",
    }


def subscriber(
    broker: KafkaBroker, topic: str, *, group_id: str, **options: Any
) -> Callable[[Callable[..., Awaitable[None]]], Any]:
    """Register a handler of the service's work: manual commit, one group per service."""
    options.setdefault("auto_offset_reset", "earliest")
    decorator: Callable[[Callable[..., Awaitable[None]]], Any] = broker.subscriber(
        topic, group_id=group_id, ack_policy=AckPolicy.MANUAL, **options
    )
    return decorator


def broadcast_subscriber(
    broker: KafkaBroker, topic: str
) -> Callable[[Callable[..., Awaitable[None]]], Any]:
    """Register a handler that every instance runs on every message from now on: in no
    consumer group, so nothing is committed and nothing is left on the broker when the
    instance stops. Only for what an instance keeps in memory (a cache to invalidate)."""
    decorator: Callable[[Callable[..., Awaitable[None]]], Any] = broker.subscriber(
        topic, ack_policy=AckPolicy.ACK_FIRST, auto_offset_reset="latest"
    )
    return decorator
