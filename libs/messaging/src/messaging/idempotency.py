"""Apply an event's Redis writes exactly once, however often Kafka delivers it.

The marker `applied:<consumer>:<event_id>` and the handler's writes commit in one
MULTI/EXEC under WATCH, so a crash leaves either both or neither.
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from uuid import UUID

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from messaging.metrics import DUPLICATES_SKIPPED

# Longer than Kafka keeps a message (7 days by default), so any redelivery is recognised.
MARKER_TTL = timedelta(days=14)


def marker_key(consumer: str, event_id: UUID, tag: str = "") -> str:
    """The key that records `event_id` as applied; `tag` puts it in its aggregate's hash slot."""
    return f"applied:{consumer}:{tag}{event_id}"


async def apply_once(
    redis: Redis,
    *,
    consumer: str,
    event_id: UUID,
    write: Callable[[Pipeline], None],
    tag: str = "",
) -> bool:
    """Queue `write`'s commands with the marker in one transaction; False if already applied."""
    marker = marker_key(consumer, event_id, tag)
    async with redis.pipeline(transaction=True) as pipe:
        while True:
            try:
                await pipe.watch(marker)
                if await pipe.exists(marker):
                    DUPLICATES_SKIPPED.labels(consumer).inc()
                    return False
                pipe.multi()  # type: ignore[no-untyped-call]
                write(pipe)
                pipe.set(marker, 1, ex=MARKER_TTL)
                await pipe.execute()
                return True
            except WatchError:
                continue  # a concurrent delivery raced us; look at the marker again


async def act_once(
    redis: Redis,
    *,
    consumer: str,
    event_id: UUID,
    act: Callable[[], Awaitable[Callable[[Pipeline], None]]],
    tag: str = "",
) -> bool:
    """For work outside Redis (Dropbox calls): skip an event already applied, else `act`,
    then commit the writes `act` returns with the marker; False if already applied.

    A crash between acting and committing acts again on redelivery, so the work must
    tolerate being repeated; what it must never do is act on an event applied long ago.
    """
    if await was_applied(redis, consumer=consumer, event_id=event_id, tag=tag):
        DUPLICATES_SKIPPED.labels(consumer).inc()
        return False
    write = await act()
    return await apply_once(redis, consumer=consumer, event_id=event_id, write=write, tag=tag)


async def was_applied(redis: Redis, *, consumer: str, event_id: UUID, tag: str = "") -> bool:
    """True when `event_id` has been applied (for side effects outside Redis: check, then act)."""
    return bool(await redis.exists(marker_key(consumer, event_id, tag)))


async def mark_applied(redis: Redis, *, consumer: str, event_id: UUID, tag: str = "") -> None:
    """Record `event_id` as applied after a side effect outside Redis succeeded."""
    await redis.set(marker_key(consumer, event_id, tag), 1, ex=MARKER_TTL)
