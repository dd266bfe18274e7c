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

    async def deliver(stamp: int) -> None:
        async def plan(pipe: Pipeline):
            known = await pipe.get(key)
            await asyncio.sleep(0.01)  # let the other delivery read the same state
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
        await asyncio.gather(*(deliver(stamp) for stamp in order))
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
    await asyncio.sleep(0.4)  # the holder died: the lease lapses
    assert await mine.hold()
