"""Connecting a producer's Dropbox: OAuth 2 with PKCE, status, disconnect (DESIGN §7)."""

from typing import Any

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import RedirectResponse
from service_kit.auth import CurrentOwner

from dropbox_service.connections import CodeRefused, InvalidState
from dropbox_service.context import DropboxDep

router = APIRouter(prefix="/v1/dropbox", tags=["dropbox"])


@router.get("/connect")
async def connect(owner: CurrentOwner, context: DropboxDep) -> dict[str, str]:
    """Where to send the producer to authorize the app; the state is single-use and theirs."""
    return {"authorize_url": await context.connections.start(owner.user_id)}


@router.get("/callback", response_class=RedirectResponse, status_code=status.HTTP_302_FOUND)
async def callback(
    context: DropboxDep, code: str | None = None, state: str | None = None, error: str | None = None
) -> RedirectResponse:
    """Finish the flow Dropbox sends the producer back from, then return to the console."""
    try:
        connected = await context.connections.finish(state or "", None if error else code)
    except InvalidState as refused:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            detail="unknown, used or expired state: start again at /v1/dropbox/connect",
        ) from refused
    except CodeRefused as refused:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, detail="Dropbox refused the authorization code"
        ) from refused
    outcome = "connected" if connected else "denied"
    return RedirectResponse(
        f"{context.settings.console_url}?dropbox={outcome}", status.HTTP_302_FOUND
    )


@router.get("/status")
async def connection_status(owner: CurrentOwner, context: DropboxDep) -> dict[str, Any]:
    """Whether the caller's Dropbox is connected, and as whom."""
    connection = await context.connections.status(owner.user_id)
    if connection is None:
        return {"connected": False, "account": None}
    return {"connected": True, "account": {"email": connection.email, "name": connection.name}}


@router.delete("/connection")
async def disconnect(owner: CurrentOwner, context: DropboxDep) -> dict[str, bool]:
    """Revoke the caller's token at Dropbox and forget it; idempotent."""
    await context.connections.revoke(owner.user_id)
    return {"connected": False}
