"""Service-to-service routes: temporary links for the gateway (DESIGN §7)."""

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field, field_validator
from service_kit.auth import InternalCaller
from service_kit.openapi import problem_responses

from dropbox_service.context import DropboxDep
from dropbox_service.paths import check_dropbox_path

router = APIRouter(
    prefix="/internal",
    tags=["internal"],
    dependencies=[InternalCaller],
    responses=problem_responses(401, 422, 503),
)


class TemporaryLinkCreate(BaseModel):
    """Which owner's file to link to."""

    owner_id: str = Field(min_length=1, max_length=200)
    path: str

    @field_validator("path")
    @classmethod
    def _inside_the_owners_dropbox(cls, path: str) -> str:
        return check_dropbox_path(path)


class TemporaryLinkPublic(BaseModel):
    """A direct download URL, valid until `expires_at`."""

    url: str
    expires_at: AwareDatetime


@router.post(
    "/temporary-links", response_model=TemporaryLinkPublic, responses=problem_responses(404, 409)
)
async def create_temporary_link(body: TemporaryLinkCreate, context: DropboxDep) -> object:
    """A temporary link to the file, from cache while it has long enough to live (404
    file_not_found, 409 dropbox_not_connected, 503 dropbox_rate_limited or
    dropbox_unavailable: what the gateway acts on, DESIGN §7)."""
    link = await context.links.get(body.owner_id, body.path)
    return TemporaryLinkPublic(url=link.url, expires_at=link.expires_at)
