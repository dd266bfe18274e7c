"""Rendering a console page: its template with the session, the bell's count and a notice."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from service_kit.service_client import ServiceUnavailable

from gateway.clients import ConsoleApi
from gateway.console.session import Session
from gateway.html import templates

# The bell counts this many unread notifications at most ("99+").
BELL_MOST = 99


async def render(
    request: Request,
    api: ConsoleApi,
    session: Session,
    template: str,
    values: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    """The console page `template` with `values`, as the signed-in producer sees it."""
    unread = await _unread(api, session)
    common = {"session": session, "unread": unread, "notice": request.query_params.get("notice")}
    return templates.TemplateResponse(
        request, f"console/{template}", common | values, status_code=status_code
    )


async def _unread(api: ConsoleApi, session: Session) -> str:
    """The bell's count; a page still shows, without it, while notify-service is away."""
    try:
        page = await api.call(
            session.token,
            "GET",
            "notify",
            "/v1/notifications",
            params={"unread": "true", "limit": BELL_MOST},
        )
    except ServiceUnavailable:
        return "?"
    return f"{BELL_MOST}+" if page["next_cursor"] else str(len(page["items"]))


def see_other(url: str) -> RedirectResponse:
    """After a change, the page to look at (303, so a reload does not repeat the POST)."""
    return RedirectResponse(url, status_code=303)
