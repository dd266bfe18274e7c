"""Which file a player plays, and the signed preview URLs (DESIGN §6)."""

import asyncio
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from contracts.links import LinkFile, LinkTrack
from gateway.clients import DropboxService, PreviewUnavailable
from gateway.domain import Signer, preview_file
from gateway.settings import Settings

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _file(file_id: str, role: str, fmt: str) -> LinkFile:
    kind = "audio" if role in ("bounce", "stem") else "project" if role == "project" else "other"
    name = f"{file_id}.{fmt}"
    return LinkFile(
        file_id=file_id,
        name=name,
        role=role,
        type=kind,
        format=fmt,
        size=1,
        dropbox_path=f"/{name}",
    )


def _track(*files: LinkFile) -> LinkTrack:
    return LinkTrack(track_id="t", title="T", artist="A", version=1, group_id=None, files=files)


def test_the_player_plays_the_most_compact_playable_bounce():
    track = _track(
        _file("wav", "bounce", "wav"), _file("mp3", "bounce", "mp3"), _file("stems", "stem", "zip")
    )
    played = preview_file(track)
    assert played is not None and played.file_id == "mp3"


@pytest.mark.parametrize(
    "files",
    [
        [_file("s", "stem", "wav")],
        [_file("z", "bounce", "zip")],
        [_file("a", "bounce", "aiff")],
        [_file("p", "project", "als"), _file("o", "other", "mp3")],
        [],
    ],
)
def test_stems_archives_projects_and_unplayable_formats_are_never_previewed(files):
    assert preview_file(_track(*files)) is None


def _parts(url: str) -> tuple[str, int, str]:
    query = parse_qs(urlsplit(url).query)
    return urlsplit(url).path, int(query["exp"][0]), query["sig"][0]


def test_a_signed_url_is_valid_for_its_link_and_file_only():
    signer = Signer("s" * 40, ttl_s=900)
    path, expires, signature = _parts(signer.url("T" * 32, "lnk_a", "f-1", NOW))
    assert path == f"/s/{'T' * 32}/files/f-1/preview"
    assert signer.valid("lnk_a", "f-1", expires, signature, NOW)
    assert not signer.valid("lnk_b", "f-1", expires, signature, NOW)
    assert not signer.valid("lnk_a", "f-2", expires, signature, NOW)
    assert not signer.valid("lnk_a", "f-1", expires + 1, signature, NOW)
    assert not Signer("x" * 40, ttl_s=900).valid("lnk_a", "f-1", expires, signature, NOW)


def test_a_signed_url_lives_at_most_its_ttl():
    signer = Signer("s" * 40, ttl_s=900)
    _, expires, signature = _parts(signer.url("T" * 32, "lnk_a", "f-1", NOW))
    assert expires == NOW.timestamp() + 900
    assert signer.valid("lnk_a", "f-1", expires, signature, NOW + timedelta(seconds=900))
    assert not signer.valid("lnk_a", "f-1", expires, signature, NOW + timedelta(seconds=901))
    far = int(NOW.timestamp()) + 3600  # signed with our key, but beyond what we hand out
    assert not signer.valid("lnk_a", "f-1", far, signer._sign("lnk_a", "f-1", far), NOW)


class _SlowFile(httpx.AsyncByteStream):
    """A file served in chunks, a little slower than the listener's status is checked."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.closed = False

    async def __aiter__(self):
        for _ in range(self.chunks):
            await asyncio.sleep(0.05)
            yield b"x" * 1000

    async def aclose(self) -> None:
        self.closed = True


def _dropbox(stream: _SlowFile, status: int = 200) -> DropboxService:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers.get("range") in (None, "bytes=0-")
        return httpx.Response(status, stream=stream, headers={"Content-Length": "40000"})

    dropbox = DropboxService(Settings())
    dropbox.content = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return dropbox


async def _body(response) -> bytes:
    return b"".join([chunk async for chunk in response.body_iterator])


async def test_the_stream_stops_once_the_link_is_no_longer_active():
    stream = _SlowFile(chunks=40)
    active = [True]

    async def still_active() -> bool:
        return active[0]

    response = await _dropbox(stream).relay("https://dl/x", "bytes=0-", "audio/wav", still_active)
    relayed = asyncio.create_task(_body(response))
    await asyncio.sleep(0.3)
    active[0] = False  # revoked while the listener is playing
    body = await relayed

    assert 0 < len(body) < 40 * 1000
    assert stream.closed, "the Dropbox download is closed, not left hanging"


async def test_the_whole_file_streams_while_the_link_stays_active():
    stream = _SlowFile(chunks=12)

    async def still_active() -> bool:
        return True

    response = await _dropbox(stream).relay("https://dl/x", None, "audio/wav", still_active)

    assert await _body(response) == b"x" * 12_000
    assert response.headers["content-disposition"] == "inline"
    assert response.headers["accept-ranges"] == "bytes"


async def test_a_dropbox_failure_is_unavailable_not_relayed():
    async def still_active() -> bool:
        return True

    with pytest.raises(PreviewUnavailable):
        await _dropbox(_SlowFile(1), status=410).relay(
            "https://dl/x", None, "audio/wav", still_active
        )
