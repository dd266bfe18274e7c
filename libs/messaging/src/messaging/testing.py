"""Helpers for tests that read real Kafka topics (used by every package's integration tests)."""

import asyncio
import json
import re
import time
from collections.abc import Callable
from typing import Any, cast

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from redis.asyncio import Redis

from messaging.outbox import Outbox


async def read_topic(
    bootstrap_servers: str,
    topic: str,
    *,
    expect: int,
    timeout_s: float = 30.0,
    idle_s: float = 1.0,
    match: Callable[[Any], bool] | None = None,
) -> list[Any]:
    """The records of `topic` from the start that `match`: wait for `expect`, then `idle_s` more."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    records: list[Any] = []
    deadline = time.monotonic() + timeout_s
    quiet_since = time.monotonic()
    try:
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            fresh = [
                record
                for part in batch.values()
                for record in part
                if match is None or match(record)
            ]
            records.extend(fresh)
            if fresh:
                quiet_since = time.monotonic()
            elif len(records) >= expect and time.monotonic() - quiet_since >= idle_s:
                break
    finally:
        await consumer.stop()
    return records


async def wait_until(predicate: Any, *, timeout_s: float = 30.0, interval_s: float = 0.1) -> None:
    """Poll the async `predicate` until it is true, or fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s}s")
        await asyncio.sleep(interval_s)


async def delete_topics_matching(bootstrap_servers: str, pattern: str) -> int:
    """Delete every topic whose name matches `pattern`; answer how many there were. Test
    sessions clean up their prefixed topics with it: a broker kept for development would
    otherwise gather thousands, each holding files open, until it runs out."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="test-cleanup")
    await admin.start()
    try:
        doomed = [name for name in await admin.list_topics() if re.match(pattern, name)]
        for start in range(0, len(doomed), 500):
            await admin.delete_topics(doomed[start : start + 500])
        return len(doomed)
    finally:
        await admin.close()


async def staged(redis: Redis, outbox: Outbox, topic: str) -> list[tuple[str, dict[str, Any]]]:
    """The (Kafka key, payload) of each event committed to the outbox for `topic` (its
    undeployed name), in stream order per shard: what the relay would publish. A service
    built in-process is checked by what it staged, with no Kafka between."""
    found: list[tuple[str, dict[str, Any]]] = []
    for shard in range(outbox.shards):
        entries = cast(list[tuple[str, dict[str, str]]], await redis.xrange(outbox.stream(shard)))
        for _, fields in entries:
            if fields["topic"] == outbox.topic_prefix + topic:
                found.append((fields["key"], json.loads(fields["value"])))
    return found
