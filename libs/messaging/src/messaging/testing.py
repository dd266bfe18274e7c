"""Helpers for tests that read real Kafka topics (used by every package's integration tests)."""

import asyncio
import inspect
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from redis.asyncio import Redis

from messaging.kafka import KafkaAccess
from messaging.outbox import Outbox

T = TypeVar("T")


async def read_topic(
    kafka: KafkaAccess,
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
        **kafka.client_options(),
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


async def wait_until(
    check: Callable[[], Awaitable[T] | T],
    *,
    until: Callable[[T], object] = bool,
    timeout_s: float = 30.0,
    interval_s: float = 0.1,
    message: str | Callable[[], str] = "",
) -> T:
    """Poll `check` (a function or a coroutine function) until `until` holds for its answer
    (until the answer is true, by default), and answer that; after `timeout_s`, fail naming
    what was awaited (`message`, or what a function of nothing answers) and the last answer.
    Tests wait on a condition with it (or with `wait_until_sync`), never with a bare sleep."""
    deadline = time.monotonic() + timeout_s
    while True:
        answer = check()
        value = cast(T, await answer if inspect.isawaitable(answer) else answer)
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(_not_met(timeout_s, message, value))
        await asyncio.sleep(interval_s)


def wait_until_sync(
    check: Callable[[], T],
    *,
    until: Callable[[T], object] = bool,
    timeout_s: float = 30.0,
    interval_s: float = 0.1,
    message: str | Callable[[], str] = "",
) -> T:
    """`wait_until` for a caller that is not a coroutine: `check` is a plain function."""
    deadline = time.monotonic() + timeout_s
    while not until(value := check()):
        if time.monotonic() > deadline:
            raise AssertionError(_not_met(timeout_s, message, value))
        time.sleep(interval_s)
    return value


def _not_met(timeout_s: float, message: str | Callable[[], str], last: object) -> str:
    said = message() if callable(message) else message
    return f"waited {timeout_s}s for {said or 'the condition'}; the last answer: {last!r}"


async def delete_topics_matching(kafka: KafkaAccess, pattern: str) -> int:
    """Delete every topic whose name matches `pattern`; answer how many there were. Test
    sessions clean up their prefixed topics with it: a broker kept for development would
    otherwise gather thousands, each holding files open, until it runs out."""
    admin = AIOKafkaAdminClient(**kafka.client_options(), client_id="test-cleanup")
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
