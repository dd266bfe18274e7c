"""The console's share link management view: every link with its counts, a link's detail
with its chart, and Revoke Link behind a confirmation."""

import asyncio
from typing import Annotated, Literal

from contracts.ids import LINK_ID_PATTERN
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from service_kit.service_client import NotFound

from gateway.clients import ConsoleApi
from gateway.console.render import render, see_other
from gateway.console.session import ChangingSession, ConsoleSession, Session
from gateway.console.views import daily_chart
from gateway.context import GatewayDep
from gateway.models import Link, Stats

router = APIRouter(prefix="/console/links", include_in_schema=False)
LinkId = Annotated[str, Path(pattern=LINK_ID_PATTERN)]
PAGE = 20


@router.get("")
async def links_page(
    request: Request,
    session: ConsoleSession,
    context: GatewayDep,
    cursor: str | None = None,
    status: Literal["active", "expired", "revoked"] | None = None,
) -> Response:
    """Every link of the producer, newest first, with views, visitors and downloads."""
    params = (
        {"limit": PAGE}
        | ({"cursor": cursor} if cursor else {})
        | ({"status": status} if status else {})
    )
    api = context.console
    page = await api.call(session.token, "GET", "links", "/v1/links", params=params)
    links = [Link.model_validate(item) for item in page["items"]]
    stats = await asyncio.gather(*(_stats(api, session, link.id) for link in links))
    values = {
        "rows": list(zip(links, stats, strict=True)),
        "next_cursor": page["next_cursor"],
        "status": status,
    }
    return await render(request, api, session, "links.html", values)


@router.get("/{link_id}")
async def link_page(
    request: Request, link_id: LinkId, session: ConsoleSession, context: GatewayDep
) -> Response:
    """One link: its URL to copy, tracks, counts by song and format, views and downloads
    per day."""
    api = context.console
    link = await _link(api, session, link_id)
    stats = await _stats(api, session, link_id)
    chart = daily_chart(stats.daily, context.clock().date())
    values = {"link": link, "stats": stats, "chart": chart}
    return await render(request, api, session, "link.html", values)


@router.get("/{link_id}/revoke")
async def confirm_revoke(
    request: Request, link_id: LinkId, session: ConsoleSession, context: GatewayDep
) -> Response:
    """Are you sure? A revoked link stops working at once, for good."""
    api = context.console
    link = await _link(api, session, link_id)
    values = {
        "question": f"Revoke “{link.title or link.tracks[0].title}”?",
        "detail": "The link stops working at once: anyone opening it sees that the share was "
        "disabled. This cannot be undone.",
        "action": request.url.path,
        "button": "Revoke Link",
        "cancel": "/console/links",
    }
    return await render(request, api, session, "confirm.html", values)


@router.post("/{link_id}/revoke")
async def revoke(link_id: LinkId, session: ChangingSession, context: GatewayDep) -> Response:
    """Revoke Link, confirmed."""
    await context.console.call(session.token, "POST", "links", f"/v1/links/{link_id}/revoke")
    return see_other(f"/console/links/{link_id}?notice=link_revoked")


async def _link(api: ConsoleApi, session: Session, link_id: str) -> Link:
    return Link.model_validate(
        await api.call(session.token, "GET", "links", f"/v1/links/{link_id}")
    )


async def _stats(api: ConsoleApi, session: Session, link_id: str) -> Stats:
    """The link's counts; zero until analytics has heard of the link."""
    try:
        return Stats.model_validate(
            await api.call(session.token, "GET", "analytics", f"/v1/stats/links/{link_id}")
        )
    except NotFound:
        return Stats()
