"""The gateway reads the other services' problem details by `code` (DESIGN §15), never by
status alone: an answer from a route that does not exist is an outage, not "no link"; and
what stops a console page is answered as the console's own page."""

import httpx
import pytest
from gateway.app import create_app
from gateway.clients import ConsoleApi, DropboxService, LinkService, OwnerDisconnected
from gateway.console.session import COOKIE
from gateway.settings import Settings
from service_kit.service_client import NotFound, Refused, ServiceClient, ServiceError
from service_kit.testing import bearer

pytestmark = pytest.mark.unit

TOKEN = "A" * 32  # the shape of a share token


def _problem(status: int, code: str, detail: str = "Words for a person.") -> httpx.Response:
    body = {"type": f"/problems/{code}", "title": "T", "status": status, "detail": detail}
    headers = {"content-type": "application/problem+json"}
    return httpx.Response(status, json=body | {"code": code}, headers=headers)


def _answering(client: ServiceClient, answer: httpx.Response) -> None:
    def answering(request: httpx.Request) -> httpx.Response:
        return answer

    client.http = httpx.AsyncClient(transport=httpx.MockTransport(answering), base_url="http://s")


async def test_the_console_shows_a_refusals_detail_and_keeps_its_code():
    api = ConsoleApi(Settings())
    _answering(api.clients["links"], _problem(409, "dropbox_not_connected", "Connect Dropbox."))
    with pytest.raises(Refused) as refused:
        await api.call("jwt", "POST", "links", "/v1/links", json={})
    assert (refused.value.code, refused.value.detail) == (
        "dropbox_not_connected",
        "Connect Dropbox.",
    )


async def test_an_unknown_token_is_no_link_but_an_unknown_route_is_an_outage():
    links = LinkService(Settings())
    _answering(links.client, _problem(404, "link_not_found"))
    assert await links.get(TOKEN) is None
    links = LinkService(Settings())
    _answering(links.client, _problem(404, "not_found"))
    with pytest.raises(NotFound):
        await links.get(TOKEN)


@pytest.mark.parametrize(
    ("answer", "raised"),
    [
        (_problem(409, "dropbox_not_connected"), OwnerDisconnected),
        (_problem(404, "file_not_found"), ServiceError),
        (httpx.Response(409, text="a proxy's page"), ServiceError),
    ],
    ids=["disconnected", "no-file", "not-a-problem"],
)
async def test_only_dropbox_not_connected_means_the_owner_disconnected(
    answer: httpx.Response, raised: type[Exception]
):
    dropbox = DropboxService(Settings())
    _answering(dropbox.client, answer)
    with pytest.raises(raised):
        await dropbox.temporary_link("u-1", "/a.wav")


@pytest.mark.parametrize(
    ("answer", "status", "location"),
    [
        (_problem(401, "not_authenticated"), 303, "/console/sign-in"),
        (_problem(404, "not_found"), 404, None),
        (_problem(503, "dropbox_unavailable"), 503, None),
    ],
    ids=["session-refused", "not-found", "outage"],
)
async def test_a_console_page_answers_what_a_service_said_as_the_console(
    answer: httpx.Response, status: int, location: str | None
):
    app = create_app(Settings())
    _answering(app.state.gateway.console.clients["dropbox"], answer)
    session = {COOKIE: bearer("u-1")["Authorization"].removeprefix("Bearer ")}
    # No lifespan: nothing is started; the console's pages touch no Redis.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://t", cookies=session
    ) as client:
        page = await client.get("/console/settings")
    assert page.status_code == status
    assert page.headers.get("location") == location
    assert ("Temporarily unavailable" in page.text) is (status == 503)
