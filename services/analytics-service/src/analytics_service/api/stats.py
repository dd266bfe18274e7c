"""Stats of the caller's share links (DESIGN §10) and their activity logs (§16)."""

from typing import Annotated, Literal

from contracts.ids import LINK_ID_PATTERN
from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse
from service_kit.auth import CurrentOwner
from service_kit.openapi import problem_responses
from service_kit.pagination import PageDep
from service_kit.problems import Problem

from analytics_service.context import AnalyticsDep
from analytics_service.models import ActivityPublic, LinksStatsPublic, LinkStatsPublic

router = APIRouter(
    prefix="/v1/stats/links", tags=["stats"], responses=problem_responses(401, 422, 503)
)
LinkId = Annotated[str, Path(pattern=LINK_ID_PATTERN)]


@router.get("", response_model=LinksStatsPublic)
async def list_link_stats(
    owner: CurrentOwner, context: AnalyticsDep, page: PageDep
) -> LinksStatsPublic:
    """The stats of the caller's links, newest link first, a page at a time."""
    items, cursor = await context.analytics.owned_stats(owner.user_id, page)
    return LinksStatsPublic(items=[LinkStatsPublic(**item) for item in items], next_cursor=cursor)


@router.get("/{link_id}", response_model=LinkStatsPublic, responses=problem_responses(404))
async def get_link_stats(
    link_id: LinkId, owner: CurrentOwner, context: AnalyticsDep
) -> LinkStatsPublic:
    """The stats of one of the caller's links; another owner's or an unknown link is 404."""
    stats = await context.analytics.link_stats(owner.user_id, link_id)
    if stats is None:
        raise Problem.not_found("link")
    return LinkStatsPublic(**stats)


@router.get(
    "/{link_id}/activity",
    response_model=ActivityPublic,
    responses=problem_responses(404)
    | {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def get_link_activity(
    link_id: LinkId,
    owner: CurrentOwner,
    context: AnalyticsDep,
    page: PageDep,
    answer_as: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> ActivityPublic | StreamingResponse:
    """The link's views, plays, listens, completions and downloads, newest first, kept 90
    days; `?format=csv` streams all of them as CSV (limit and cursor then unused)."""
    found = await context.analytics.activity(owner.user_id, link_id, page)
    if found is None:
        raise Problem.not_found("link")
    if answer_as == "csv":
        disposition = f'attachment; filename="activity-{link_id}.csv"'
        return StreamingResponse(
            context.analytics.activity_csv(link_id),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": disposition},
        )
    items, cursor = found
    return ActivityPublic(items=items, next_cursor=cursor)
