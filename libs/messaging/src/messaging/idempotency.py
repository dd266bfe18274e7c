"""Apply each event exactly once, however often Kafka delivers it: the one place consumers
get that from (docs/decisions/0002-delivery-and-dlq.md).

An event's marker `<consumer>:applied:<tag><event_id>` (`consumer` named by `markers.scope`,
starting with the service's key namespace, the only keys its Redis user may touch)
commits in the same MULTI/EXEC as its writes, so a crash leaves both or neither.
Three shapes of handler:

- `apply_once`: the writes do not depend on what Redis holds;
- `apply_once_reading`: they do; the keys are read under WATCH and the transaction starts
  again when one changes meanwhile (so an older event can never win a race);
- `act_once`: the work happens outside Redis first (Dropbox, SMTP), then its writes and
  the marker commit; an event already applied is never acted on again, and `exclusive`
  keeps two instances handed the same message in a rebalance from both acting.
"""

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from uuid import UUID

from contracts.ids import new_id
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from messaging.delivery import RetryLater
from messaging.lease import Lease
from messaging.metrics import DUPLICATES_SKIPPED
from messaging.transactions import Write, watched_transaction

# Longer than Kafka keeps a message (7 days by default), so any redelivery is recognised.
MARKER_TTL = timedelta(days=14)
# Longer than one act can take (an SMTP send's timeouts and retries), so a live holder is
# never overtaken.
ACT_LEASE_TTL = timedelta(minutes=5)


def marker_key(consumer: str, event_id: UUID, tag: str = "") -> str:
    """The key that records `event_id` as applied; `tag` puts it in its aggregate's hash slot."""
    return f"{consumer}:applied:{tag}{event_id}"


async def apply_once(
    redis: Redis, *, consumer: str, event_id: UUID, write: Write, tag: str = ""
) -> bool:
    """Commit `write`'s commands with the marker in one transaction; False if applied before."""

    async def plan(pipe: Pipeline) -> Write:
        return write

    return await apply_once_reading(
        redis, consumer=consumer, event_id=event_id, tag=tag, watch=(), plan=plan
    )


async def apply_once_reading(
    redis: Redis,
    *,
    consumer: str,
    event_id: UUID,
    watch: Sequence[str],
    plan: Callable[[Pipeline], Awaitable[Write]],
    tag: str = "",
) -> bool:
    """Like `apply_once` for writes that depend on what the `watch` keys hold now: `plan`
    reads them (on the pipeline it gets) and answers the writes; False if applied before."""
    marker = marker_key(consumer, event_id, tag)

    async def with_marker(pipe: Pipeline) -> Write | None:
        if await pipe.exists(marker):
            return None
        write = await plan(pipe)

        def write_and_mark(pipe: Pipeline) -> None:
            write(pipe)
            pipe.set(marker, 1, ex=MARKER_TTL)

        return write_and_mark

    applied = await watched_transaction(redis, [marker, *watch], with_marker)
    if not applied:
        DUPLICATES_SKIPPED.labels(consumer).inc()
    return applied


async def act_once(
    redis: Redis,
    *,
    consumer: str,
    event_id: UUID,
    act: Callable[[], Awaitable[Write]],
    tag: str = "",
    exclusive: bool = False,
) -> bool:
    """For work outside Redis: skip an event already applied, else `act`, then commit the
    writes `act` answers with the marker; False if applied before.

    A crash between acting and committing acts again on redelivery, so the work must
    tolerate being repeated. With `exclusive`, a lease keeps a second instance from acting
    at the same time: it gets RetryLater, and on redelivery finds the marker.
    """
    if await _applied(redis, consumer, event_id, tag):
        return False
    lease = None
    if exclusive:
        lease = Lease(
            redis,
            marker_key(consumer, event_id, tag) + ":lease",
            new_id("holder", 8),
            ACT_LEASE_TTL,
        )
        if not await lease.hold():
            raise RetryLater("another instance is acting on this event")
    try:
        if lease and await _applied(redis, consumer, event_id, tag):
            return False  # acted on by the holder whose lease we took after it ended
        write = await act()
        return await apply_once(redis, consumer=consumer, event_id=event_id, write=write, tag=tag)
    finally:
        if lease:
            await lease.release()


async def _applied(redis: Redis, consumer: str, event_id: UUID, tag: str) -> bool:
    if await redis.exists(marker_key(consumer, event_id, tag)):
        DUPLICATES_SKIPPED.labels(consumer).inc()
        return True
    return False
