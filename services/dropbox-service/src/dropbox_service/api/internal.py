"""Service-to-service routes: temporary links for the gateway (DESIGN §7)."""

from fastapi import APIRouter, HTTPException, status
from pydantic import AwareDatetime, BaseModel, Field, field_validator
from service_kit.auth import InternalCaller

from dropbox_service.context import DropboxDep
from dropbox_service.dropbox_api import DropboxUnavailable, NotConnected, RateLimited
from dropbox_service.paths import check_dropbox_path
from dropbox_service.temporary_links import FileNotFound

router = APIRouter(prefix="/internal", tags=["internal"], dependencies=[InternalCaller])


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


@router.post("/temporary-links", response_model=TemporaryLinkPublic)
async def create_temporary_link(body: TemporaryLinkCreate, context: DropboxDep) -> object:
    """A temporary link to the file, from cache while it has long enough to live."""
    try:
        link = await context.links.get(body.owner_id, body.path)
    except (NotConnected, FileNotFound, RateLimited, DropboxUnavailable) as error:
        raise _refusal(error) from error
    return TemporaryLinkPublic(url=link.url, expires_at=link.expires_at)


def _refusal(
    error: NotConnected | FileNotFound | RateLimited | DropboxUnavailable,
) -> HTTPException:
    """The answer the gateway acts on for each reason there is no link (DESIGN §7)."""
    if isinstance(error, NotConnected):
        return HTTPException(status.HTTP_409_CONFLICT, detail="dropbox_not_connected")
    if isinstance(error, FileNotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, detail="file_not_found")
    if isinstance(error, RateLimited):
        retry_after = {"Retry-After": str(int(error.retry_after) or 1)}
        return HTTPException(503, detail="dropbox_rate_limited", headers=retry_after)
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="dropbox_unavailable")
