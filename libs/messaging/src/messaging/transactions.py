"""Read-then-write in Redis without losing a concurrent change: WATCH, read, MULTI/EXEC.

The one way every service changes keys whose new value depends on what they hold now
(a link's revocation, a catalog's indexes, a connection, a collaborator's entry).
"""

from collections.abc import Awaitable, Callable, Sequence

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

Write = Callable[[Pipeline], None]
Plan = Callable[[Pipeline], Awaitable[Write | None]]


async def watched_transaction(redis: Redis, watch: Sequence[str], plan: Plan) -> bool:
    """WATCH `watch`, let `plan` read them (on the pipeline it gets) and answer the writes
    to make, then commit those in one MULTI/EXEC; start again if a watched key changed
    meanwhile. A plan answering None writes nothing. True when writes were committed."""
    async with redis.pipeline(transaction=True) as pipe:
        while True:
            try:
                if watch:
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
