"""The console checks every id it is given (paths, the `t` selection of a page or a form)
against its pattern in `contracts.ids` and answers a malformed one with its own 422 page,
before it calls any service."""

from collections.abc import AsyncIterator

import httpx
import pytest
from gateway.app import create_app
from gateway.console.session import COOKIE, csrf_token
from gateway.context import GatewayContext
from gateway.settings import Settings
from service_kit.testing import bearer

pytestmark = pytest.mark.unit

ORIGIN = "http://t"
BAD = ["../links/lnk_0123456789abcdef01234567/revoke", "a/b", "x?y=1", "", "é", "a" * 129]


class Console:
    def __init__(self, client: httpx.AsyncClient, csrf: str, called: list[str]) -> None:
        self.client, self.csrf, self.called = client, csrf, called


@pytest.fixture
async def console() -> AsyncIterator[Console]:
    settings = Settings()
    app = create_app(settings)
    context: GatewayContext = app.state.gateway
    called: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        called.append(f"{request.method} {request.url.path}")
        body = {"type": "/problems/not_found", "title": "T", "status": 404, "code": "not_found"}
        return httpx.Response(404, json=body, headers={"content-type": "application/problem+json"})

    for client in context.console.clients.values():
        client.http = httpx.AsyncClient(transport=httpx.MockTransport(record), base_url="http://s")
    jwt = bearer("u-1")["Authorization"].removeprefix("Bearer ")
    # No lifespan: nothing is started; the services are the recording double above.
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url=ORIGIN, cookies={COOKIE: jwt}, headers={"Origin": ORIGIN}
    ) as client:
        yield Console(client, csrf_token(settings, jwt), called)


def assert_refused_as_the_console(answer: httpx.Response, console: Console) -> None:
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "That is not a valid request" in answer.text
    assert console.called == [], "no service was called"


@pytest.mark.parametrize("track_id", BAD)
@pytest.mark.parametrize("page", ["/console", "/console/panel", "/console/jobs/job_" + "0" * 24])
async def test_a_malformed_track_id_in_a_pages_selection_is_422(console, page, track_id):
    answer = await console.client.get(page, params=[("t", "ok-1"), ("t", track_id)])
    assert_refused_as_the_console(answer, console)


@pytest.mark.parametrize("track_id", BAD)
@pytest.mark.parametrize("form", ["/console/links", "/console/share"])
async def test_a_malformed_track_id_in_a_form_is_422(console, form, track_id):
    data = {"csrf": console.csrf, "t": [track_id], "include": ["bounce"]}
    answer = await console.client.post(form, data=data)
    assert_refused_as_the_console(answer, console)


@pytest.mark.parametrize(
    "path",
    [
        "/console/links/lnk_nothex",
        "/console/links/lnk_nothex/revoke",
        "/console/jobs/job_1",
        "/console/notifications/ntf_1",
        "/console/tracks/%3Fx/collaborators/c-1/remove",
        "/console/tracks/t-1/collaborators/%C3%A9/remove",
    ],
)
async def test_a_malformed_id_in_a_path_is_the_consoles_422_page(console, path):
    assert_refused_as_the_console(await console.client.get(path), console)


async def test_an_unknown_console_route_is_the_consoles_404_page(console):
    answer = await console.client.get("/console/tracks/a%2Fb/collaborators/c-1/remove")
    assert answer.status_code == 404
    assert "Not found" in answer.text and answer.headers["content-type"].startswith("text/html")
    assert console.called == []


async def test_a_well_formed_id_reaches_the_service(console):
    answer = await console.client.get("/console/panel", params={"t": "nd-1.v2:mix_A"})
    assert answer.status_code == 200
    assert console.called == ["GET /v1/catalog/tracks/nd-1.v2:mix_A"]
