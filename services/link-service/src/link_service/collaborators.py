"""Sharing tracks with their collaborators through dropbox-service (DESIGN §8).

Requests go out through the outbox (collab.share.requested, collab.revoke.requested) in
the same transaction as the entries and the job they start; the answers (collab.granted,
collab.failed, collab.revoked) update them, each event applied once.
"""

import json
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

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
from messaging.idempotency import apply_once_reading
from messaging.transactions import Write, watched_transaction
from redis.asyncio.client import Pipeline

from link_service import collab_domain as domain
from link_service.catalog_store import CatalogStore
from link_service.collab_store import CollabStore
from link_service.links import NotConnected
from link_service.owners import Owners


class UnknownTracks(LookupError):
    """Tracks the owner does not have; the message lists them."""


class NoCollaborators(ValueError):
    """The one track asked for has no collaborators."""


class Conflict(Exception):
    """The request collides with one still on its way; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Collaborators:
    """Collaborator shares, removals, jobs and share status of every owner."""

    def __init__(self, catalog: CatalogStore, owners: Owners, store: CollabStore) -> None:
        self.catalog = catalog
        self.owners = owners
        self.store = store

    async def share(
        self,
        owner_id: str,
        track_ids: Sequence[str],
        mode: ShareMode,
        message: str | None,
        *,
        skip: bool = True,
    ) -> dict[str, Any]:
        """Start a job sharing each track with its collaborators; answer the job's header.

        Tracks without collaborators, or with a removal still on its way, are skipped; with
        `skip=False` they refuse the whole request instead (NoCollaborators, Conflict).
        """
        if not await self.owners.dropbox_connected(owner_id):
            raise NotConnected(owner_id)
        ids = list(dict.fromkeys(track_ids))
        tracks = await self.catalog.tracks(owner_id, ids)
        if unknown := [t for t in ids if t not in tracks]:
            raise UnknownTracks(f"unknown tracks: {', '.join(unknown)}")
        job_id = "job_" + secrets.token_hex(12)
        keys = [self.store.status_key(owner_id, t) for t in ids]
        job: dict[str, Any] = {}

        async def plan(pipe: Pipeline) -> Write:
            entries = [await _entries(pipe, key) for key in keys]
            header = _job_header(owner_id, job_id, mode, message, ids, tracks, entries)
            if not skip and header["skipped"]:
                _refuse(header["skipped"][0]["reason"])
            requests = [_request(header, tracks[t["track_id"]], t) for t in header["tracks"]]

            def write(pipe: Pipeline) -> None:
                self.store.save_job(pipe, header)
                for request in requests:
                    for person in request.collaborators:
                        entry = domain.pending(request.request_id)
                        self.store.set_entry(
                            pipe, owner_id, request.track_id, person.collaborator_id, entry
                        )
                    self.store.outbox.stage(pipe, request, aggregate_id=owner_id)

            job.update(header)
            return write

        await watched_transaction(self.store.redis, keys, plan)
        return job

    async def remove_access(self, owner_id: str, track: dict[str, Any], cid: str) -> None:
        """Ask dropbox-service to take back one collaborator's access to the track."""
        person = next(p for p in track["collaborators"] if p["collaborator_id"] == cid)
        if not await self.owners.dropbox_connected(owner_id):
            raise NotConnected(owner_id)
        key = self.store.status_key(owner_id, track["track_id"])
        request = CollabRevokeRequested(
            request_id="req_" + secrets.token_hex(12),
            owner_id=owner_id,
            track_id=track["track_id"],
            collaborator=Collaborator(**person),
        )

        async def plan(pipe: Pipeline) -> Write:
            entry = (await _entries(pipe, key)).get(cid)
            if entry and entry["status"] == "pending" and not entry.get("revoking"):
                raise Conflict("share_in_progress")

            def write(pipe: Pipeline) -> None:
                self.store.set_entry(
                    pipe,
                    owner_id,
                    track["track_id"],
                    cid,
                    domain.revoking(entry, request.request_id),
                )
                self.store.outbox.stage(pipe, request, aggregate_id=owner_id)

            return write

        await watched_transaction(self.store.redis, [key], plan)

    async def status(self, owner_id: str, track: dict[str, Any]) -> dict[str, Any]:
        """The track's share status now."""
        entries = await self.store.entries(owner_id, track["track_id"])
        return domain.share_status_view(track["track_id"], track["collaborators"], entries)

    async def job(self, owner_id: str, job_id: str) -> dict[str, Any] | None:
        """The owner's job with its progress, or None."""
        found = await self.store.job(owner_id, job_id)
        return domain.job_view(*found) if found else None

    async def record_answer(
        self, consumer: str, event: CollabGranted | CollabFailed, status: str
    ) -> None:
        """A grant or failure: the collaborator's entry (if still the intent) and the job."""
        owner, track_id = event.owner_id, event.track_id
        cid = (
            event.collaborator.collaborator_id
            if isinstance(event, CollabGranted)
            else (event.collaborator_id)
        )
        reason = event.reason if isinstance(event, CollabFailed) else None
        status_key = self.store.status_key(owner, track_id)
        job_key = self.store.job_key(owner, event.job_id)

        async def plan(pipe: Pipeline) -> Write:
            entry = domain.answered(
                (await _entries(pipe, status_key)).get(cid), event.request_id, status, reason
            )
            header = await pipe.get(job_key)
            counts = header and _requested(json.loads(header), track_id, event.request_id)

            def write(pipe: Pipeline) -> None:
                if entry is not None:
                    self.store.set_entry(pipe, owner, track_id, cid, entry)
                if counts:
                    result = {"status": status} | ({"reason": reason} if reason else {})
                    field = domain.result_field(track_id, cid)
                    self.store.set_result(pipe, owner, event.job_id, field, result)

            return write

        await apply_once_reading(
            self.store.redis,
            consumer=consumer,
            event_id=event.event_id,
            tag=self.store.tag(owner),
            watch=[status_key],
            plan=plan,
        )

    async def record_removal(
        self, consumer: str, event: CollabRevoked | CollabRevokeFailed
    ) -> None:
        """Access removed: not shared any more; or the removal failed, with the reason (if the
        removal was still the intent)."""
        owner, track_id, cid = event.owner_id, event.track_id, event.collaborator_id
        status_key = self.store.status_key(owner, track_id)

        def write(pipe: Pipeline) -> None:
            if isinstance(event, CollabRevokeFailed):
                entry = domain.removal_failed(event.request_id, event.reason)
                self.store.set_entry(pipe, owner, track_id, cid, entry)
            else:
                self.store.drop_entry(pipe, owner, track_id, cid)

        async def plan(pipe: Pipeline) -> Write:
            entry = (await _entries(pipe, status_key)).get(cid)
            return write if domain.removal_applies(entry, event.request_id) else _nothing

        await apply_once_reading(
            self.store.redis,
            consumer=consumer,
            event_id=event.event_id,
            tag=self.store.tag(owner),
            watch=[status_key],
            plan=plan,
        )


