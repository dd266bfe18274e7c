"""The share routes in-process, with link-service and dropbox-service doubles: what a
preview URL's parameters and a temporary link's address may be, answered as the share
pages answer (their headers on every refusal)."""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import pytest
from contracts.clock import utc_now
from contracts.links import InternalLink, LinkFile, LinkTrack
from gateway.app import create_app
from gateway.context import GatewayContext
from gateway.domain import is_temporary_link
from gateway.settings import Settings

pytestmark = pytest.mark.unit

TOKEN = "T" * 32
DROPBOX_URL = "https://uc0a1b2c.dl.dropboxusercontent.com/cd/0/get/abc/file"


def _link() -> InternalLink:
    named = {"file_id": "b", "name": "Master.mp3", "role": "bounce", "type": "audio"}
    bounce = LinkFile(**named, format="mp3", size=3, dropbox_path="/x/Master.mp3")
    track = LinkTrack(
        track_id="t-1", title="Night Drive", artist="A", version=1, group_id=None, files=(bounce,)
    )
    return InternalLink(
        id="lnk_0123456789abcdef01234567",
        token=TOKEN,
        url=f"http://t/s/{TOKEN}",
        owner_id="u-1",
        kind="single",
        title=None,
        message=None,
        include=("bounce",),
        downloads=("audio",),
        tracks=(track,),
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        expires_at=None,
        revoked_at=None,
        dropbox_connected=True,
    )


@dataclass
class Doubles:
    """What the gateway asked of Dropbox's content hosts, and the temporary link to hand out."""

    temporary_link: str = DROPBOX_URL
    fetched: list[str] = field(default_factory=list)

    def link_service(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=_link().model_dump(mode="json"))

    def dropbox_service(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"url": self.temporary_link})

    def dropbox_content(self, request: httpx.Request) -> httpx.Response:
        self.fetched.append(str(request.url))
        return httpx.Response(200, stream=httpx.ByteStream(b"abc"), headers={"Content-Length": "3"})


def _mocked(answer: Callable[[httpx.Request], httpx.Response]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://s")


@dataclass
class Gateway:
    client: httpx.AsyncClient
    context: GatewayContext
    doubles: Doubles

    def preview_url(self) -> str:
        return self.context.shares.signer.url(TOKEN, _link().id, "b", utc_now())


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    app = create_app(Settings())
    context: GatewayContext = app.state.gateway
    doubles = Doubles()
    shares = context.shares
    shares.links.client.http = _mocked(doubles.link_service)
    shares.dropbox.client.http = _mocked(doubles.dropbox_service)
    shares.dropbox.content = _mocked(doubles.dropbox_content)
    await shares.links.get(TOKEN)  # a link found before: opening it spends no guessing budget
    # No lifespan: nothing is started, only the routes answer (no Redis, no Kafka).
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield Gateway(client, context, doubles)


def assert_share_headers(answer: httpx.Response) -> None:
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in answer.headers["content-security-policy"]


async def test_a_signed_preview_streams(gateway: Gateway):
    answer = await gateway.client.get(gateway.preview_url())
    assert (answer.status_code, answer.content) == (200, b"abc")
    assert gateway.doubles.fetched == [DROPBOX_URL]


@pytest.mark.parametrize(
    "query",
    ["exp=%C2%B2&sig=0", "exp=%D9%A1%D9%A2&sig=0", "sig=%C3%A9", "sig=%EF%BC%91", "exp=-1"],
    ids=["superscript-exp", "arabic-indic-exp", "non-ascii-sig", "fullwidth-sig", "negative"],
)
async def test_a_preview_parameter_not_ours_is_403_with_the_share_headers(
    gateway: Gateway, query: str
):
    url = gateway.preview_url()
    path, _, signed = url.partition("?")
    given = dict(part.split("=") for part in signed.split("&"))
    given |= dict(part.split("=") for part in query.split("&"))
    answer = await gateway.client.get(f"{path}?exp={given['exp']}&sig={given['sig']}")
    assert answer.status_code == 403
    assert_share_headers(answer)
    assert gateway.doubles.fetched == []


OFF_DROPBOX = [
    "http://evil.example/",
    "https://evil.example/",
    "http://uc0a1b2c.dl.dropboxusercontent.com/cd/0/get/abc/file",  # Dropbox's, not https
    "https://dl.dropboxusercontent.com.evil.example/x",
    "https://evil.example#.dl.dropboxusercontent.com",
    "https://user@evil.example/?.dl.dropboxusercontent.com",
    "https://evil.example\\.dl.dropboxusercontent.com/x",  # a browser reads \\ as /
    "javascript:alert(1)",
]


@pytest.mark.parametrize("url", OFF_DROPBOX)
async def test_a_preview_never_reads_a_temporary_link_off_dropbox(
    gateway: Gateway, url: str, caplog: pytest.LogCaptureFixture
):
    gateway.doubles.temporary_link = url
    answer = await gateway.client.get(gateway.preview_url())
    assert answer.status_code == 503
    assert_share_headers(answer)
    assert gateway.doubles.fetched == []
    assert "dropbox-service" in caplog.text and url not in caplog.text


@pytest.mark.parametrize("url", OFF_DROPBOX)
async def test_a_download_never_redirects_off_dropbox(gateway: Gateway, url: str):
    gateway.doubles.temporary_link = url
    answer = await gateway.client.get(f"/s/{TOKEN}/files/b/download")
    assert answer.status_code == 503
    assert "location" not in answer.headers
    assert_share_headers(answer)


def test_the_emulators_host_is_accepted_when_the_settings_add_it():
    emulator = Settings(dropbox_content_hosts="localhost").dropbox_content_host_names
    emulated = "https://localhost:8443/temporary/abc"
    assert is_temporary_link(emulated, emulator)
    assert not is_temporary_link(DROPBOX_URL, emulator), "the list replaces Dropbox's"
    assert is_temporary_link(DROPBOX_URL, Settings().dropbox_content_host_names)
    assert not is_temporary_link(emulated, Settings().dropbox_content_host_names)


@pytest.mark.parametrize("hosts", ["https://localhost", "evil.example/x", "*", "a..b"])
def test_content_hosts_are_host_names(hosts: str):
    with pytest.raises(ValueError, match="DROPBOX_CONTENT_HOSTS"):
        Settings(dropbox_content_hosts=hosts)


async def test_an_unforeseen_failure_is_still_our_page_with_the_share_headers(gateway: Gateway):
    def broken(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("a bug of ours")

    gateway.context.shares.dropbox.content = _mocked(broken)
    answer = await gateway.client.get(gateway.preview_url())
    assert answer.status_code == 500
    assert_share_headers(answer)
    assert "a bug of ours" not in answer.text
