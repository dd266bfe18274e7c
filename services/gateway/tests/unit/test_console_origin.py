"""The console's own origin is `PUBLIC_BASE_URL`'s (the address people reach it at, behind a
TLS ingress too), and a state-changing request must say where it came from."""

from collections.abc import AsyncIterator

import httpx
import pytest
from gateway.app import create_app
from gateway.console.session import COOKIE, csrf_token
from gateway.settings import Settings
from service_kit.testing import bearer

pytestmark = pytest.mark.unit

PUBLIC = "https://share.example.com"


async def _console(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    app = create_app(settings)
    jwt = bearer("u-1")["Authorization"].removeprefix("Bearer ")
    # No lifespan: nothing is started; signing out calls no service. The proxy in front
    # reached the gateway over plain http, under another name.
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://gateway.internal:8000", cookies={COOKIE: jwt}
    ) as client:
        yield client, csrf_token(settings, jwt)


@pytest.fixture
async def behind_a_proxy() -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    async for console in _console(Settings(public_base_url=f"{PUBLIC}/")):
        yield console


@pytest.fixture
async def direct() -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    async for console in _console(Settings()):
        yield console


@pytest.mark.parametrize(
    "headers",
    [{"Origin": PUBLIC}, {"Referer": f"{PUBLIC}/console/settings"}],
    ids=["origin", "referer"],
)
async def test_a_change_from_the_public_origin_passes_behind_a_tls_proxy(behind_a_proxy, headers):
    client, csrf = behind_a_proxy
    answer = await client.post("/console/sign-out", data={"csrf": csrf}, headers=headers)
    assert answer.status_code == 303


async def test_the_session_of_these_tests_is_valid(direct):
    client, _ = direct
    assert (await client.get("/console/sign-in")).status_code == 200
    answer = await client.get("/console/links/lnk_x")  # a page needing a session: not sign-in
    assert answer.status_code != 303


async def test_the_reached_origin_is_the_consoles_only_without_public_base_url(
    behind_a_proxy, direct
):
    reached = {"Origin": "http://gateway.internal:8000"}
    for (client, csrf), status in ((behind_a_proxy, 403), (direct, 303)):
        answer = await client.post("/console/sign-out", data={"csrf": csrf}, headers=reached)
        assert answer.status_code == status


@pytest.mark.parametrize("path", ["/console/sign-out", "/console/sign-in", "/console/session"])
async def test_a_change_saying_neither_origin_nor_referer_is_refused(direct, path):
    client, csrf = direct
    answer = await client.post(path, data={"csrf": csrf, "user_id": "u-demo", "token": "x"})
    assert answer.status_code == 403
    assert "That did not come from the console" in answer.text


@pytest.mark.parametrize("url", ["share.example.com", "ftp://share.example.com", "https://"])
def test_public_base_url_is_an_http_url(url: str):
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL"):
        Settings(public_base_url=url)