def _nothing(pipe: Pipeline) -> None:
    """The writes of an answer that is no longer the intent: none (the marker only)."""


def _refuse(reason: str) -> None:
    if reason == "no_collaborators":
        raise NoCollaborators("the track has no collaborators")
    raise Conflict(reason)


async def _entries(pipe: Pipeline, key: str) -> dict[str, dict[str, Any]]:
    raw: dict[str, str] = await pipe.hgetall(key)  # type: ignore[assignment]
    return {cid: json.loads(value) for cid, value in raw.items()}


def _job_header(
    owner_id: str,
    job_id: str,
    mode: ShareMode,
    message: str | None,
    ids: list[str],
    tracks: dict[str, dict[str, Any]],
    entries: list[dict[str, dict[str, Any]]],
) -> dict[str, Any]:
    queued, skipped = [], []
    for track_id, current in zip(ids, entries, strict=True):
        track = tracks[track_id]
        if not track["collaborators"]:
            skipped.append({"track_id": track_id, "reason": "no_collaborators"})
        elif any(e.get("revoking") for e in current.values()):
            skipped.append({"track_id": track_id, "reason": "revoke_in_progress"})
        else:
            people = [
                {k: p[k] for k in ("collaborator_id", "email", "name")}
                for p in track["collaborators"]
            ]
            queued.append(
                {
                    "track_id": track_id,
                    "title": track["title"],
                    "request_id": "req_" + secrets.token_hex(12),
                    "collaborators": people,
                }
            )
    return {
        "job_id": job_id,
        "owner_id": owner_id,
        "mode": mode,
        "message": message,
        "created_at": datetime.now(UTC).isoformat(),
        "tracks": queued,
        "skipped": skipped,
    }


def _request(
    header: dict[str, Any], track: dict[str, Any], queued: dict[str, Any]
) -> CollabShareRequested:
    return CollabShareRequested(
        request_id=queued["request_id"],
        job_id=header["job_id"],
        owner_id=header["owner_id"],
        track_id=track["track_id"],
        track_title=track["title"],
        mode=header["mode"],
        folder=track["dropbox_folder"],
        files=[
            SharedFile(**{k: f[k] for k in ("file_id", "name", "dropbox_path")})
            for f in track["files"]
        ],
        collaborators=[Collaborator(**p) for p in track["collaborators"]],
        message=header["message"],
    )


def _requested(header: dict[str, Any], track_id: str, request_id: str) -> bool:
    """Whether the job asked for `track_id` with `request_id` (so the answer counts)."""
    tracks = header["tracks"]
    return any(t["track_id"] == track_id and t["request_id"] == request_id for t in tracks)
