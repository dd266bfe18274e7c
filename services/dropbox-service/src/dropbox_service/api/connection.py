"""Connecting a producer's Dropbox: OAuth 2 with PKCE, status, disconnect (DESIGN §7)."""

import logging
from datetime import UTC, datetime
from typing import Any

from dropbox import Dropbox
from dropbox.exceptions import ApiError
from dropbox.oauth import OAuth2FlowResult
from fastapi import APIRouter, HTTPException, status
from fastapi.responses import RedirectResponse
from service_kit.auth import CurrentOwner

from dropbox_service import oauth
from dropbox_service.context import DropboxContext, DropboxDep
from dropbox_service.dropbox_api import DropboxUnavailable, NotConnected, RateLimited
from dropbox_service.store import Connection

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/dropbox", tags=["dropbox"])


@router.get("/connect")
async def connect(owner: CurrentOwner, context: DropboxDep) -> dict[str, str]:
    """Where to send the producer to authorize the app; the state is single-use and theirs."""
    authorization = oauth.start(context.settings, context.calls.session)
    await context.store.remember_oauth_state(
        authorization.state, owner.user_id, authorization.code_verifier
    )
    return {"authorize_url": authorization.url}


@router.get("/callback", response_class=RedirectResponse, status_code=status.HTTP_302_FOUND)
async def callback(
    context: DropboxDep, code: str | None = None, state: str | None = None, error: str | None = None
) -> RedirectResponse:
    """Finish the flow Dropbox sends the producer back from, then return to the console."""
    binding = await context.store.take_oauth_state(state) if state else None
    if binding is None:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            detail="unknown, used or expired state: start again at /v1/dropbox/connect",
        )
    if error or not code:
        return RedirectResponse(
            f"{context.settings.console_url}?dropbox=denied", status.HTTP_302_FOUND
        )
    owner_id = binding["owner_id"]
    try:
        result = await context.calls.run(
            oauth.finish,
            context.settings,
            context.calls.session,
            state,
            binding["code_verifier"],
            code,
        )
        account = await context.calls.run(_account, context, result)
    except Exception as failure:  # the SDK raises requests' and its own errors here
        log.warning("Dropbox refused the authorization code: %r", failure)
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, detail="Dropbox refused the authorization code"
        ) from failure
    connection = Connection(
        refresh_token=result.refresh_token,
        account_id=account.account_id,
        email=account.email,
        name=account.name.display_name,
        connected_at=datetime.now(UTC).isoformat(),
    )
    await context.connections.connect(owner_id, connection)
    context.calls.forget(owner_id)
    return RedirectResponse(
        f"{context.settings.console_url}?dropbox=connected", status.HTTP_302_FOUND
    )


@router.get("/status")
async def connection_status(owner: CurrentOwner, context: DropboxDep) -> dict[str, Any]:
    """Whether the caller's Dropbox is connected, and as whom: asked of Dropbox, so that an
    app removed on Dropbox's side shows as disconnected (if Dropbox cannot answer now, the
    stored connection is shown)."""
    connection = await context.store.connection(owner.user_id)
    if connection is None:
        return {"connected": False, "account": None}
    try:
        await context.calls.call(
            owner.user_id,
            lambda client: client.users_get_current_account(),
            rate_limit_budget_s=context.settings.interactive_rate_limit_budget_s,
        )
    except NotConnected:
        return {"connected": False, "account": None}
    except (DropboxUnavailable, RateLimited, ApiError) as failure:
        log.warning("could not confirm the Dropbox connection: %r", failure)
    return {"connected": True, "account": {"email": connection.email, "name": connection.name}}


@router.delete("/connection")
async def disconnect(owner: CurrentOwner, context: DropboxDep) -> dict[str, bool]:
    """Revoke the caller's token at Dropbox and forget it; idempotent."""
    try:
        await context.calls.call(owner.user_id, lambda client: client.auth_token_revoke())
    except (NotConnected, DropboxUnavailable, RateLimited, ApiError) as failure:
        log.warning("token revocation at Dropbox failed; forgetting it anyway: %r", failure)
    await context.connections.disconnect(owner.user_id)
    context.calls.forget(owner.user_id)
    return {"connected": False}


def _account(context: DropboxContext, result: OAuth2FlowResult) -> Any:
    """The account the new tokens belong to (blocking)."""
    client = Dropbox(
        oauth2_access_token=result.access_token,
        oauth2_refresh_token=result.refresh_token,
        oauth2_access_token_expiration=result.expires_at,
        app_key=context.settings.dropbox_app_key,
        session=context.calls.session,
        max_retries_on_error=0,
        max_retries_on_rate_limit=0,
    )
    return client.users_get_current_account()
