"""Service-to-service routes: the link behind a public token, for the gateway."""

from contracts.ids import is_token
from contracts.links import InternalLink
from fastapi import APIRouter, HTTPException, status
from service_kit.auth import InternalCaller

from link_service.context import LinkDep

router = APIRouter(prefix="/internal/links", tags=["internal"], dependencies=[InternalCaller])


@router.get("/by-token/{token}", response_model=InternalLink)
async def link_by_token(token: str, context: LinkDep) -> InternalLink:
    """The link, its tracks at their latest versions, and whether its owner's Dropbox can
    serve them (the gateway computes the status: contracts.links)."""
    link = await context.links.by_token(token) if is_token(token) else None
    if link is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="link not found")
    return await context.links.internal(link)
