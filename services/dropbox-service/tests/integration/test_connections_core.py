"""Connections in-process: the OAuth flow, status and disconnects with the unmodified SDK
against the emulator, the events read from the outbox, the routes over ASGI."""

import asyncio
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import httpx
import pytest
from contracts.topics import DROPBOX_CONNECTED, DROPBOX_DISCONNECTED
from dropbox_service.clients import NotConnected
from dropbox_service.services.connections import InvalidState
from service_kit.testing import bearer, internal_headers, problem_of

pytestmark = pytest.mark.integration


def _email() -> str:
    return f"p{uuid4().hex[:8]}@example.com"


async def _approved(core, dropbox_emulator, owner_id: str, email: str) -> tuple[str, str]:
    """A flow `owner_id` started and `email` approved: its state and code."""
    callback = dropbox_emulator.approve(await core.connections.start(owner_id), email)
    query = parse_qs(urlsplit(callback).query)
    return query["state"][0], query["code"][0]


async def test_a_connection_is_stored_encrypted_and_announced(core, outbox, connect_core, owner_id):
    email = _email()
    connection = await connect_core(owner_id, email)

    assert connection.email == email
    assert await core.connections.status(owner_id) == connection
    assert await core.connections.status(owner_id + "-other") is None
    [event] = await outbox.events(DROPBOX_CONNECTED, owner_id=owner_id)
    assert event["account_email"] == email
    stored = await core.runtime.redis.hget(
        core.connections.stores.connections.key(owner_id), "refresh_token"
    )
    assert stored.startswith("gAAAAA"), "the refresh token is stored Fernet-encrypted"
    assert connection.refresh_token not in stored


async def test_a_state_is_single_use(core, dropbox_emulator, owner_id):
    state, code = await _approved(core, dropbox_emulator, owner_id, _email())
    await core.connections.finish(owner_id, state, code)
    with pytest.raises(InvalidState):
        await core.connections.finish(owner_id, state, code)


async def test_a_state_another_producer_started_connects_nobody(core, dropbox_emulator, owner_id):
    # The hijack: an attacker starts a flow and sends its authorize URL to a victim, who
    # approves it with their Dropbox; finished as the victim it is refused, and spent.
    attacker = owner_id + "-attacker"
    state, code = await _approved(core, dropbox_emulator, attacker, _email())
    with pytest.raises(InvalidState):
        await core.connections.finish(owner_id, state, code)
    with pytest.raises(InvalidState):
        await core.connections.finish(attacker, state, code)
    assert await core.connections.status(owner_id) is None
    assert await core.connections.status(attacker) is None


async def test_the_authorize_url_names_the_scopes_it_needs(core, owner_id):
    query = dict(httpx.URL(await core.connections.start(owner_id)).params)
    assert set(query["scope"].split()) == {
        "account_info.read",
        "files.metadata.read",
        "files.content.read",
        "sharing.read",
        "sharing.write",
    }
    assert query["token_access_type"] == "offline"


async def test_status_warns_when_another_producer_connected_the_same_account(
    api, dropbox_emulator, owner_id
):
    client, context = api
    email = _email()
    for owner in (owner_id, owner_id + "-b"):
        await context.connections.finish(
            owner, *await _approved(context, dropbox_emulator, owner, email)
        )
    status = (await client.get("/v1/dropbox/status", headers=bearer(owner_id))).json()
    assert status["connected"] is True
    assert status["account"]["email"] == email
    assert status["account"]["connected_elsewhere"] is True
    gone = await client.delete("/v1/dropbox/connection", headers=bearer(owner_id))
    assert gone.json() == {"connected": False}
    other = (await client.get("/v1/dropbox/status", headers=bearer(owner_id + "-b"))).json()
    assert other["account"]["connected_elsewhere"] is False


async def test_the_routes_need_a_producer_token_and_refuse_a_forged_state(api, owner_id):
    client, _ = api
    assert (await client.get("/v1/dropbox/connect")).status_code == 401
    assert (await client.get("/v1/dropbox/status")).status_code == 401
    body = {"code": "x", "state": "forged"}
    answer = await client.post("/v1/dropbox/callback", json=body, headers=bearer(owner_id))
    assert problem_of(answer) == (400, "invalid_state")
    no_get = await client.get("/v1/dropbox/callback", params=body)
    assert problem_of(no_get) == (405, "method_not_allowed")


