"""Sharing tracks with their collaborators through dropbox-service (DESIGN §8).

Requests go out through the outbox (collab.share.requested, collab.revoke.requested) in
the same transaction as the entries and the job they start; the answers (collab.granted,
collab.failed, collab.revoked, collab.revoke.failed) update them, each event applied once.
"""

from collections.abc import Awaitable, Callable, Sequence

from contracts.clock import Clock
from contracts.events import (
    CollabFailed,
    CollabGranted,
    Collaborator,
    CollabRevoked,
    CollabRevokeFailed,
    CollabRevokeRequested,
    CollabShareRequested,
    SharedFile,
    ShareMode,
)
from contracts.ids import new_id
from messaging.idempotency import apply_once_reading
from messaging.transactions import Write, watched_transaction
from redis.asyncio.client import Pipeline

from link_service.catalog.models import Track
from link_service.catalog.paths import track_confined
from link_service.catalog.store import CatalogStore
from link_service.collaborators import domain
from link_service.collaborators.budget import ShareBudget
from link_service.collaborators.models import JobHeader, JobPublic, JobResult, ShareStatusPublic
from link_service.collaborators.store import CollabStore
from link_service.connections.service import Connections


class UnknownTracks(LookupError):
    """Tracks the owner does not have; the message lists them."""


class UnconfinedTracks(ValueError):
    """Tracks stored before paths were confined, whose paths leave their folder; the
    message lists them."""


class NoCollaborators(ValueError):
    """The one track asked for has no collaborators."""


