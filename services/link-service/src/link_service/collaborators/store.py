"""Collaborator-share state in Redis: per track the collaborators' entries, and jobs.

Every key of an owner's collaborator sharing carries the outbox tag of the owner, and the
requests are staged in the owner's outbox shard: one transaction covers a whole bulk job,
and one owner's requests reach Kafka in the order they were made (README: "Collaborators").
"""

from datetime import timedelta
from functools import lru_cache

from messaging.outbox import Outbox
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from link_service.collaborators.models import Entry, JobHeader, JobResult

JOB_TTL = timedelta(days=30)


@lru_cache(maxsize=256)
def _header(raw: str) -> JobHeader:
    """A job header's JSON parsed once: every answer of a bulk job reads the same header, and
    validating its collaborators' addresses again each time made a 50-track job's answers
    take seconds to count."""
    return JobHeader.model_validate_json(raw)


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

    async def entries(
        self, reader: Redis | Pipeline, owner_id: str, track_id: str
    ) -> dict[str, Entry]:
        """The track's collaborator entries (`reader`: a watching pipeline inside a plan)."""
        raw: dict[str, str] = await reader.hgetall(self.status_key(owner_id, track_id))  # type: ignore[assignment]
        return {cid: Entry.model_validate_json(value) for cid, value in raw.items()}

    async def job(
        self, reader: Redis | Pipeline, owner_id: str, job_id: str
    ) -> tuple[JobHeader, dict[str, JobResult]] | None:
        """A job's header and answers, or None."""
        header = await self.job_header(reader, owner_id, job_id)
        if header is None:
            return None
        results: dict[str, str] = await reader.hgetall(self.results_key(owner_id, job_id))  # type: ignore[assignment]
        answers = {k: JobResult.model_validate_json(v) for k, v in results.items()}
        return header, answers

    async def job_header(
        self, reader: Redis | Pipeline, owner_id: str, job_id: str
    ) -> JobHeader | None:
        """A job's header alone, or None."""
        raw = await reader.get(self.job_key(owner_id, job_id))
        return _header(raw) if raw else None

    def save_job(self, pipe: Pipeline, header: JobHeader) -> None:
        """Queue a new job's header."""
        key = self.job_key(header.owner_id, header.job_id)
        pipe.set(key, header.model_dump_json(), ex=JOB_TTL)

    def set_entry(
        self, pipe: Pipeline, owner_id: str, track_id: str, cid: str, entry: Entry
    ) -> None:
        """Queue one collaborator's entry on a track."""
        pipe.hset(
            self.status_key(owner_id, track_id), cid, entry.model_dump_json(exclude_defaults=True)
        )

    def drop_entry(self, pipe: Pipeline, owner_id: str, track_id: str, cid: str) -> None:
        """Queue the end of one collaborator's entry: not shared."""
        pipe.hdel(self.status_key(owner_id, track_id), cid)

    def set_result(
        self, pipe: Pipeline, owner_id: str, job_id: str, field: str, result: JobResult
    ) -> None:
        """Queue one answer of a job."""
        key = self.results_key(owner_id, job_id)
        pipe.hset(key, field, result.model_dump_json(exclude_defaults=True))
        pipe.expire(key, JOB_TTL)
