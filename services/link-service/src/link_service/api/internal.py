"""Service-to-service routes: the link behind a public token, for the gateway."""

from contracts.ids import is_token
from contracts.links import InternalLink
from fastapi import APIRouter
from service_kit.auth import InternalCaller
from service_kit.openapi import problem_responses
from service_kit.problems import Problem

from link_service.context import LinkDep

router = APIRouter(
    prefix="/internal/links",
    tags=["internal"],
    dependencies=[InternalCaller],
    responses=problem_responses(401, 404, 422, 503),
)


@router.get("/by-token/{token}", response_model=InternalLink)
async def get_link_by_token(token: str, context: LinkDep) -> InternalLink:
    """The link, its tracks at their latest versions, and whether its owner's Dropbox can
    serve them (the gateway computes the status: contracts.links)."""
    link = await context.links.by_token(token) if is_token(token) else None
    if link is None:
        raise Problem.not_found("link", "No link has this token.")
    return await context.links.internal(link)