class Conflict(Exception):
    """The request collides with one still on its way; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Collaborators:
    """Collaborator shares, removals, jobs and share status of every owner."""

    def __init__(
        self,
        catalog: CatalogStore,
        connections: Connections,
        store: CollabStore,
        budget: ShareBudget,
        clock: Clock,
    ) -> None:
        self.catalog = catalog
        self.connections = connections
        self.store = store
        self.budget = budget
        self.clock = clock

    async def share(
        self,
        owner_id: str,
        track_ids: Sequence[str],
        mode: ShareMode,
        message: str | None,
        *,
        skip: bool = True,
    ) -> JobHeader:
        """Start a job sharing each track with its collaborators; answer the job's header.

        Tracks without collaborators, or with a removal still on its way, are skipped; with
        `skip=False` they refuse the whole request instead (NoCollaborators, Conflict). The
        owner's budget pays for every collaborator of every track asked for (OverBudget).
        """
        await self.connections.require(owner_id)
        ids = list(dict.fromkeys(track_ids))
        found = await self.catalog.tracks(owner_id, ids)
        if unknown := [t for t in ids if t not in found]:
            raise UnknownTracks(f"unknown tracks: {', '.join(unknown)}")
        tracks = [found[t] for t in ids]
        if outside := [t.track_id for t in tracks if not track_confined(t)]:
            raise UnconfinedTracks(f"paths outside their dropbox_folder: {', '.join(outside)}")
        await self.budget.spend(owner_id, sum(len(t.collaborators) for t in tracks))
        started: list[JobHeader] = []

        async def plan(pipe: Pipeline) -> Write:
            entries = [await self.store.entries(pipe, owner_id, t.track_id) for t in tracks]
            job = domain.job_header(
                owner_id, mode, message, tracks, entries, now=self.clock(), new_id=new_id
            )
            if not skip and job.skipped:
                _refuse(job.skipped[0].reason)
            started.append(job)
            return lambda pipe: self._start(pipe, job, found)

        keys = [self.store.status_key(owner_id, t) for t in ids]
        await watched_transaction(self.store.redis, keys, plan)
        return started[-1]  # the plan that committed ran last

    def _start(self, pipe: Pipeline, job: JobHeader, tracks: dict[str, Track]) -> None:
        """Queue the job, its collaborators' pending entries and its requests."""
        for queued in job.tracks:
            request = _request(job, tracks[queued.track_id], queued.request_id)
            for person in request.collaborators:
                entry = domain.pending(request.request_id)
                cid = person.collaborator_id
                self.store.set_entry(pipe, job.owner_id, request.track_id, cid, entry)
            self.store.outbox.stage(pipe, request, aggregate_id=job.owner_id)
        self.store.save_job(pipe, job)

    async def remove_access(self, owner_id: str, track: Track, cid: str) -> None:
        """Ask dropbox-service to take back one collaborator's access to the track."""
        person = next(p for p in track.collaborators if p.collaborator_id == cid)
        await self.connections.require(owner_id)
        request = CollabRevokeRequested(
            request_id=new_id("req"),
            owner_id=owner_id,
            track_id=track.track_id,
            collaborator=Collaborator(**person.model_dump()),
        )

        async def plan(pipe: Pipeline) -> Write:
            entry = (await self.store.entries(pipe, owner_id, track.track_id)).get(cid)
            if entry and entry.status == "pending" and not entry.revoking:
                raise Conflict("share_in_progress")
            removing = domain.revoking(entry, request.request_id)

            def write(pipe: Pipeline) -> None:
                self.store.set_entry(pipe, owner_id, track.track_id, cid, removing)
                self.store.outbox.stage(pipe, request, aggregate_id=owner_id)

            return write

        key = self.store.status_key(owner_id, track.track_id)
        await watched_transaction(self.store.redis, [key], plan)

    async def status(self, owner_id: str, track: Track) -> ShareStatusPublic:
        """The track's share status now."""
        entries = await self.store.entries(self.store.redis, owner_id, track.track_id)
        return domain.share_status(track, entries)

    async def job(self, owner_id: str, job_id: str) -> JobPublic | None:
        """The owner's job with its progress, or None."""
        found = await self.store.job(self.store.redis, owner_id, job_id)
        return domain.job_view(*found) if found else None

    async def record_answer(self, consumer: str, event: CollabGranted | CollabFailed) -> None:
        """A grant or failure: the collaborator's entry (if still the intent) and the job."""
        owner, track_id = event.owner_id, event.track_id
        if isinstance(event, CollabGranted):
            cid, result = event.collaborator.collaborator_id, JobResult(status="granted")
        else:
            cid, result = event.collaborator_id, JobResult(status="failed", reason=event.reason)

        async def plan(pipe: Pipeline) -> Write:
            current = (await self.store.entries(pipe, owner, track_id)).get(cid)
            entry = domain.answered(current, event.request_id, result.status, result.reason)
            header = await self.store.job_header(pipe, owner, event.job_id)
            counts = header is not None and _requested(header, track_id, event.request_id)

            def write(pipe: Pipeline) -> None:
                if entry is not None:
                    self.store.set_entry(pipe, owner, track_id, cid, entry)
                if counts:
                    field = domain.result_field(track_id, cid)
                    self.store.set_result(pipe, owner, event.job_id, field, result)

            return write

        await self._apply_once(consumer, event, plan)

    async def record_removal(
        self, consumer: str, event: CollabRevoked | CollabRevokeFailed
    ) -> None:
        """Access removed: not shared any more; or the removal failed, with the reason (if the
        removal was still the intent)."""
        owner, track_id, cid = event.owner_id, event.track_id, event.collaborator_id

        def write(pipe: Pipeline) -> None:
            if isinstance(event, CollabRevokeFailed):
                entry = domain.removal_failed(event.request_id, event.reason)
                self.store.set_entry(pipe, owner, track_id, cid, entry)
            else:
                self.store.drop_entry(pipe, owner, track_id, cid)

        async def plan(pipe: Pipeline) -> Write:
            entry = (await self.store.entries(pipe, owner, track_id)).get(cid)
            return write if domain.removal_applies(entry, event.request_id) else _nothing

        await self._apply_once(consumer, event, plan)

    async def _apply_once(
        self,
        consumer: str,
        event: CollabGranted | CollabFailed | CollabRevoked | CollabRevokeFailed,
        plan: Callable[[Pipeline], Awaitable[Write]],
    ) -> None:
        """Apply an answer once, reading the track's entries under WATCH."""
        await apply_once_reading(
            self.store.redis,
            consumer=consumer,
            event_id=event.event_id,
            tag=self.store.tag(event.owner_id),
            watch=[self.store.status_key(event.owner_id, event.track_id)],
            plan=plan,
        )


def _nothing(pipe: Pipeline) -> None:
    """The writes of an answer that is no longer the intent: none (the marker only)."""


def _refuse(reason: str) -> None:
    if reason == "no_collaborators":
        raise NoCollaborators("the track has no collaborators")
    raise Conflict(reason)


def _request(header: JobHeader, track: Track, request_id: str) -> CollabShareRequested:
    return CollabShareRequested(
        request_id=request_id,
        job_id=header.job_id,
        owner_id=header.owner_id,
        track_id=track.track_id,
        track_title=track.title,
        mode=header.mode,
        folder=track.dropbox_folder,
        files=[
            SharedFile(file_id=f.file_id, name=f.name, dropbox_path=f.dropbox_path)
            for f in track.files
        ],
        collaborators=[Collaborator(**p.model_dump()) for p in track.collaborators],
        message=header.message,
    )


def _requested(header: JobHeader, track_id: str, request_id: str) -> bool:
    """Whether the job asked for `track_id` with `request_id` (so the answer counts)."""
    return any(t.track_id == track_id and t.request_id == request_id for t in header.tracks)
