"""Share links: create, list, read, revoke (DESIGN §5)."""

from typing import Annotated, Literal

from contracts.auth import Principal
from contracts.ids import LINK_ID_PATTERN, RECIPIENT_ID_PATTERN
from fastapi import APIRouter, Path, Query, status
from service_kit.auth import CurrentOwner
from service_kit.openapi import problem_responses
from service_kit.pagination import PageDep
from service_kit.problems import Problem

from link_service.context import LinkDep
from link_service.links.models import LinkCreate, LinkPublic, LinksPublic, RecipientsAdd

router = APIRouter(prefix="/v1/links", tags=["links"], responses=problem_responses(401, 422, 503))
NOT_FOUND = problem_responses(404)
LinkId = Annotated[str, Path(pattern=LINK_ID_PATTERN)]
RecipientId = Annotated[str, Path(pattern=RECIPIENT_ID_PATTERN)]


def _sender(owner: Principal) -> str | None:
    """Who the recipients' mails say sent the link."""
    return owner.name or owner.email


@router.post(
    "",
    response_model=LinkPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, 429),
)
async def create_link(request: LinkCreate, owner: CurrentOwner, context: LinkDep) -> LinkPublic:
    """Share tracks under a new unguessable URL, and one per recipient (409
    dropbox_not_connected, 422 invalid_selection, 429 link_budget_spent past
    LINKS_PER_HOUR)."""
    return await context.links.create(
        owner.user_id, request, _sender(owner), owner_email=owner.email
    )


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


@router.get("/{link_id}", response_model=LinkPublic, responses=NOT_FOUND)
async def get_link(link_id: LinkId, owner: CurrentOwner, context: LinkDep) -> LinkPublic:
    """One of the caller's links."""
    link = await context.links.owned(owner.user_id, link_id)
    if link is None:
        raise Problem.not_found("link")
    (shown,) = await context.links.public([link])
    return shown


@router.post("/{link_id}/revoke", response_model=LinkPublic, responses=NOT_FOUND)
async def revoke_link(link_id: LinkId, owner: CurrentOwner, context: LinkDep) -> LinkPublic:
    """Stop the link at once; revoking again changes nothing."""
    link = await context.links.owned(owner.user_id, link_id)
    if link is None:
        raise Problem.not_found("link")
    (shown,) = await context.links.public([await context.links.revoke(link)])
    return shown


@router.post(
    "/{link_id}/recipients",
    response_model=LinkPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(404, 409),
)
async def add_recipients(
    link_id: LinkId, request: RecipientsAdd, owner: CurrentOwner, context: LinkDep
) -> LinkPublic:
    """Send the link to more people, each with a URL of their own (409 link_revoked, 422
    invalid_recipients when an e-mail is already on the link or past 100 recipients)."""
    link = await context.links.owned(owner.user_id, link_id)
    if link is None:
        raise Problem.not_found("link")
    (shown,) = await context.links.public(
        [await context.links.add_recipients(link, request, _sender(owner))]
    )
    return shown


@router.post(
    "/{link_id}/recipients/{recipient_id}/revoke", response_model=LinkPublic, responses=NOT_FOUND
)
async def revoke_recipient(
    link_id: LinkId, recipient_id: RecipientId, owner: CurrentOwner, context: LinkDep
) -> LinkPublic:
    """Stop one recipient's URL at once, the link's others untouched; again changes nothing."""
    link = await context.links.owned(owner.user_id, link_id)
    revoked = await context.links.revoke_recipient(link, recipient_id) if link else None
    if revoked is None:
        raise Problem.not_found("recipient", "The link has no recipient with this id.")
    (shown,) = await context.links.public([revoked])
    return shown
