"""POST /internal/temporary-links: cached, single-flight, validated, over the real SDK."""

import asyncio
from datetime import datetime, timedelta
from uuid import uuid4

import httpx
import pytest
from service_kit.testing import INTERNAL_HEADERS, bearer, problem_of

pytestmark = pytest.mark.integration

AUDIO = b"RIFF" + bytes(range(256)) * 64


@pytest.fixture
def owner(connect, control, owner_id) -> dict[str, str]:
    """A connected producer with one file in their Dropbox."""
    email = f"p{uuid4().hex[:8]}@example.com"
    connect(owner_id, email)
    path = "/Producer Dashboard/Night Drive/Night Drive (Master).wav"
    stored = control.put("/_emulator/files", params={"account": email, "path": path}, content=AUDIO)
    assert stored.status_code in (200, 201), stored.text
    return {"owner_id": owner_id, "email": email, "path": path}


def _link(service, body: dict[str, str], headers=INTERNAL_HEADERS) -> httpx.Response:
    return httpx.post(f"{service.base_url}/internal/temporary-links", json=body, headers=headers)


def test_link_serves_the_files_bytes_and_lives_four_hours(dropbox_service, owner, dropbox_emulator):
    answer = _link(dropbox_service, {"owner_id": owner["owner_id"], "path": owner["path"]})
    assert answer.status_code == 200, answer.text
    expires_at = datetime.fromisoformat(answer.json()["expires_at"])
    assert expires_at.utcoffset() == timedelta(0)
    download = httpx.get(
        answer.json()["url"], verify=dropbox_emulator.ssl_context(), trust_env=False
    )
    assert download.status_code == 200
    assert download.content == AUDIO


async def test_hundred_concurrent_requests_make_one_dropbox_call(dropbox_service, owner, control):
    before = control.get("/_emulator/calls").json().get("files/get_temporary_link", 0)
    body = {"owner_id": owner["owner_id"], "path": owner["path"]}
    async with httpx.AsyncClient(
        base_url=dropbox_service.base_url, headers=INTERNAL_HEADERS
    ) as client:
        answers = await asyncio.gather(
            *(client.post("/internal/temporary-links", json=body) for _ in range(100))
        )
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["url"] for a in answers}) == 1
    after = control.get("/_emulator/calls").json()["files/get_temporary_link"]
    assert after - before == 1


def test_missing_file_is_404(dropbox_service, owner):
    answer = _link(dropbox_service, {"owner_id": owner["owner_id"], "path": "/nope.wav"})
    assert problem_of(answer) == (404, "file_not_found")


def test_owner_without_dropbox_is_409(dropbox_service):
    answer = _link(dropbox_service, {"owner_id": "u-never-connected", "path": "/a.wav"})
    assert problem_of(answer) == (409, "dropbox_not_connected")


@pytest.mark.parametrize("path", ["relative.wav", "/a/../../etc/passwd", "/a//b", ""])
def test_path_outside_the_dropbox_is_422(dropbox_service, path: str):
    answer = _link(dropbox_service, {"owner_id": "u-1", "path": path})
    assert answer.status_code == 422
    assert "path" in answer.text


def test_internal_token_is_required(dropbox_service, owner):
    body = {"owner_id": owner["owner_id"], "path": owner["path"]}
    assert _link(dropbox_service, body, headers={}).status_code == 401


def test_rate_limit_burst_is_waited_out(dropbox_service, owner, control):
    fault = {"route": "files/get_temporary_link", "status": 429, "count": 2, "retry_after": 1}
    assert control.post("/_emulator/faults", json=fault).status_code == 200
    answer = _link(dropbox_service, {"owner_id": owner["owner_id"], "path": owner["path"]})
    assert answer.status_code == 200, answer.text


def test_calls_keep_working_after_the_access_token_expires(dropbox_service, owner, control):
    # The session's emulator issues 3-second access tokens (root conftest).
    body = {"owner_id": owner["owner_id"], "path": owner["path"]}
    refreshes = control.get("/_emulator/calls").json().get("oauth2/token", 0)
    control.post("/_emulator/clock", json={"advance_s": 5})  # the access token is now stale
    try:
        other = control.put(
            "/_emulator/files",
            params={"account": owner["email"], "path": "/later.wav"},
            content=b"later",
        )
        assert other.status_code in (200, 201)
        answer = _link(dropbox_service, {**body, "path": "/later.wav"})
    finally:
        control.post("/_emulator/clock", json={"advance_s": -5})
    assert answer.status_code == 200, answer.text
    assert control.get("/_emulator/calls").json()["oauth2/token"] > refreshes


def _serve(url: str, emulator) -> bytes:
    return httpx.get(url, verify=emulator.ssl_context(), trust_env=False).content


def test_a_disconnect_drops_the_owners_cached_links(
    dropbox_service, owner, connect, control, dropbox_emulator
):
    body = {"owner_id": owner["owner_id"], "path": owner["path"]}
    before = _link(dropbox_service, body).json()["url"]
    gone = httpx.delete(
        f"{dropbox_service.base_url}/v1/dropbox/connection", headers=bearer(owner["owner_id"])
    )
    assert gone.json() == {"connected": False}
    assert _link(dropbox_service, body).status_code == 409

    connect(owner["owner_id"], owner["email"])
    calls = control.get("/_emulator/calls").json()["files/get_temporary_link"]
    after = _link(dropbox_service, body).json()["url"]

    assert after != before
    assert control.get("/_emulator/calls").json()["files/get_temporary_link"] == calls + 1
    assert _serve(after, dropbox_emulator) == AUDIO


def test_a_reconnect_to_another_account_never_hands_out_the_old_accounts_links(
    dropbox_service, owner, connect, control, dropbox_emulator
):
    body = {"owner_id": owner["owner_id"], "path": owner["path"]}
    assert _serve(_link(dropbox_service, body).json()["url"], dropbox_emulator) == AUDIO
    other = f"q{uuid4().hex[:8]}@example.com"
    control.put(
        "/_emulator/files",
        params={"account": other, "path": owner["path"]},
        content=b"the other account's mix",
    )

    connect(owner["owner_id"], other)  # no disconnect first
    answer = _link(dropbox_service, body)

    assert _serve(answer.json()["url"], dropbox_emulator) == b"the other account's mix"
