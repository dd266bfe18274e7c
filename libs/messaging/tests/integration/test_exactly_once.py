"""The three shapes of exactly-once handling and the lease, on a real Redis."""

import asyncio
from datetime import timedelta
from uuid import uuid4

import pytest
from messaging.delivery import RetryLater
from messaging.idempotency import act_once, apply_once_reading, marker_key
from messaging.lease import Lease
from redis.asyncio.client import Pipeline

pytestmark = pytest.mark.integration


async def test_a_read_then_write_never_lets_an_older_event_win_a_race(redis, unique_prefix):
    """Two events race to set a value stamped with their time; the newer must win, in
    whichever order they arrive, however their reads and writes interleave."""
    key = unique_prefix + "{state}"

    async def deliver(stamp: int, both_read: asyncio.Barrier) -> None:
        attempts = 0

        async def plan(pipe: Pipeline):
            nonlocal attempts
            known = await pipe.get(key)
            attempts += 1
            if attempts == 1:  # the two deliveries' first reads see the same state
                await asyncio.wait_for(both_read.wait(), timeout=5)
            if known is not None and int(known) > stamp:
                return lambda pipe: None
            return lambda pipe: pipe.set(key, stamp)

        await apply_once_reading(
            redis,
            consumer=unique_prefix + "c",
            event_id=uuid4(),
            watch=[key],
            plan=plan,
            tag="{state}",
        )

    for newer_first in (True, False, True, False):
        await redis.delete(key)
        order = (2, 1) if newer_first else (1, 2)
        both_read = asyncio.Barrier(2)
        await asyncio.gather(*(deliver(stamp, both_read) for stamp in order))
        assert await redis.get(key) == "2"


async def test_act_once_never_acts_on_an_event_applied_before(redis, unique_prefix):
    acted: list[int] = []
    event_id = uuid4()

    async def act():
        acted.append(1)
        return lambda pipe: pipe.incr(unique_prefix + "{n}")

    results = [
        await act_once(redis, consumer=unique_prefix + "c", event_id=event_id, act=act, tag="{n}")
        for _ in range(3)
    ]

    assert results == [True, False, False]
    assert acted == [1] and await redis.get(unique_prefix + "{n}") == "1"


async def test_an_exclusive_act_makes_a_second_instance_retry_later(redis, unique_prefix):
    event_id, consumer = uuid4(), unique_prefix + "mail"
    started, finish = asyncio.Event(), asyncio.Event()

    async def slow_send():
        started.set()
        await finish.wait()
        return lambda pipe: None

    first = asyncio.create_task(
        act_once(redis, consumer=consumer, event_id=event_id, act=slow_send, exclusive=True)
    )
    await started.wait()
    with pytest.raises(RetryLater):
        await act_once(redis, consumer=consumer, event_id=event_id, act=slow_send, exclusive=True)
    finish.set()

    assert await first is True
    assert await redis.exists(marker_key(consumer, event_id))
    assert not await redis.exists(marker_key(consumer, event_id) + ":lease"), "released"


async def test_a_lease_has_one_holder_until_released_or_lapsed(redis, unique_prefix):
    key = unique_prefix + "lease"
    mine = Lease(redis, key, "me", timedelta(milliseconds=300))
    theirs = Lease(redis, key, "them", timedelta(milliseconds=300))

    assert await mine.hold() and await mine.hold(), "held, then renewed"
    assert not await theirs.hold()
    await theirs.release()  # not theirs to release
    assert not await theirs.hold()
    await mine.release()
    assert await theirs.hold()
    # The holder died: its lease lapses. The wait is the behaviour under test (a Redis TTL,
    # which has no clock to move).
    await asyncio.sleep(0.4)
    assert await mine.hold()
