"""The connect flow with the real SDK against the emulator over HTTPS, Kafka and Redis real."""

import asyncio
import json
from uuid import uuid4

import httpx
import pytest
from contracts.topics import DROPBOX_CONNECTED, DROPBOX_DISCONNECTED
from messaging.testing import read_topic
from redis.asyncio import Redis
from service_kit.testing import INTERNAL_HEADERS, bearer, problem_of

from .conftest import finish

pytestmark = pytest.mark.integration


def _email() -> str:
    return f"p{uuid4().hex[:8]}@example.com"


def _status(service, owner_id: str) -> dict:
    return httpx.get(f"{service.base_url}/v1/dropbox/status", headers=bearer(owner_id)).json()


async def test_connect_flow_stores_an_encrypted_token_and_announces_the_connection(
    dropbox_service, connect, kafka_bootstrap, redis_url, module_prefix, topic, owner_id
):
    email = _email()
    finished = connect(owner_id, email)
    assert finished.status_code == 200, finished.text
    assert finished.json()["account"]["email"] == email

    status = _status(dropbox_service, owner_id)
    assert status["connected"] is True
    assert status["account"]["email"] == email
    assert _status(dropbox_service, owner_id + "-other") == {"connected": False, "account": None}

    [event] = await read_topic(
        kafka_bootstrap,
        topic(DROPBOX_CONNECTED),
        expect=1,
        match=lambda record: record.key == owner_id.encode(),
    )
    payload = json.loads(event.value)
    assert (payload["owner_id"], payload["account_email"]) == (owner_id, email)

    redis = Redis.from_url(redis_url, decode_responses=True)
    [key] = await redis.keys(f"{module_prefix}dropbox:conn:*:{owner_id}")
    stored = await redis.hget(key, "refresh_token")
    await redis.aclose()
    assert stored.startswith("gAAAAA"), "the refresh token is stored Fernet-encrypted"


def test_callback_state_is_single_use(dropbox_service, dropbox_emulator, owner_id):
    start = httpx.get(f"{dropbox_service.base_url}/v1/dropbox/connect", headers=bearer(owner_id))
    callback = dropbox_emulator.approve(start.json()["authorize_url"], _email())
    assert finish(dropbox_service, owner_id, callback).status_code == 200
    replay = finish(dropbox_service, owner_id, callback)
    assert problem_of(replay) == (400, "invalid_state")


def test_callback_with_an_unknown_state_is_400(dropbox_service, owner_id):
    body = {"code": "x", "state": "forged"}
    url = f"{dropbox_service.base_url}/v1/dropbox/callback"
    answer = httpx.post(url, json=body, headers=bearer(owner_id))
    assert problem_of(answer) == (400, "invalid_state")
    assert problem_of(httpx.get(url, params=body)) == (405, "method_not_allowed"), "no GET"


def test_a_state_another_producer_started_connects_nobody(
    dropbox_service, dropbox_emulator, owner_id
):
    # The hijack: an attacker starts a flow and sends its authorize URL to a victim, who
    # approves it with their Dropbox; the victim's browser lands on the console with the
    # attacker's state. Finished as the victim, it is refused, and nobody is connected.
    attacker = owner_id + "-attacker"
    start = httpx.get(f"{dropbox_service.base_url}/v1/dropbox/connect", headers=bearer(attacker))
    callback = dropbox_emulator.approve(start.json()["authorize_url"], _email())
    refused = finish(dropbox_service, owner_id, callback)
    assert problem_of(refused) == (400, "invalid_state")
    assert _status(dropbox_service, owner_id)["connected"] is False
    assert _status(dropbox_service, attacker)["connected"] is False
    assert finish(dropbox_service, attacker, callback).status_code == 400, "the state is spent"


def test_the_authorize_url_names_the_scopes_it_needs(dropbox_service, owner_id):
    start = httpx.get(f"{dropbox_service.base_url}/v1/dropbox/connect", headers=bearer(owner_id))
    query = dict(httpx.URL(start.json()["authorize_url"]).params)
    assert set(query["scope"].split()) == {
        "account_info.read",
        "files.metadata.read",
        "files.content.read",
        "sharing.read",
        "sharing.write",
    }
    assert query["token_access_type"] == "offline"


def test_status_warns_when_another_producer_connected_the_same_account(
    dropbox_service, connect, owner_id
):
    email = _email()
    first = connect(owner_id, email).json()
    assert first["account"]["connected_elsewhere"] is False
    second = connect(owner_id + "-b", email).json()
    assert second["account"]["connected_elsewhere"] is True
    assert _status(dropbox_service, owner_id)["account"]["connected_elsewhere"] is True
    httpx.delete(f"{dropbox_service.base_url}/v1/dropbox/connection", headers=bearer(owner_id))
    assert _status(dropbox_service, owner_id + "-b")["account"]["connected_elsewhere"] is False


