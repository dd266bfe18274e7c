"""Sharing tracks with their collaborators, jobs and share status (DESIGN §8)."""

from typing import Annotated

from contracts.ids import CATALOG_ID_PATTERN, JOB_ID_PATTERN
from fastapi import APIRouter, HTTPException, Path, status
from service_kit.auth import CurrentOwner

from link_service.catalog.models import Track
from link_service.collaborators.budget import OverBudget
from link_service.collaborators.models import (
    BulkShare,
    BulkStarted,
    CollaboratorShare,
    JobPublic,
    JobStarted,
    ShareStatusPublic,
)
from link_service.collaborators.service import Conflict, NoCollaborators, UnknownTracks
from link_service.context import LinkContext, LinkDep
from link_service.links.service import NotConnected

router = APIRouter(tags=["collaborators"])
Id = Annotated[str, Path(pattern=CATALOG_ID_PATTERN)]
JobId = Annotated[str, Path(pattern=JOB_ID_PATTERN)]
ACCEPTED = status.HTTP_202_ACCEPTED


@router.post("/v1/tracks/{track_id}/collaborators/share", status_code=ACCEPTED)
async def share_track(
    track_id: Id, request: CollaboratorShare, owner: CurrentOwner, context: LinkDep
) -> JobStarted:
    """Share one track with all its collaborators; follow the job for progress."""
    await _track(context, owner.user_id, track_id)
    try:
        job = await context.collaborators.share(
            owner.user_id, [track_id], request.mode, request.message, skip=False
        )
    except NoCollaborators as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(error)) from error
    except UnknownTracks as error:  # deleted meanwhile
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="track not found") from error
    except (NotConnected, Conflict, OverBudget) as error:
        raise _refusal(error) from error
    return JobStarted(job_id=job.job_id)


@router.post("/v1/collaborators/share-bulk", status_code=ACCEPTED)
async def share_tracks(request: BulkShare, owner: CurrentOwner, context: LinkDep) -> BulkStarted:
    """Share each track with its own collaborators, skipping those without any."""
    try:
        job = await context.collaborators.share(
            owner.user_id, request.track_ids, request.mode, request.message
        )
    except UnknownTracks as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(error)) from error
    except (NotConnected, OverBudget) as error:
        raise _refusal(error) from error
    queued = [t.track_id for t in job.tracks]
    return BulkStarted(job_id=job.job_id, total=len(queued), queued=queued, skipped=job.skipped)


@router.get("/v1/jobs/{job_id}")
async def get_job(job_id: JobId, owner: CurrentOwner, context: LinkDep) -> JobPublic:
    """A job of the caller with its progress now."""
    job = await context.collaborators.job(owner.user_id, job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="job not found")
    return job


@router.get("/v1/tracks/{track_id}/share-status")
async def share_status(track_id: Id, owner: CurrentOwner, context: LinkDep) -> ShareStatusPublic:
    """Each collaborator's status on the track, and the track's overall dot."""
    track = await _track(context, owner.user_id, track_id)
    return await context.collaborators.status(owner.user_id, track)


@router.delete("/v1/tracks/{track_id}/collaborators/{collaborator_id}/access", status_code=ACCEPTED)
async def remove_access(
    track_id: Id, collaborator_id: Id, owner: CurrentOwner, context: LinkDep
) -> dict[str, str]:
    """Take back one collaborator's Dropbox access; the status turns not_shared when done."""
    track = await _track(context, owner.user_id, track_id)
    if collaborator_id not in {p.collaborator_id for p in track.collaborators}:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="collaborator not found")
    try:
        await context.collaborators.remove_access(owner.user_id, track, collaborator_id)
    except (NotConnected, Conflict) as error:
        raise _refusal(error) from error
    return {"track_id": track_id, "collaborator_id": collaborator_id, "status": "revoking"}


async def _track(context: LinkContext, owner_id: str, track_id: str) -> Track:
    track = await context.catalog.track(owner_id, track_id)
    if track is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="track not found")
    return track


def _refusal(error: NotConnected | Conflict | OverBudget) -> HTTPException:
    if isinstance(error, OverBudget):
        wait = {"Retry-After": str(error.retry_after)}
        return HTTPException(429, detail="share_rate_limited", headers=wait)
    reason = error.reason if isinstance(error, Conflict) else "dropbox_not_connected"
    return HTTPException(status.HTTP_409_CONFLICT, detail=reason)
