"""Redis transactions, the one way: MULTI/EXEC on the server holding the keys' hash slot.

`transaction` opens one (on one server, or on a cluster's primary for the slot); and
`watched_transaction` is the one way every service changes keys whose new value depends
on what they hold now (a link's revocation, a catalog's indexes, a connection, a
collaborator's entry): WATCH, read, MULTI/EXEC.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import (
    AskError,
    ClusterDownError,
    MovedError,
    ReadOnlyError,
    SlotNotCoveredError,
    TryAgainError,
    WatchError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from messaging.redis_client import ClusterClient

Write = Callable[[Pipeline], None]
Plan = Callable[[Pipeline], Awaitable[Write | None]]
# What a cluster's node answers, or what happens, when the slot is not (or no longer) where
# the client last learned it was.
SLOT_ELSEWHERE = (
    RedisConnectionError,
    RedisTimeoutError,
    SlotNotCoveredError,
    MovedError,
    AskError,
    ReadOnlyError,
    TryAgainError,
    ClusterDownError,
)


@asynccontextmanager
async def transaction(redis: Redis, key: str) -> AsyncIterator[Pipeline]:
    """A MULTI/EXEC pipeline (WATCH included) for keys in `key`'s hash slot (they all
    share it: one hash tag, DESIGN §12). On a cluster, when the slot's primary has gone or
    the slot moved, the cluster's slots are read again and the error raised as a
    ConnectionError: the caller retries as after any outage, on the right node."""
    if not isinstance(redis, ClusterClient):
        async with redis.pipeline(transaction=True) as pipe:
            yield pipe
        return
    try:
        primary = await redis.primary_of(key)
        async with primary.pipeline(transaction=True) as pipe:
            yield pipe
    except SLOT_ELSEWHERE as error:
        await redis.relearn()
        raise RedisConnectionError("the slot's primary has changed; retry") from error


async def watched_transaction(redis: Redis, watch: Sequence[str], plan: Plan) -> bool:
    """WATCH `watch` (at least one key), let `plan` read them (on the pipeline it gets) and
    answer the writes to make, then commit those in one MULTI/EXEC; start again if a watched
    key changed meanwhile. A plan answering None writes nothing. True when writes were
    committed."""
    async with transaction(redis, watch[0]) as pipe:
        while True:
            try:
                await pipe.watch(*watch)
                write = await plan(pipe)
                if write is None:
                    return False  # leaving the block unwatches
                pipe.multi()  # type: ignore[no-untyped-call]
                write(pipe)
                await pipe.execute()
                return True
            except WatchError:
                continue
