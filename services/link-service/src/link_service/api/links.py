"""Share links: create, list, read, revoke (DESIGN §5)."""

from typing import Annotated, Literal

from contracts.ids import LINK_ID_PATTERN
from fastapi import APIRouter, HTTPException, Path, Query, status
from service_kit.auth import CurrentOwner
from service_kit.pagination import PageDep

from link_service.context import LinkDep
from link_service.links.domain import SelectionError
from link_service.links.models import LinkCreate, LinkPublic, LinksPublic
from link_service.links.service import NotConnected

router = APIRouter(prefix="/v1/links", tags=["links"])
LinkId = Annotated[str, Path(pattern=LINK_ID_PATTERN)]


@router.post("", response_model=LinkPublic, status_code=status.HTTP_201_CREATED)
async def create_link(request: LinkCreate, owner: CurrentOwner, context: LinkDep) -> LinkPublic:
    """Share tracks under a new unguessable URL."""
    try:
        return await context.links.create(owner.user_id, request)
    except NotConnected as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="dropbox_not_connected") from error
    except SelectionError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(error)) from error


@router.get("", response_model=LinksPublic)
async def list_links(
    owner: CurrentOwner,
    context: LinkDep,
    page: PageDep,
    link_status: Annotated[
        Literal["active", "expired", "revoked"] | None, Query(alias="status")
    ] = None,
) -> LinksPublic:
    """The caller's links, newest first, a page at a time."""
    links, next_cursor = await context.links.page(
        owner.user_id, link_status, page.limit, page.after
    )
    return LinksPublic(items=await context.links.public(links), next_cursor=next_cursor)


@router.get("/{link_id}", response_model=LinkPublic)
async def get_link(link_id: LinkId, owner: CurrentOwner, context: LinkDep) -> LinkPublic:
    """One of the caller's links."""
    link = await context.links.owned(owner.user_id, link_id)
    if link is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="link not found")
    (shown,) = await context.links.public([link])
    return shown


@router.post("/{link_id}/revoke", response_model=LinkPublic)
async def revoke_link(link_id: LinkId, owner: CurrentOwner, context: LinkDep) -> LinkPublic:
    """Stop the link at once; revoking again changes nothing."""
    link = await context.links.owned(owner.user_id, link_id)
    if link is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="link not found")
    (shown,) = await context.links.public([await context.links.revoke(link)])
    return shown
