"""Collaborator-share state in Redis: per track the collaborators' entries, and jobs.

Every key of an owner's collaborator sharing carries the outbox tag of the owner, and the
requests are staged in the owner's outbox shard: one transaction covers a whole bulk job,
and one owner's requests reach Kafka in the order they were made (README: "Collaborators").
"""

import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from messaging.idempotency import MARKER_TTL, marker_key
from messaging.metrics import DUPLICATES_SKIPPED
from messaging.outbox import Outbox
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

JOB_TTL = timedelta(days=30)
Write = Callable[[Pipeline], None]


class CollabStore:
    """Typed access to the collaborator-share keys."""

    def __init__(self, redis: Redis, outbox: Outbox, prefix: str) -> None:
        self.redis = redis
        self.outbox = outbox
        self.prefix = prefix

    def tag(self, owner_id: str) -> str:
        """The hash tag of everything of one owner's collaborator sharing."""
        return self.outbox.tag(owner_id)

    def _key(self, owner_id: str, *parts: str) -> str:
        return ":".join((f"{self.prefix}collab", self.tag(owner_id), owner_id, *parts))

    def status_key(self, owner_id: str, track_id: str) -> str:
        """The hash of a track's collaborator entries, by collaborator id."""
        return self._key(owner_id, "status", track_id)

    def job_key(self, owner_id: str, job_id: str) -> str:
        """A job's header: its tracks, their requests and collaborators, the skipped tracks."""
        return self._key(owner_id, "job", job_id)

    def results_key(self, owner_id: str, job_id: str) -> str:
        """A job's answers, by `track_id/collaborator_id`."""
        return self._key(owner_id, "job", job_id, "results")

    async def entries(self, owner_id: str, track_id: str) -> dict[str, dict[str, Any]]:
        """The track's collaborator entries."""
        raw: dict[str, str] = await self.redis.hgetall(self.status_key(owner_id, track_id))  # type: ignore[assignment]
        return {cid: json.loads(value) for cid, value in raw.items()}

    async def job(self, owner_id: str, job_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """A job's header and answers, or None."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(self.job_key(owner_id, job_id))
            pipe.hgetall(self.results_key(owner_id, job_id))
            header, results = await pipe.execute()
        if not header:
            return None
        return json.loads(header), {k: json.loads(v) for k, v in results.items()}

    def save_job(self, pipe: Pipeline, header: dict[str, Any]) -> None:
        """Queue a new job's header."""
        pipe.set(self.job_key(header["owner_id"], header["job_id"]), json.dumps(header), ex=JOB_TTL)

    def set_entry(
        self, pipe: Pipeline, owner_id: str, track_id: str, cid: str, entry: dict[str, Any]
    ) -> None:
        """Queue one collaborator's entry on a track."""
        pipe.hset(self.status_key(owner_id, track_id), cid, json.dumps(entry))

    def drop_entry(self, pipe: Pipeline, owner_id: str, track_id: str, cid: str) -> None:
        """Queue the end of one collaborator's entry: not shared."""
        pipe.hdel(self.status_key(owner_id, track_id), cid)

    def set_result(
        self, pipe: Pipeline, owner_id: str, job_id: str, field: str, result: dict[str, Any]
    ) -> None:
        """Queue one answer of a job."""
        key = self.results_key(owner_id, job_id)
        pipe.hset(key, field, json.dumps(result))
        pipe.expire(key, JOB_TTL)


async def watched_transaction(
    redis: Redis, watch: Sequence[str], plan: Callable[[Pipeline], Awaitable[Write]]
) -> None:
    """Read the watched keys in `plan`, then commit its writes; again if one changed meanwhile."""
    async with redis.pipeline(transaction=True) as pipe:
        while True:
            try:
                await pipe.watch(*watch)
                write = await plan(pipe)
                pipe.multi()  # type: ignore[no-untyped-call]
                write(pipe)
                await pipe.execute()
                return
            except WatchError:
                continue


async def apply_once_reading(
    redis: Redis,
    *,
    consumer: str,
    event_id: UUID,
    tag: str,
    watch: Sequence[str],
    plan: Callable[[Pipeline], Awaitable[Write]],
) -> bool:
    """`messaging.idempotency.apply_once` for writes that depend on what the keys hold now:
    `plan` reads the watched keys, and its writes commit with the marker; False if applied."""
    marker = marker_key(consumer, event_id, tag)
    applied = True

    async def with_marker(pipe: Pipeline) -> Write:
        nonlocal applied
        applied = True
        if await pipe.exists(marker):
            applied = False
            return lambda _: None
        write = await plan(pipe)

        def write_and_mark(pipe: Pipeline) -> None:
            write(pipe)
            pipe.set(marker, 1, ex=MARKER_TTL)

        return write_and_mark

    await watched_transaction(redis, [marker, *watch], with_marker)
    if not applied:
        DUPLICATES_SKIPPED.labels(consumer).inc()
    return applied
