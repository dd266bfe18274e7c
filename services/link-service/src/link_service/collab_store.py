"""Collaborator-share state in Redis: per track the collaborators' entries, and jobs.

Every key of an owner's collaborator sharing carries the outbox tag of the owner, and the
requests are staged in the owner's outbox shard: one transaction covers a whole bulk job,
and one owner's requests reach Kafka in the order they were made (README: "Collaborators").
"""

import json
from datetime import timedelta
from typing import Any

from messaging.outbox import Outbox
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

JOB_TTL = timedelta(days=30)


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
