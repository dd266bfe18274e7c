"""Previews: the one file a track's player plays, behind signed URLs, streamed by us.

Only a track's bounce in a format browsers play is previewable; stems, archives and
project files never are (DESIGN §6). The page's players point at
`/s/<token>/files/<file>/preview?exp=&sig=`, an HMAC over link, file and expiry that
lives at most 15 minutes; the gateway fetches the bytes from a temporary link
server-side and relays them in chunks, so no Dropbox URL ever reaches the listener.
"""

import hashlib
import hmac
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
from contracts.links import LinkFile, LinkTrack
from fastapi.responses import StreamingResponse

# Browser-playable formats, the most compact first: that is the one a player streams.
MEDIA_TYPES = {
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
    "flac": "audio/flac",
    "wav": "audio/wav",
}
# While a preview streams, the link's status is looked at again this often.
RECHECK_S = 0.5
_RANGE = re.compile(r"bytes=\d*-\d*")
_PASSED_ON = ("content-length", "content-range")


class PreviewUnavailable(Exception):
    """Dropbox did not serve the file's bytes."""


def preview_file(track: LinkTrack) -> LinkFile | None:
    """The file the track's player plays: its bounce in the most compact playable format."""
    bounces = [f for f in track.files if f.role == "bounce" and f.format in MEDIA_TYPES]
    ranked = list(MEDIA_TYPES)
    return min(bounces, key=lambda f: ranked.index(f.format), default=None)


class Signer:
    """Signs and checks preview URLs with the gateway's preview secret."""

    def __init__(self, secret: str, ttl_s: int) -> None:
        self.secret = secret.encode()
        self.ttl_s = ttl_s

    def url(self, token: str, link_id: str, file_id: str) -> str:
        """The signed preview URL of one file, valid for `ttl_s` from now."""
        expires = int(time.time()) + self.ttl_s
        return (
            f"/s/{token}/files/{file_id}/preview"
            f"?exp={expires}&sig={self._sign(link_id, file_id, expires)}"
        )

    def valid(self, link_id: str, file_id: str, expires: int, signature: str) -> bool:
        """Whether the signature is ours for this link, file and expiry, and not expired."""
        if not 0 <= expires - time.time() <= self.ttl_s:
            return False
        return hmac.compare_digest(self._sign(link_id, file_id, expires), signature)

    def _sign(self, link_id: str, file_id: str, expires: int) -> str:
        message = f"{link_id}\n{file_id}\n{expires}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()[:32]


async def relay(
    client: httpx.AsyncClient,
    url: str,
    byte_range: str | None,
    media_type: str,
    still_active: Callable[[], Awaitable[bool]],
) -> StreamingResponse:
    """Stream the file at `url` (one byte range of it, if asked) to the listener.

    Chunks pass through as they come, so memory stays flat whatever the file's size; the
    stream stops when the link stops being active (revoked or expired) mid-way.
    """
    headers = {"Range": byte_range} if byte_range and _RANGE.fullmatch(byte_range) else {}
    try:
        upstream = await client.send(client.build_request("GET", url, headers=headers), stream=True)
    except httpx.TransportError as error:
        raise PreviewUnavailable(repr(error)) from error
    if upstream.status_code not in (200, 206, 416):
        await upstream.aclose()
        raise PreviewUnavailable(f"Dropbox answered {upstream.status_code}")
    passed = {k: v for k, v in upstream.headers.items() if k.lower() in _PASSED_ON}
    return StreamingResponse(
        _chunks(upstream, still_active),
        status_code=upstream.status_code,
        media_type=media_type,
        headers=passed | {"Accept-Ranges": "bytes", "Content-Disposition": "inline"},
    )


async def _chunks(
    upstream: httpx.Response, still_active: Callable[[], Awaitable[bool]]
) -> AsyncIterator[bytes]:
    checked = time.monotonic()
    try:
        async for chunk in upstream.aiter_raw():  # as they arrive: at most a network read
            if time.monotonic() - checked >= RECHECK_S:
                if not await still_active():
                    return  # revoked or expired: the listener gets no more
                checked = time.monotonic()
            yield chunk
    finally:
        await upstream.aclose()
