"""Pure rules of collaborator sharing (DESIGN §8): share status, job progress. No I/O here.

A collaborator's entry on a track is the latest intent and where it stands:
`{"status": "pending"|"granted"|"failed"|"not_shared", "request_id", "reason"?, "revoking"?}`.
Results only count for the request that is the current intent, so a late answer to an
older request never overrides a newer one.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

Overall = Literal["none", "partial", "all"]
JobState = Literal["running", "done", "failed"]
NOT_SHARED = "not_shared"


def collaborator_status(entry: Mapping[str, Any] | None) -> str:
    """granted, pending, failed or not_shared (no entry: never shared, or access removed)."""
    return str(entry["status"]) if entry else NOT_SHARED


def overall_status(statuses: Sequence[str]) -> Overall:
    """all = every collaborator granted (green); none = nobody granted (gray); else partial."""
    granted = sum(status == "granted" for status in statuses)
    if statuses and granted == len(statuses):
        return "all"
    return "partial" if granted else "none"


def share_status_view(
    track_id: str, collaborators: Iterable[Mapping[str, Any]], entries: Mapping[str, Any]
) -> dict[str, Any]:
    """GET /v1/tracks/{id}/share-status: the track's collaborators now, each with their status."""
    people = []
    for person in collaborators:
        entry = entries.get(person["collaborator_id"])
        people.append(
            {
                "collaborator_id": person["collaborator_id"],
                "email": person["email"],
                "name": person["name"],
                "status": collaborator_status(entry),
                "reason": entry.get("reason") if entry else None,
                "revoking": bool(entry and entry.get("revoking")),
            }
        )
    return {
        "track_id": track_id,
        "status": overall_status([p["status"] for p in people]),
        "collaborators": people,
    }


def pending(request_id: str) -> dict[str, Any]:
    """The entry of a collaborator whose share request `request_id` is on its way."""
    return {"status": "pending", "request_id": request_id}


def revoking(entry: Mapping[str, Any] | None, request_id: str) -> dict[str, Any]:
    """The entry while removal `request_id` is on its way: the status stays what it was."""
    return {"status": collaborator_status(entry), "request_id": request_id, "revoking": True}


def answered(
    entry: Mapping[str, Any] | None, request_id: str, status: str, reason: str | None = None
) -> dict[str, Any] | None:
    """The entry after a grant or failure of `request_id`; None when no longer the intent."""
    if not entry or entry.get("request_id") != request_id or entry.get("revoking"):
        return None
    return {"status": status, "request_id": request_id} | ({"reason": reason} if reason else {})


def removal_applies(entry: Mapping[str, Any] | None, request_id: str) -> bool:
    """Whether an answer to removal `request_id` ends the current intent."""
    return bool(entry and entry.get("revoking") and entry.get("request_id") == request_id)


def removal_failed(request_id: str, reason: str) -> dict[str, Any]:
    """The entry after Dropbox refused removal `request_id`: failed, the producer may retry
    the removal or share again (the access may still be there)."""
    return {"status": "failed", "request_id": request_id, "reason": f"remove_failed:{reason}"}


def result_field(track_id: str, collaborator_id: str) -> str:
    """A job result's field name (ids cannot contain '/': see models.Id)."""
    return f"{track_id}/{collaborator_id}"


def track_progress(
    track: Mapping[str, Any], results: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """One track of a job: pending until every collaborator answered; then done or failed."""
    people = []
    for person in track["collaborators"]:
        result = results.get(result_field(track["track_id"], person["collaborator_id"]))
        people.append(
            {
                "collaborator_id": person["collaborator_id"],
                "email": person["email"],
                "name": person["name"],
                "status": result["status"] if result else "pending",
                "reason": result.get("reason") if result else None,
            }
        )
    statuses = {p["status"] for p in people}
    state = "pending" if "pending" in statuses else "failed" if "failed" in statuses else "done"
    return {
        "track_id": track["track_id"],
        "title": track["title"],
        "state": state,
        "collaborators": people,
    }


def job_view(header: Mapping[str, Any], results: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """GET /v1/jobs/{id}. total/done/failed count the job's queued tracks (skipped ones are
    listed apart): a track is done when every collaborator is granted, failed when all have
    answered and one failed. The job runs until every track is done or failed; then it is
    done, or failed when any track failed."""
    tracks = [track_progress(track, results) for track in header["tracks"]]
    done = sum(t["state"] == "done" for t in tracks)
    failed = sum(t["state"] == "failed" for t in tracks)
    state: JobState = "running"
    if done + failed == len(tracks):
        state = "failed" if failed else "done"
    return {
        "job_id": header["job_id"],
        "state": state,
        "mode": header["mode"],
        "total": len(tracks),
        "done": done,
        "failed": failed,
        "tracks": tracks,
        "skipped": header["skipped"],
        "created_at": header["created_at"],
    }
