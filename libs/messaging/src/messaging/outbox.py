"""Transactional outbox in Redis (docs/decisions/0001-outbox.md).

A service stages an event in the same MULTI/EXEC as the change it announces; the relay
publishes staged events to Kafka in order and deletes them only once Kafka has them.
A relay killed after publishing and before deleting publishes again on restart: the
event id is unchanged, and consumers apply each id once.
"""

import asyncio
import logging
import zlib
from datetime import timedelta
from typing import Any

from contracts.clock import utc_now
from contracts.events import Event
from faststream.kafka import KafkaBroker
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.typing import EncodableT, FieldT

from messaging.context import CORRELATION_HEADER, correlation_id_var
from messaging.keys import hash_tag
from messaging.lease import Lease
from messaging.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE, OUTBOX_PUBLISHED
from messaging.tracing import continuing, current_trace, trace_of

log = logging.getLogger(__name__)


class Outbox:
    """Where a service stages events; sharded so that each shard lives in one hash slot."""

    def __init__(
        self, *, service: str, key_prefix: str = "", topic_prefix: str = "", shards: int = 1
    ) -> None:
        if shards < 1:
            raise ValueError("shards must be at least 1")
        self.service = service
        self.key_prefix = key_prefix
        self.topic_prefix = topic_prefix
        self.shards = shards

    def shard_of(self, aggregate_id: str) -> int:
        """The shard an aggregate's events go to (stable across processes)."""
        return zlib.crc32(aggregate_id.encode()) % self.shards

    def tag(self, aggregate_id: str) -> str:
        """The hash tag an aggregate's own keys carry, so they share a slot with its outbox."""
        return self.shard_tag(self.shard_of(aggregate_id))

    def stream(self, shard: int) -> str:
        """The Redis Stream holding shard `shard`'s staged events."""
        return f"{self.key_prefix}outbox:{self.shard_tag(shard)}"

    def lease(self, shard: int) -> str:
        """The key naming the relay instance that may publish shard `shard`."""
        return f"{self.key_prefix}outbox-lease:{self.shard_tag(shard)}"

    def stage(self, pipe: Pipeline, event: Event, *, aggregate_id: str | None = None) -> None:
        """Queue `event` on `pipe` (a MULTI pipeline), in the aggregate's shard."""
        pipe.xadd(*self._entry(event, aggregate_id))

    async def add(self, redis: Redis, event: Event) -> None:
        """Stage `event` on its own, when it goes with no other write: one XADD, atomic by
        itself (a MULTI around it cost a download a third more of Redis client time)."""
        await redis.xadd(*self._entry(event, None))

    def _entry(
        self, event: Event, aggregate_id: str | None
    ) -> tuple[str, dict[FieldT, EncodableT]]:
        stream = self.stream(self.shard_of(aggregate_id or event.key().decode()))
        return stream, dict(self.fields(event).items())

    def fields(self, event: Event) -> dict[str, str]:
        """What the outbox keeps of `event`: all `publish` needs."""
        return {
            "topic": self.topic_prefix + event.topic,
            "key": event.key().decode(),
            "event_id": str(event.event_id),
            "value": event.model_dump_json(),
            # The request or event that caused this one (context.py), and its trace.
            "correlation_id": correlation_id_var.get() or str(event.event_id),
            **current_trace(),
        }

    def shard_tag(self, shard: int) -> str:
        """The hash tag of shard `shard`."""
        return hash_tag(self.service, str(shard))


class OutboxRelay:
    """Publishes every shard's events in order; one instance per shard holds a lease at a time."""

    def __init__(
        self,
        redis: Redis,
        broker: KafkaBroker,
        outbox: Outbox,
        *,
        instance_id: str,
        lease_ms: int = 5000,
        batch_size: int = 200,
        idle_block_ms: int = 1000,
    ) -> None:
        self.redis = redis
        self.broker = broker
        self.outbox = outbox
        self.instance_id = instance_id
        self.lease_ms = lease_ms
        self.batch_size = batch_size
        self.idle_block_ms = idle_block_ms

    async def run(self) -> None:
        """Relay every shard until cancelled."""
        ttl = timedelta(milliseconds=self.lease_ms)
        leases = [
            Lease(self.redis, self.outbox.lease(shard), self.instance_id, ttl)
            for shard in range(self.outbox.shards)
        ]
        try:
            await asyncio.gather(*(self._relay_shard(s, lease) for s, lease in enumerate(leases)))
        finally:
            await asyncio.shield(_release(leases))

    async def relay_once(self, shard: int, *, block_ms: int | None = None) -> int:
        """Publish the oldest staged events of `shard` and delete them; answer how many."""
        stream = self.outbox.stream(shard)
        answer: Any = await self.redis.xread({stream: "0-0"}, count=self.batch_size, block=block_ms)
        if not answer:
            OUTBOX_OLDEST_AGE.set(0)
            return 0
        entries: list[tuple[Any, dict[Any, Any]]] = answer[0][1]
        staged_ms = int(_str(entries[0][0]).split("-")[0])  # a stream id starts with its time
        OUTBOX_OLDEST_AGE.set(max(0.0, utc_now().timestamp() - staged_ms / 1000))
        pending = [await publish(self.broker, _text(fields)) for _, fields in entries]
        await asyncio.gather(*pending)  # every event acknowledged by all in-sync replicas
        await self.redis.xdel(stream, *(entry_id for entry_id, _ in entries))
        OUTBOX_PUBLISHED.inc(len(entries))
        backlog = await self.redis.xlen(stream)
        OUTBOX_BACKLOG.set(backlog)
        if not backlog:
            OUTBOX_OLDEST_AGE.set(0)
        return len(entries)

    async def _relay_shard(self, shard: int, lease: Lease) -> None:
        while True:
            try:
                if await lease.hold():
                    await self.relay_once(shard, block_ms=self.idle_block_ms)
                else:
                    await asyncio.sleep(self.lease_ms / 2000)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Kafka or Redis away: events stay staged, try again
                log.warning("outbox relay paused", extra={"shard": shard, "error": repr(error)})
                await asyncio.sleep(1.0)


async def publish(broker: KafkaBroker, fields: dict[str, str]) -> Any:
    """Send an event as the outbox keeps it (`Outbox.fields`); answer the future of Kafka's
    acknowledgement, so that a batch is sent before any acknowledgement is awaited."""
    headers = {"content-type": "application/json", "event-id": fields["event_id"]}
    headers[CORRELATION_HEADER] = fields.get("correlation_id") or fields["event_id"]
    headers |= trace_of(fields)  # with tracing on, the middleware puts its publish span's
    with continuing(fields):
        return await broker.publish(
            fields["value"].encode(),
            topic=fields["topic"],
            key=fields["key"].encode(),
            headers=headers,
            no_confirm=True,
        )


def _text(fields: dict[Any, Any]) -> dict[str, str]:
    return {_str(k): _str(v) for k, v in fields.items()}


async def _release(leases: list[Lease]) -> None:
    for lease in leases:
        try:
            await lease.release()
        except Exception as error:  # the lease lapses by itself
            log.warning("could not release an outbox lease", extra={"error": repr(error)})


def _str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
