"""Connecting a producer's Dropbox: OAuth 2 with PKCE, status, disconnect (DESIGN §7)."""

from fastapi import APIRouter
from service_kit.auth import CurrentOwner
from service_kit.openapi import problem_responses

from dropbox_service.context import DropboxContext, DropboxDep
from dropbox_service.domain import Connection
from dropbox_service.models import Account, Authorization, DropboxStatus

router = APIRouter(
    prefix="/v1/dropbox", tags=["dropbox"], responses=problem_responses(401, 422, 503)
)


@router.get("/connect")
async def start_connection(owner: CurrentOwner, context: DropboxDep) -> dict[str, str]:
    """Where to send the producer to authorize the app; the state is single-use and theirs."""
    return {"authorize_url": await context.connections.start(owner.user_id)}


@router.post("/callback", responses=problem_responses(400))
async def finish_connection(
    body: Authorization, owner: CurrentOwner, context: DropboxDep
) -> DropboxStatus:
    """Finish a flow the caller started: the console calls this from its callback page (400
    invalid_state or code_refused, storing nothing)."""
    connection = await context.connections.finish(owner.user_id, body.state, body.code)
    return await _status(context, owner.user_id, connection)


@router.get("/status")
async def get_connection_status(owner: CurrentOwner, context: DropboxDep) -> DropboxStatus:
    """Whether the caller's Dropbox is connected, and as whom."""
    connection = await context.connections.status(owner.user_id)
    return await _status(context, owner.user_id, connection)


@router.delete("/connection")
async def disconnect(owner: CurrentOwner, context: DropboxDep) -> dict[str, bool]:
    """Revoke the caller's token at Dropbox and forget it; idempotent."""
    await context.connections.revoke(owner.user_id)
    return {"connected": False}


async def _status(
    context: DropboxContext, owner_id: str, connection: Connection | None
) -> DropboxStatus:
    if connection is None:
        return DropboxStatus(connected=False, account=None)
    elsewhere = await context.connections.connected_elsewhere(owner_id, connection)
    account = Account(email=connection.email, name=connection.name, connected_elsewhere=elsewhere)
    return DropboxStatus(connected=True, account=account)