async def test_disconnect_revokes_at_dropbox_and_announces_it_once(
    core, outbox, connect_core, control, owner_id
):
    email = _email()
    await connect_core(owner_id, email)
    revocations = control.get("/_emulator/calls").json().get("auth/token/revoke", 0)

    await core.connections.revoke(owner_id)
    await core.connections.revoke(owner_id)  # twice is harmless

    assert await core.connections.status(owner_id) is None
    assert control.get("/_emulator/calls").json()["auth/token/revoke"] == revocations + 1
    [event] = await outbox.events(DROPBOX_DISCONNECTED, owner_id=owner_id)
    assert event["account_email"] == email


async def test_a_token_dropbox_refuses_disconnects_the_owner_once(
    core, outbox, connect_core, control, owner_id
):
    email = _email()
    await connect_core(owner_id, email)
    paths = [f"/Producer Dashboard/Mix {n}.wav" for n in range(8)]
    for path in paths:
        control.put("/_emulator/files", params={"account": email, "path": path}, content=b"mix")
    await core.links.get(owner_id, paths[0])
    # The producer removes the app in Dropbox (or the emulator restarts and forgets it).
    control.delete("/_emulator/tokens", params={"account": email}).raise_for_status()
    control.post("/_emulator/clock", json={"advance_s": 5})  # the access token is stale too
    try:
        refreshes = control.get("/_emulator/calls").json().get("oauth2/token", 0)
        first = await asyncio.gather(
            *(core.links.get(owner_id, p) for p in paths[1:4]), return_exceptions=True
        )
        attempted = control.get("/_emulator/calls").json()["oauth2/token"] - refreshes
        later = [await _refused(core, owner_id, p) for p in paths[4:]]
        after = control.get("/_emulator/calls").json()["oauth2/token"] - refreshes
    finally:
        control.post("/_emulator/clock", json={"advance_s": -5})

    assert all(isinstance(e, NotConnected) for e in [*first, *later])
    assert 1 <= attempted <= 3, "only requests already in flight tried the refused token"
    assert after == attempted, "once disconnected, no request tries to refresh again"
    assert await core.connections.status(owner_id) is None
    [event] = await outbox.events(DROPBOX_DISCONNECTED, owner_id=owner_id)
    assert event["account_email"] == email


async def _refused(core, owner_id: str, path: str) -> Exception:
    try:
        await core.links.get(owner_id, path)
    except NotConnected as error:
        return error
    raise AssertionError("a link for a refused token")


async def test_status_asks_dropbox_so_a_removed_app_shows_disconnected(
    core, outbox, connect_core, control, owner_id
):
    email = _email()
    await connect_core(owner_id, email)
    control.delete("/_emulator/tokens", params={"account": email}).raise_for_status()
    control.post("/_emulator/clock", json={"advance_s": 5})
    try:
        status = await core.connections.status(owner_id)
    finally:
        control.post("/_emulator/clock", json={"advance_s": -5})
    assert status is None
    assert len(await outbox.events(DROPBOX_DISCONNECTED, owner_id=owner_id)) == 1


async def test_status_shows_the_stored_connection_while_dropbox_is_down(
    core, connect_core, control, owner_id
):
    connection = await connect_core(owner_id, _email())
    outage = {"route": "users/get_current_account", "status": 503, "count": 20}
    control.post("/_emulator/faults", json=outage)
    assert await core.connections.status(owner_id) == connection


async def test_internal_routes_need_the_service_token(api, owner_id):
    client, _ = api
    body = {"owner_id": owner_id, "path": "/a.wav"}
    assert (await client.post("/internal/temporary-links", json=body)).status_code == 401
    answer = await client.post(
        "/internal/temporary-links", json=body, headers=internal_headers("gateway")
    )
    assert problem_of(answer) == (409, "dropbox_not_connected")


async def test_a_refusal_of_an_earlier_connection_never_undoes_a_reconnect(
    core, outbox, connect_core, owner_id
):
    earlier = await connect_core(owner_id, _email())
    current = await connect_core(owner_id, _email())

    await core.connections.disconnections.refused(owner_id, earlier)  # a call in flight

    assert await core.connections.stores.connections.get(owner_id) == current
    assert await outbox.events(DROPBOX_DISCONNECTED, owner_id=owner_id) == []
