"""Service-to-service routes: the link behind a public token, for the gateway."""

from fastapi import APIRouter, HTTPException, status
from service_kit.auth import InternalCaller

from link_service.context import LinkDep
from link_service.domain import looks_like_token
from link_service.models import InternalLink

router = APIRouter(prefix="/internal/links", tags=["internal"], dependencies=[InternalCaller])


@router.get("/by-token/{token}", response_model=InternalLink)
async def link_by_token(token: str, context: LinkDep) -> InternalLink:
    """The link, its status computed now and its tracks at their latest versions."""
    link = await context.links.by_token(token) if looks_like_token(token) else None
    if link is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="link not found")
    return InternalLink(**await context.links.view(link, internal=True))
