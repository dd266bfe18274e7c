"""Temporary links in-process: cache, single flight, accounts, with the unmodified SDK
against the emulator; the route's answers over ASGI."""

import asyncio
from uuid import uuid4

import httpx
import pytest
from dropbox_service.clients import NotConnected
from dropbox_service.domain import LINK_LIFETIME
from dropbox_service.services.temporary_links import FileNotFound
from service_kit.testing import internal_headers, problem_of

from .conftest import AUDIO

pytestmark = pytest.mark.integration

PATH = "/Producer Dashboard/Night Drive/Night Drive (Master).wav"


@pytest.fixture
async def owner(connect_core, control, owner_id) -> dict[str, str]:
    """A producer connected in-process, with one file in their Dropbox."""
    email = f"p{uuid4().hex[:8]}@example.com"
    await connect_core(owner_id, email)
    stored = control.put("/_emulator/files", params={"account": email, "path": PATH}, content=AUDIO)
    assert stored.status_code in (200, 201), stored.text
    return {"owner_id": owner_id, "email": email}


def _calls(control) -> int:
    return control.get("/_emulator/calls").json().get("files/get_temporary_link", 0)


def _serve(url: str, emulator) -> bytes:
    return httpx.get(url, verify=emulator.ssl_context(), trust_env=False).content


async def test_hundred_concurrent_requests_make_one_dropbox_call(core, owner, control):
    before = _calls(control)
    links = await asyncio.gather(*(core.links.get(owner["owner_id"], PATH) for _ in range(100)))
    assert len({link.url for link in links}) == 1
    assert _calls(control) - before == 1


async def test_a_link_is_reused_until_it_has_too_little_left(core, owner, control, clock):
    first = await core.links.get(owner["owner_id"], PATH)
    before = _calls(control)
    assert (await core.links.get(owner["owner_id"], PATH)).url == first.url
    assert _calls(control) == before, "served from the cache"
    left = first.expires_at - clock()
    clock.advance((left.total_seconds() - core.settings.temporary_link_reuse_min_s) + 1)

    renewed = await core.links.get(owner["owner_id"], PATH)

    assert _calls(control) == before + 1, "too close to expiring: fetched again"
    assert renewed.expires_at - clock() > LINK_LIFETIME / 2


async def test_missing_file_and_missing_connection(core, owner):
    with pytest.raises(FileNotFound):
        await core.links.get(owner["owner_id"], "/nope.wav")
    with pytest.raises(NotConnected):
        await core.links.get("u-never-connected", PATH)


async def test_the_route_answers_problems(api):
    client, _ = api
    answer = await client.post(
        "/internal/temporary-links",
        json={"owner_id": "u-never-connected", "path": "/a.wav"},
        headers=internal_headers("gateway"),
    )
    assert problem_of(answer) == (409, "dropbox_not_connected")
    for path in ["relative.wav", "/a/../../etc/passwd", "/a//b", ""]:
        bad = await client.post(
            "/internal/temporary-links",
            json={"owner_id": "u-1", "path": path},
            headers=internal_headers("gateway"),
        )
        assert bad.status_code == 422, path
        assert "path" in bad.text


async def test_rate_limit_burst_is_waited_out(core, owner, control):
    fault = {"route": "files/get_temporary_link", "status": 429, "count": 2, "retry_after": 1}
    assert control.post("/_emulator/faults", json=fault).status_code == 200
    link = await core.links.get(owner["owner_id"], PATH)
    assert control.get("/_emulator/faults").json() == []
    assert link.url


async def test_calls_keep_working_after_the_access_token_expires(core, owner, control):
    # The session's emulator issues 3-second access tokens (root conftest).
    refreshes = control.get("/_emulator/calls").json().get("oauth2/token", 0)
    control.post("/_emulator/clock", json={"advance_s": 5})  # the access token is now stale
    try:
        control.put(
            "/_emulator/files",
            params={"account": owner["email"], "path": "/later.wav"},
            content=b"later",
        ).raise_for_status()
        link = await core.links.get(owner["owner_id"], "/later.wav")
    finally:
        control.post("/_emulator/clock", json={"advance_s": -5})
    assert link.url
    assert control.get("/_emulator/calls").json()["oauth2/token"] > refreshes


async def test_a_disconnect_drops_the_owners_cached_links(
    core, owner, connect_core, control, dropbox_emulator
):
    before = (await core.links.get(owner["owner_id"], PATH)).url
    await core.connections.revoke(owner["owner_id"])
    with pytest.raises(NotConnected):
        await core.links.get(owner["owner_id"], PATH)

    await connect_core(owner["owner_id"], owner["email"])
    calls = _calls(control)
    after = (await core.links.get(owner["owner_id"], PATH)).url

    assert after != before
    assert _calls(control) == calls + 1
    assert _serve(after, dropbox_emulator) == AUDIO


async def test_a_reconnect_to_another_account_never_hands_out_the_old_accounts_links(
    core, owner, connect_core, control, dropbox_emulator
):
    old = (await core.links.get(owner["owner_id"], PATH)).url
    assert _serve(old, dropbox_emulator) == AUDIO
    other = f"q{uuid4().hex[:8]}@example.com"
    control.put(
        "/_emulator/files", params={"account": other, "path": PATH}, content=b"the other mix"
    )

    await connect_core(owner["owner_id"], other)  # no disconnect first
    link = await core.links.get(owner["owner_id"], PATH)

    assert _serve(link.url, dropbox_emulator) == b"the other mix"
