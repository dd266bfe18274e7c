"""Service-to-service routes: temporary links for the gateway (DESIGN §7)."""

from fastapi import APIRouter
from service_kit.auth import internal_caller
from service_kit.openapi import problem_responses

from dropbox_service.context import DropboxDep
from dropbox_service.models import TemporaryLinkCreate, TemporaryLinkPublic

router = APIRouter(
    prefix="/internal",
    tags=["internal"],
    dependencies=[internal_caller("gateway")],
    responses=problem_responses(401, 403, 422, 503),
)


@router.post(
    "/temporary-links", response_model=TemporaryLinkPublic, responses=problem_responses(404, 409)
)
async def create_temporary_link(body: TemporaryLinkCreate, context: DropboxDep) -> object:
    """A temporary link to the file, from cache while it has long enough to live (404
    file_not_found, 409 dropbox_not_connected, 503 dropbox_rate_limited or
    dropbox_unavailable: what the gateway acts on, DESIGN §7)."""
    link = await context.links.get(body.owner_id, body.path)
    return TemporaryLinkPublic(url=link.url, expires_at=link.expires_at)
