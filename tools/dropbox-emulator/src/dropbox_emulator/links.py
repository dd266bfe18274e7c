"""Temporary links: GET /tl/<key> serves a file's bytes until the link expires (then 410)."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from .faults import observe
from .state import Node, World
from .tree import node_by_id

CONTENT_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "aif": "audio/aiff",
    "aiff": "audio/aiff",
    "m4a": "audio/mp4",
    "zip": "application/zip",
}
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def make_router(world: World) -> APIRouter:
    """GET (and HEAD) /tl/<key>, counted as the route "tl"."""
    router = APIRouter()

    @router.api_route("/tl/{key}", methods=["GET", "HEAD"])
    async def download(key: str, request: Request) -> Response:
        if (fault := await observe(world, "tl")) is not None:
            return fault
        with world.lock:
            link = world.links.get(key)
            account = world.accounts.get(link.account_id) if link else None
            node = node_by_id(account, link.node_id) if link and account else None
            expired = link is not None and link.expires_at <= world.clock()
        if expired:
            return PlainTextResponse("This temporary link has expired.", status_code=410)
        if node is None:
            return PlainTextResponse("Not found.", status_code=404)
        return serve(node, request.headers.get("range"))

    return router


def content_type(name: str) -> str:
    """The MIME type Dropbox would send for a file name."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return CONTENT_TYPES.get(extension, "application/octet-stream")


def serve(node: Node, range_header: str | None) -> Response:
    """The file's bytes, or one byte range of them (audio players seek with ranges), as a
    download: Dropbox's temporary links (`…/cd/0/get/…`) are attachments."""
    data, size = node.data, len(node.data)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(node.name)}",
    }
    span = byte_range(range_header, size) if range_header else None
    if span is None:
        return Response(data, media_type=content_type(node.name), headers=headers)
    start, end = span
    if start >= size or start > end:
        headers["Content-Range"] = f"bytes */{size}"
        return Response(b"", status_code=416, headers=headers)
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Response(
        data[start : end + 1], status_code=206, media_type=content_type(node.name), headers=headers
    )


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The (first, last) byte positions of a single `bytes=a-b` range; None if unusable."""
    match = _RANGE.match(header.strip())
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if not first:
        return max(size - int(last), 0), size - 1
    return int(first), min(int(last), size - 1) if last else size - 1
