"""Pure rules of collaborator sharing (DESIGN §8): entries, share status, jobs. No I/O here.

A collaborator's entry on a track is the latest intent and where it stands. Answers only
count for the request that is the current intent, so a late answer to an older request
never overrides a newer one.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Literal

from contracts.events import ShareMode

from link_service.catalog.models import Track
from link_service.collaborators.models import (
    CollaboratorResult,
    CollaboratorStatus,
    Entry,
    JobHeader,
    JobPublic,
    JobResult,
    JobTrack,
    Person,
    ShareStatusPublic,
    Skipped,
    TrackProgress,
)

Overall = Literal["none", "partial", "all"]


def overall_status(statuses: Sequence[str]) -> Overall:
    """all = every collaborator granted (green); none = nobody granted (gray); else partial."""
    granted = sum(status == "granted" for status in statuses)
    if statuses and granted == len(statuses):
        return "all"
    return "partial" if granted else "none"


def share_status(track: Track, entries: Mapping[str, Entry]) -> ShareStatusPublic:
    """GET /v1/tracks/{id}/share-status: the track's collaborators now, each with their status."""
    people = []
    for person in track.collaborators:
        entry = entries.get(person.collaborator_id)
        people.append(
            CollaboratorStatus(
                collaborator_id=person.collaborator_id,
                email=person.email,
                name=person.name,
                status=entry.status if entry else "not_shared",
                reason=entry.reason if entry else None,
                revoking=bool(entry and entry.revoking),
            )
        )
    overall = overall_status([p.status for p in people])
    return ShareStatusPublic(track_id=track.track_id, status=overall, collaborators=people)


def pending(request_id: str) -> Entry:
    """The entry of a collaborator whose share request `request_id` is on its way."""
    return Entry(status="pending", request_id=request_id)


def revoking(entry: Entry | None, request_id: str) -> Entry:
    """The entry while removal `request_id` is on its way: the status stays what it was."""
    status = entry.status if entry else "not_shared"
    return Entry(status=status, request_id=request_id, revoking=True)


def answered(
    entry: Entry | None, request_id: str, status: Literal["granted", "failed"], reason: str | None
) -> Entry | None:
    """The entry after a grant or failure of `request_id`; None when no longer the intent."""
    if entry is None or entry.request_id != request_id or entry.revoking:
        return None
    return Entry(status=status, request_id=request_id, reason=reason)


def removal_applies(entry: Entry | None, request_id: str) -> bool:
    """Whether an answer to removal `request_id` ends the current intent."""
    return bool(entry and entry.revoking and entry.request_id == request_id)


def removal_failed(request_id: str, reason: str) -> Entry:
    """The entry after Dropbox refused removal `request_id`: failed, the producer may retry
    the removal or share again (the access may still be there)."""
    return Entry(status="failed", request_id=request_id, reason=f"remove_failed:{reason}")


def job_header(
    owner_id: str,
    mode: ShareMode,
    message: str | None,
    tracks: Sequence[Track],
    entries: Sequence[Mapping[str, Entry]],
    *,
    now: datetime,
    new_id: Callable[[str], str],
) -> JobHeader:
    """A new job started at `now`: each track with collaborators and no removal on its way
    gets a request; the others are skipped with the reason. `new_id(kind)` names the job
    and the requests."""
    queued, skipped = [], []
    for track, current in zip(tracks, entries, strict=True):
        if not track.collaborators:
            skipped.append(Skipped(track_id=track.track_id, reason="no_collaborators"))
        elif any(entry.revoking for entry in current.values()):
            skipped.append(Skipped(track_id=track.track_id, reason="revoke_in_progress"))
        else:
            queued.append(_job_track(track, new_id("req")))
    return JobHeader(
        job_id=new_id("job"),
        owner_id=owner_id,
        mode=mode,
        message=message,
        created_at=now,
        tracks=queued,
        skipped=skipped,
    )


def _job_track(track: Track, request_id: str) -> JobTrack:
    people = [
        Person(**p.model_dump(include={"collaborator_id", "email", "name"}))
        for p in track.collaborators
    ]
    return JobTrack(
        track_id=track.track_id, title=track.title, request_id=request_id, collaborators=people
    )


def result_field(track_id: str, collaborator_id: str) -> str:
    """A job result's field name (ids cannot contain '/': see contracts.ids)."""
    return f"{track_id}/{collaborator_id}"


def track_progress(track: JobTrack, results: Mapping[str, JobResult]) -> TrackProgress:
    """One track of a job: pending until every collaborator answered; then done or failed."""
    people = []
    for person in track.collaborators:
        result = results.get(result_field(track.track_id, person.collaborator_id))
        people.append(
            CollaboratorResult(
                **person.model_dump(),
                status=result.status if result else "pending",
                reason=result.reason if result else None,
            )
        )
    statuses = {p.status for p in people}
    state = "pending" if "pending" in statuses else "failed" if "failed" in statuses else "done"
    return TrackProgress(
        track_id=track.track_id, title=track.title, state=state, collaborators=people
    )


def job_view(header: JobHeader, results: Mapping[str, JobResult]) -> JobPublic:
    """GET /v1/jobs/{id}. total/done/failed count the job's queued tracks (skipped ones are
    listed apart): a track is done when every collaborator is granted, failed when all have
    answered and one failed. The job runs until every track is done or failed; then it is
    done, or failed when any track failed."""
    tracks = [track_progress(track, results) for track in header.tracks]
    done = sum(t.state == "done" for t in tracks)
    failed = sum(t.state == "failed" for t in tracks)
    state: Literal["running", "done", "failed"] = "running"
    if done + failed == len(tracks):
        state = "failed" if failed else "done"
    return JobPublic(
        job_id=header.job_id,
        state=state,
        mode=header.mode,
        total=len(tracks),
        done=done,
        failed=failed,
        tracks=tracks,
        skipped=header.skipped,
        created_at=header.created_at,
    )
