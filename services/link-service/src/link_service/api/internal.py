"""Service-to-service routes: the link behind a public token, for the gateway; a track of an
owner's catalog, for dropbox-service to check a share against (docs/decisions/0005)."""

from typing import Annotated

from contracts.catalog import CatalogCollaborator, CatalogFile, CatalogTrack
from contracts.ids import CATALOG_ID_PATTERN, OWNER_ID_PATTERN, is_token
from contracts.links import InternalLink
from fastapi import APIRouter, Path
from service_kit.auth import internal_caller
from service_kit.openapi import problem_responses
from service_kit.problems import Problem

from link_service.catalog.models import Track
from link_service.context import LinkDep

router = APIRouter(
    prefix="/internal",
    tags=["internal"],
    responses=problem_responses(401, 403, 404, 422, 503),
)
OwnerId = Annotated[str, Path(pattern=OWNER_ID_PATTERN)]
TrackId = Annotated[str, Path(pattern=CATALOG_ID_PATTERN)]


@router.get(
    "/links/by-token/{token}",
    response_model=InternalLink,
    dependencies=[internal_caller("gateway")],
)
async def get_link_by_token(token: str, context: LinkDep) -> InternalLink:
    """The link, its tracks at their latest versions, and whether its owner's Dropbox can
    serve them (the gateway computes the status: contracts.links); a recipient's token
    answers the link as that recipient opens it."""
    found = await context.links.by_token(token) if is_token(token) else None
    if found is None:
        raise Problem.not_found("link", "No link has this token.")
    return await context.links.internal(*found)


@router.get(
    "/catalog/{owner_id}/tracks/{track_id}",
    response_model=CatalogTrack,
    dependencies=[internal_caller("dropbox-service")],
)
async def get_catalog_track(owner_id: OwnerId, track_id: TrackId, context: LinkDep) -> CatalogTrack:
    """The owner's track as the catalog holds it now: its folder, files and collaborators
    (404 track_not_found when the catalog holds no such track)."""
    track = await context.catalog.track(owner_id, track_id)
    if track is None:
        raise Problem.not_found("track", "The owner's catalog holds no track with this id.")
    return _catalog_track(owner_id, track)


def _catalog_track(owner_id: str, track: Track) -> CatalogTrack:
    return CatalogTrack(
        owner_id=owner_id,
        track_id=track.track_id,
        dropbox_folder=track.dropbox_folder,
        files=tuple(
            CatalogFile(file_id=f.file_id, dropbox_path=f.dropbox_path) for f in track.files
        ),
        collaborators=tuple(
            CatalogCollaborator(collaborator_id=c.collaborator_id, email=c.email)
            for c in track.collaborators
        ),
    )
