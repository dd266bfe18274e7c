"""Sharing tracks with their collaborators, jobs and share status (DESIGN §8)."""

from typing import Annotated

from contracts.ids import CATALOG_ID_PATTERN, JOB_ID_PATTERN
from fastapi import APIRouter, Path, status
from service_kit.auth import CurrentOwner
from service_kit.openapi import problem_responses
from service_kit.problems import Problem

from link_service.catalog.models import Track
from link_service.collaborators.models import (
    BulkShare,
    BulkStarted,
    CollaboratorShare,
    JobPublic,
    JobStarted,
    ShareStatusPublic,
)
from link_service.collaborators.service import UnknownTracks
from link_service.context import LinkContext, LinkDep

router = APIRouter(tags=["collaborators"], responses=problem_responses(401, 422, 503))
Id = Annotated[str, Path(pattern=CATALOG_ID_PATTERN)]
JobId = Annotated[str, Path(pattern=JOB_ID_PATTERN)]
ACCEPTED = status.HTTP_202_ACCEPTED
NOT_FOUND = problem_responses(404)


@router.post(
    "/v1/tracks/{track_id}/collaborators/share",
    status_code=ACCEPTED,
    responses=problem_responses(404, 409, 429),
)
async def share_track(
    track_id: Id, request: CollaboratorShare, owner: CurrentOwner, context: LinkDep
) -> JobStarted:
    """Share one track with all its collaborators; follow the job for progress (409
    dropbox_not_connected or share_in_progress, 422 no_collaborators, 429 share_rate_limited)."""
    await _track(context, owner.user_id, track_id)
    try:
        job = await context.collaborators.share(
            owner.user_id, [track_id], request.mode, request.message, skip=False
        )
    except UnknownTracks as error:  # deleted meanwhile
        raise Problem.not_found("track") from error
    return JobStarted(job_id=job.job_id)


@router.post(
    "/v1/collaborators/share-bulk", status_code=ACCEPTED, responses=problem_responses(409, 429)
)
async def share_tracks(request: BulkShare, owner: CurrentOwner, context: LinkDep) -> BulkStarted:
    """Share each track with its own collaborators, skipping those without any (409
    dropbox_not_connected, 422 unknown_tracks, 429 share_rate_limited)."""
    job = await context.collaborators.share(
        owner.user_id, request.track_ids, request.mode, request.message
    )
    queued = [t.track_id for t in job.tracks]
    return BulkStarted(job_id=job.job_id, total=len(queued), queued=queued, skipped=job.skipped)


@router.get("/v1/jobs/{job_id}", responses=NOT_FOUND)
async def get_job(job_id: JobId, owner: CurrentOwner, context: LinkDep) -> JobPublic:
    """A job of the caller with its progress now."""
    job = await context.collaborators.job(owner.user_id, job_id)
    if job is None:
        raise Problem.not_found("job")
    return job


@router.get("/v1/tracks/{track_id}/share-status", responses=NOT_FOUND)
async def get_share_status(
    track_id: Id, owner: CurrentOwner, context: LinkDep
) -> ShareStatusPublic:
    """Each collaborator's status on the track, and the track's overall dot."""
    track = await _track(context, owner.user_id, track_id)
    return await context.collaborators.status(owner.user_id, track)


@router.delete(
    "/v1/tracks/{track_id}/collaborators/{collaborator_id}/access",
    status_code=ACCEPTED,
    responses=problem_responses(404, 409),
)
async def remove_access(
    track_id: Id, collaborator_id: Id, owner: CurrentOwner, context: LinkDep
) -> dict[str, str]:
    """Take back one collaborator's Dropbox access; the status turns not_shared when done
    (409 dropbox_not_connected or share_in_progress)."""
    track = await _track(context, owner.user_id, track_id)
    if collaborator_id not in {p.collaborator_id for p in track.collaborators}:
        raise Problem.not_found("collaborator", "The track has no collaborator with this id.")
    await context.collaborators.remove_access(owner.user_id, track, collaborator_id)
    return {"track_id": track_id, "collaborator_id": collaborator_id, "status": "revoking"}


async def _track(context: LinkContext, owner_id: str, track_id: str) -> Track:
    track = await context.catalog.track(owner_id, track_id)
    if track is None:
        raise Problem.not_found("track")
    return track
