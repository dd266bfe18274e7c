from uuid import uuid4

import fakeredis
from messaging.idempotency import apply_once


async def test_an_event_is_applied_once():
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    event_id = uuid4()
    results = [
        await apply_once(
            redis,
            consumer="c",
            event_id=event_id,
            write=lambda pipe: pipe.incr("{v}views"),
            tag="{v}",  # the marker beside what it guards: one slot on Redis Cluster
        )
        for _ in range(3)
    ]
    assert results == [True, False, False]
    assert await redis.get("{v}views") == "1"


async def test_consumers_are_independent():
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    event_id = uuid4()
    for consumer in ("analytics", "notify"):
        assert await apply_once(
            redis,
            consumer=consumer,
            event_id=event_id,
            write=lambda pipe: pipe.incr("{n}"),
            tag="{n}",
        )
    assert await redis.get("{n}") == "2"


async def test_marker_expires_eventually():
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    event_id = uuid4()
    await apply_once(redis, consumer="c", event_id=event_id, write=lambda pipe: None)
    [marker] = await redis.keys("*:applied:*")
    assert 0 < await redis.ttl(marker) <= 14 * 24 * 3600
