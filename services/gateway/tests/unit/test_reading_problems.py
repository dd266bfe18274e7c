"""The gateway reads the other services' problem details by `code` (DESIGN §15), never by
status alone: an answer from a route that does not exist is an outage, not "no link"."""

import httpx
import pytest
from gateway.console.services import ConsoleApi, Refused
from gateway.dropbox_files import DropboxFiles, DropboxUnavailable, OwnerDisconnected
from gateway.link_source import LinkServiceUnavailable, LinkSource
from gateway.settings import Settings

pytestmark = pytest.mark.unit

TOKEN = "A" * 32  # the shape of a share token


def _problem(status: int, code: str, detail: str = "Words for a person.") -> httpx.Response:
    body = {"type": f"/problems/{code}", "title": "T", "status": status, "detail": detail}
    headers = {"content-type": "application/problem+json"}
    return httpx.Response(status, json=body | {"code": code}, headers=headers)


def _client(answer: httpx.Response) -> httpx.AsyncClient:
    def answering(request: httpx.Request) -> httpx.Response:
        return answer

    return httpx.AsyncClient(transport=httpx.MockTransport(answering), base_url="http://s")


async def test_the_console_shows_a_refusals_detail_and_keeps_its_code():
    api = ConsoleApi(Settings())
    api.clients["links"] = _client(_problem(409, "dropbox_not_connected", "Connect Dropbox."))
    with pytest.raises(Refused) as refused:
        await api.call("jwt", "POST", "links", "/v1/links", json={})
    assert (refused.value.code, refused.value.detail) == (
        "dropbox_not_connected",
        "Connect Dropbox.",
    )


async def test_an_unknown_token_is_no_link_but_an_unknown_route_is_an_outage():
    source = LinkSource(Settings())
    source.client = _client(_problem(404, "link_not_found"))
    assert await source.get(TOKEN) is None
    source = LinkSource(Settings())
    source.client = _client(_problem(404, "not_found"))
    with pytest.raises(LinkServiceUnavailable):
        await source.get(TOKEN)


@pytest.mark.parametrize(
    ("answer", "raised"),
    [
        (_problem(409, "dropbox_not_connected"), OwnerDisconnected),
        (_problem(404, "file_not_found"), DropboxUnavailable),
        (httpx.Response(409, text="a proxy's page"), DropboxUnavailable),
    ],
    ids=["disconnected", "no-file", "not-a-problem"],
)
async def test_only_dropbox_not_connected_means_the_owner_disconnected(
    answer: httpx.Response, raised: type[Exception]
):
    files = DropboxFiles(Settings())
    files.service = _client(answer)
    with pytest.raises(raised) as error:
        await files.temporary_link("u-1", "/a.wav")
    assert (error.type is OwnerDisconnected) is (raised is OwnerDisconnected)
