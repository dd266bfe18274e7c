"""The catalog the dashboard keeps in sync with ours (DESIGN §4)."""

from typing import Annotated

from contracts.ids import CATALOG_ID_PATTERN
from fastapi import APIRouter, Path, Query, Response, status
from service_kit.auth import CurrentOwner
from service_kit.openapi import problem_responses
from service_kit.pagination import PageDep
from service_kit.problems import Problem

from link_service.catalog.models import Track, TrackIn, TracksPublic
from link_service.context import LinkDep

router = APIRouter(
    prefix="/v1/catalog/tracks", tags=["catalog"], responses=problem_responses(401, 422, 503)
)
NOT_FOUND = problem_responses(404)
TrackId = Annotated[str, Path(pattern=CATALOG_ID_PATTERN)]


@router.put("/{track_id}")
async def put_track(
    track_id: TrackId, track: TrackIn, owner: CurrentOwner, context: LinkDep
) -> Track:
    """Create or replace one of the caller's tracks."""
    return await context.catalog.put(owner.user_id, track_id, track)


@router.get("", response_model=TracksPublic)
async def list_tracks(
    owner: CurrentOwner,
    context: LinkDep,
    page: PageDep,
    bucket: Annotated[str | None, Query(max_length=200)] = None,
) -> TracksPublic:
    """The caller's tracks (of one bucket), by title, a page at a time."""
    tracks, cursor = await context.catalog.page(owner.user_id, bucket, page.limit, page.after)
    return TracksPublic(items=tracks, next_cursor=cursor)


@router.get("/{track_id}", responses=NOT_FOUND)
async def get_track(track_id: TrackId, owner: CurrentOwner, context: LinkDep) -> Track:
    """One of the caller's tracks."""
    track = await context.catalog.track(owner.user_id, track_id)
    if track is None:
        raise Problem.not_found("track")
    return track


@router.delete("/{track_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_track(track_id: TrackId, owner: CurrentOwner, context: LinkDep) -> Response:
    """Remove one of the caller's tracks."""
    if not await context.catalog.delete(owner.user_id, track_id):
        raise Problem.not_found("track")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
