"""The console's share link management view: every link with its counts, a link's detail
with its chart, recipients, listening and activity (its CSV too), Revoke Link and a
recipient's revoke behind a confirmation, and adding recipients."""

import asyncio
from typing import Annotated, Literal

from contracts.ids import LINK_ID_PATTERN, RECIPIENT_ID_PATTERN
from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response, StreamingResponse
from service_kit.service_client import NotFound, Refused

from gateway.clients import ConsoleApi
from gateway.console.render import render, see_other
from gateway.console.session import ChangingSession, ConsoleSession, Session
from gateway.console.views import RecipientsProblem, daily_chart, recipients_of
from gateway.context import GatewayContext, GatewayDep
from gateway.models import Activity, Link, Stats

router = APIRouter(prefix="/console/links", include_in_schema=False)
LinkId = Annotated[str, Path(pattern=LINK_ID_PATTERN)]
RecipientId = Annotated[str, Path(pattern=RECIPIENT_ID_PATTERN)]
PAGE = 20
# The latest events a link's page shows; the CSV has them all.
ACTIVITY_SHOWN = 20


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
    return await _link_page(request, link_id, session, context)


async def _link_page(
    request: Request,
    link_id: str,
    session: Session,
    context: GatewayContext,
    error: str | None = None,
) -> Response:
    api = context.console
    link, stats, activity = await asyncio.gather(
        _link(api, session, link_id),
        _stats(api, session, link_id),
        _activity(api, session, link_id),
    )
    chart = daily_chart(stats.daily, context.clock().date())
    values = {"link": link, "stats": stats, "chart": chart, "activity": activity, "error": error}
    return await render(request, api, session, "link.html", values, 422 if error else 200)


@router.post("/{link_id}/recipients")
async def add_recipients(
    request: Request,
    link_id: LinkId,
    session: ChangingSession,
    context: GatewayDep,
    recipients: Annotated[str, Form(max_length=20_000)] = "",
    send_emails: Annotated[bool, Form()] = False,
) -> Response:
    """Send the link to more people, each with a URL of their own (mailed when asked)."""
    try:
        body = {"recipients": recipients_of(recipients), "send_emails": send_emails}
        if not body["recipients"]:
            raise RecipientsProblem("Enter at least one recipient: a name and an e-mail address.")
        path = f"/v1/links/{link_id}/recipients"
        await context.console.call(session.token, "POST", "links", path, json=body)
    except (RecipientsProblem, Refused) as refused:
        detail = refused.detail if isinstance(refused, Refused) else str(refused)
        return await _link_page(request, link_id, session, context, error=detail)
    return see_other(f"/console/links/{link_id}?notice=recipients_added")


@router.get("/{link_id}/recipients/{recipient_id}/revoke")
async def confirm_revoke_recipient(
    request: Request,
    link_id: LinkId,
    recipient_id: RecipientId,
    session: ConsoleSession,
    context: GatewayDep,
) -> Response:
    """Are you sure? Their URL stops working at once; the link's others go on."""
    api = context.console
    link = await _link(api, session, link_id)
    recipient = next((r for r in link.recipients if r.recipient_id == recipient_id), None)
    if recipient is None:
        raise NotFound("link-service", "recipient_not_found")
    values = {
        "question": f"Revoke {recipient.name}'s link?",
        "detail": f"The URL sent to {recipient.email} stops working at once. Everyone else's "
        "link keeps working. This cannot be undone.",
        "action": request.url.path,
        "button": "Revoke their link",
        "cancel": f"/console/links/{link_id}",
    }
    return await render(request, api, session, "confirm.html", values)


@router.post("/{link_id}/recipients/{recipient_id}/revoke")
async def revoke_recipient(
    link_id: LinkId, recipient_id: RecipientId, session: ChangingSession, context: GatewayDep
) -> Response:
    """A recipient's link revoked, confirmed."""
    path = f"/v1/links/{link_id}/recipients/{recipient_id}/revoke"
    await context.console.call(session.token, "POST", "links", path)
    return see_other(f"/console/links/{link_id}?notice=recipient_revoked")


@router.get("/{link_id}/activity.csv")
async def activity_csv(link_id: LinkId, session: ConsoleSession, context: GatewayDep) -> Response:
    """The link's whole activity log as CSV, passed on as analytics-service streams it."""
    await _link(context.console, session, link_id)  # another producer's link is 404
    path = f"/v1/stats/links/{link_id}/activity"
    # Asked first, so that a link analytics-service has not heard of is the console's 404
    # page rather than a download cut short (the page offers the CSV only with activity).
    await context.console.call(session.token, "GET", "analytics", path, params={"limit": 1})
    body = context.console.download(session.token, "analytics", path, {"format": "csv"})
    disposition = f'attachment; filename="activity-{link_id}.csv"'
    return StreamingResponse(
        body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition}
    )


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


async def _activity(
    api: ConsoleApi, session: Session, link_id: str, limit: int = ACTIVITY_SHOWN
) -> list[Activity]:
    """The link's latest activity; none until analytics has heard of the link."""
    path = f"/v1/stats/links/{link_id}/activity"
    try:
        page = await api.call(session.token, "GET", "analytics", path, params={"limit": limit})
    except NotFound:
        return []
    return [Activity.model_validate(item) for item in page["items"]]


async def _stats(api: ConsoleApi, session: Session, link_id: str) -> Stats:
    """The link's counts; zero until analytics has heard of the link."""
    try:
        return Stats.model_validate(
            await api.call(session.token, "GET", "analytics", f"/v1/stats/links/{link_id}")
        )
    except NotFound:
        return Stats()
