"""Helpers for tests that read real Kafka topics (used by every package's integration tests)."""

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer


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
