"""The catalog the dashboard keeps in sync with ours (DESIGN §4)."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from service_kit.auth import CurrentOwner

from link_service.context import LinkDep
from link_service.models import TrackIn, TrackPublic, TracksPublic

router = APIRouter(prefix="/v1/catalog/tracks", tags=["catalog"])
TrackId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]


@router.put("/{track_id}", response_model=TrackPublic)
async def put_track(
    track_id: TrackId, track: TrackIn, owner: CurrentOwner, context: LinkDep
) -> TrackPublic:
    """Create or replace one of the caller's tracks."""
    stored = TrackPublic(track_id=track_id, **track.model_dump())
    await context.catalog.put(owner.user_id, stored.model_dump())
    return stored


@router.get("", response_model=TracksPublic)
async def list_tracks(
    owner: CurrentOwner,
    context: LinkDep,
    bucket: Annotated[str | None, Query(max_length=200)] = None,
) -> TracksPublic:
    """The caller's tracks (of one bucket), by title."""
    tracks = await context.catalog.all_tracks(owner.user_id, bucket)
    return TracksPublic(items=[TrackPublic(**t) for t in tracks], next_cursor=None)


@router.get("/{track_id}", response_model=TrackPublic)
async def get_track(track_id: TrackId, owner: CurrentOwner, context: LinkDep) -> TrackPublic:
    """One of the caller's tracks."""
    track = await context.catalog.track(owner.user_id, track_id)
    if track is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="track not found")
    return TrackPublic(**track)


@router.delete("/{track_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_track(track_id: TrackId, owner: CurrentOwner, context: LinkDep) -> Response:
    """Remove one of the caller's tracks."""
    if not await context.catalog.delete(owner.user_id, track_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="track not found")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
