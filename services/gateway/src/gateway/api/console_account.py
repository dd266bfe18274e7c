"""The console's sign-in, settings (the Dropbox connection) and notifications (DESIGN §13)."""

from typing import Annotated

from contracts.auth import issue_producer_token
from contracts.clock import unix_s
from contracts.ids import NOTIFICATION_ID_PATTERN
from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from service_kit.problems import Problem
from service_kit.service_client import Refused

from gateway.console.render import render, see_other
from gateway.console.session import (
    ChangingSession,
    ConsoleSession,
    check_origin,
    forget,
    open_session,
    remember,
)
from gateway.context import GatewayContext, GatewayDep
from gateway.html import templates
from gateway.models import DropboxStatus, Notification

router = APIRouter(prefix="/console", include_in_schema=False)
DEV_SESSION_S = 12 * 3600
NotificationId = Annotated[str, Path(pattern=NOTIFICATION_ID_PATTERN)]


@router.get("/sign-in")
async def sign_in_page(request: Request, context: GatewayDep) -> Response:
    """Development only: sign in as one of the demo producers."""
    producers = _demo_producers(context)
    return templates.TemplateResponse(request, "console/sign_in.html", {"producers": producers})


@router.post("/sign-in")
async def sign_in(
    request: Request, context: GatewayDep, user_id: Annotated[str, Form()]
) -> Response:
    """Development only: a session for a demo producer, with a token the console mints."""
    check_origin(request)
    names = dict(_demo_producers(context))
    if user_id not in names:
        raise Problem(404, "not_found", "Not found", "No demo producer has this id.")
    settings = context.settings
    expires_at = unix_s(context.clock()) + min(DEV_SESSION_S, settings.auth_jwt_max_ttl_s)
    jwt = issue_producer_token(
        user_id,
        settings.auth_jwt_secret.get_secret_value(),
        expires_at=expires_at,
        name=names[user_id],
        issuer=settings.auth_jwt_issuer,
        audience=settings.auth_jwt_audience,
    )
    return _signed_in(context, jwt, expires_at)


@router.post("/session")
async def hand_over(
    request: Request, context: GatewayDep, token: Annotated[str, Form()]
) -> Response:
    """A producer JWT handed over by Producer Dashboard (a form POST, never a URL)."""
    check_origin(request, context.settings.console_dashboard_origin)
    session = open_session(context.settings, token)
    return _signed_in(context, session.token, session.producer.expires_at)


@router.post("/sign-out")
async def sign_out(session: ChangingSession, context: GatewayDep) -> Response:
    """End the session."""
    answer = see_other("/console/sign-in" if context.settings.development else "/console")
    forget(answer)
    return answer


@router.get("/settings")
async def settings_page(request: Request, session: ConsoleSession, context: GatewayDep) -> Response:
    """Settings: the Dropbox connection, with Connect or Disconnect."""
    answer = await context.console.call(session.token, "GET", "dropbox", "/v1/dropbox/status")
    dropbox = DropboxStatus.model_validate(answer)
    return await render(request, context.console, session, "settings.html", {"dropbox": dropbox})


@router.get("/dropbox/connect")
async def connect_dropbox(session: ConsoleSession, context: GatewayDep) -> Response:
    """Off to Dropbox to authorize the app; it comes back to the callback below."""
    answer = await context.console.call(session.token, "GET", "dropbox", "/v1/dropbox/connect")
    return see_other(answer["authorize_url"])


@router.get("/dropbox/callback")
async def dropbox_callback(
    session: ConsoleSession, context: GatewayDep, code: str = "", state: str = "", error: str = ""
) -> Response:
    """Finish the flow as the signed-in producer: dropbox-service refuses a state another
    producer started, so a link from someone else cannot connect this Dropbox to them."""
    if error or not code:
        return see_other("/console/settings?notice=dropbox_denied")
    try:
        body = {"code": code, "state": state}
        await context.console.call(
            session.token, "POST", "dropbox", "/v1/dropbox/callback", json=body
        )
    except Refused as refused:
        notice = "code_refused" if refused.code == "code_refused" else "invalid_state"
        return see_other(f"/console/settings?notice=dropbox_{notice}")
    return see_other("/console/settings?notice=dropbox_connected")


@router.post("/dropbox/disconnect")
async def disconnect_dropbox(session: ChangingSession, context: GatewayDep) -> Response:
    """Revoke the app's access to the producer's Dropbox."""
    await context.console.call(session.token, "DELETE", "dropbox", "/v1/dropbox/connection")
    return see_other("/console/settings?notice=dropbox_disconnected")


@router.get("/notifications")
async def notifications_page(
    request: Request, session: ConsoleSession, context: GatewayDep, cursor: str | None = None
) -> Response:
    """The producer's notifications, newest first."""
    params = {"limit": 20} | ({"cursor": cursor} if cursor else {})
    page = await context.console.call(
        session.token, "GET", "notify", "/v1/notifications", params=params
    )
    items = [Notification.model_validate(item) for item in page["items"]]
    values = {"notifications": items, "next_cursor": page["next_cursor"]}
    return await render(request, context.console, session, "notifications.html", values)


@router.get("/notifications/{notification_id}")
async def open_notification(
    request: Request, notification_id: NotificationId, session: ConsoleSession, context: GatewayDep
) -> Response:
    """One notification; opening it marks it read (harmless to repeat, so a GET)."""
    path = f"/v1/notifications/{notification_id}/read"  # answers the notification
    read = await context.console.call(session.token, "POST", "notify", path)
    values = {"notification": Notification.model_validate(read)}
    return await render(request, context.console, session, "notification.html", values)


def _demo_producers(context: GatewayContext) -> list[tuple[str, str]]:
    if not context.settings.development:
        raise Problem(404, "not_found", "Not found", "Development sign-in is off here.")
    return context.settings.console_demo_producers


def _signed_in(context: GatewayContext, jwt: str, expires_at: int) -> Response:
    answer = see_other("/console")
    remember(answer, context.settings, jwt, expires_at, context.clock())
    return answer