def test_connect_needs_a_producer_token(dropbox_service):
    assert httpx.get(f"{dropbox_service.base_url}/v1/dropbox/connect").status_code == 401
    assert httpx.get(f"{dropbox_service.base_url}/v1/dropbox/status").status_code == 401


async def test_disconnect_revokes_at_dropbox_and_announces_it(
    dropbox_service, connect, control, kafka_bootstrap, topic, owner_id
):
    email = _email()
    connect(owner_id, email)
    revocations = control.get("/_emulator/calls").json().get("auth/token/revoke", 0)
    url = f"{dropbox_service.base_url}/v1/dropbox/connection"
    assert httpx.delete(url, headers=bearer(owner_id)).json() == {"connected": False}
    assert _status(dropbox_service, owner_id)["connected"] is False
    again = httpx.delete(url, headers=bearer(owner_id))
    assert again.json() == {"connected": False}, "disconnecting twice is harmless"
    assert control.get("/_emulator/calls").json()["auth/token/revoke"] == revocations + 1
    [event] = await read_topic(
        kafka_bootstrap,
        topic(DROPBOX_DISCONNECTED),
        expect=1,
        match=lambda record: record.key == owner_id.encode(),
    )
    assert json.loads(event.value)["account_email"] == email


def _links(service, owner_id: str, paths: list[str]) -> list[httpx.Response]:
    url = f"{service.base_url}/internal/temporary-links"
    return [
        httpx.post(url, json={"owner_id": owner_id, "path": p}, headers=INTERNAL_HEADERS)
        for p in paths
    ]


async def test_a_token_dropbox_refuses_disconnects_the_owner_once(
    dropbox_service, connect, control, kafka_bootstrap, topic, owner_id
):
    email = _email()
    connect(owner_id, email)
    paths = [f"/Producer Dashboard/Mix {n}.wav" for n in range(8)]
    for path in paths:
        control.put("/_emulator/files", params={"account": email, "path": path}, content=b"mix")
    assert [a.status_code for a in _links(dropbox_service, owner_id, paths[:1])] == [200]
    # The producer removes the app in Dropbox (or the emulator restarts and forgets it).
    control.delete("/_emulator/tokens", params={"account": email}).raise_for_status()
    control.post("/_emulator/clock", json={"advance_s": 5})  # the access token is stale too
    try:
        refreshes = control.get("/_emulator/calls").json().get("oauth2/token", 0)
        async with httpx.AsyncClient(base_url=dropbox_service.base_url) as client:
            first = await asyncio.gather(
                *(
                    client.post(
                        "/internal/temporary-links",
                        json={"owner_id": owner_id, "path": p},
                        headers=INTERNAL_HEADERS,
                    )
                    for p in paths[1:4]
                )
            )
        attempted = control.get("/_emulator/calls").json()["oauth2/token"] - refreshes
        later = _links(dropbox_service, owner_id, paths[4:])
        after = control.get("/_emulator/calls").json()["oauth2/token"] - refreshes
    finally:
        control.post("/_emulator/clock", json={"advance_s": -5})

    assert {problem_of(a) for a in [*first, *later]} == {(409, "dropbox_not_connected")}
    assert 1 <= attempted <= 3, "only requests already in flight tried the refused token"
    assert after == attempted, "once disconnected, no request tries to refresh again"
    assert _status(dropbox_service, owner_id) == {"connected": False, "account": None}
    events = await read_topic(
        kafka_bootstrap,
        topic(DROPBOX_DISCONNECTED),
        expect=1,
        idle_s=2,
        match=lambda record: record.key == owner_id.encode(),
    )
    assert len(events) == 1
    assert json.loads(events[0].value)["account_email"] == email


async def test_status_asks_dropbox_so_a_removed_app_shows_disconnected(
    dropbox_service, connect, control, kafka_bootstrap, topic, owner_id
):
    email = _email()
    connect(owner_id, email)
    assert _status(dropbox_service, owner_id)["connected"] is True
    control.delete("/_emulator/tokens", params={"account": email}).raise_for_status()
    control.post("/_emulator/clock", json={"advance_s": 5})
    try:
        status = _status(dropbox_service, owner_id)
    finally:
        control.post("/_emulator/clock", json={"advance_s": -5})
    assert status == {"connected": False, "account": None}
    [event] = await read_topic(
        kafka_bootstrap,
        topic(DROPBOX_DISCONNECTED),
        expect=1,
        match=lambda record: record.key == owner_id.encode(),
    )
    assert json.loads(event.value)["owner_id"] == owner_id


def test_status_shows_the_stored_connection_while_dropbox_is_down(
    dropbox_service, connect, control, owner_id
):
    email = _email()
    connect(owner_id, email)
    outage = {"route": "users/get_current_account", "status": 503, "count": 20}
    control.post("/_emulator/faults", json=outage)
    try:
        status = _status(dropbox_service, owner_id)
    finally:
        control.delete("/_emulator/faults")
    assert status == {
        "connected": True,
        "account": {
            "email": email,
            "name": status["account"]["name"],
            "connected_elsewhere": False,
        },
    }
