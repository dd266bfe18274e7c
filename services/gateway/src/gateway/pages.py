"""Public share pages, previews and downloads (DESIGN §6)."""

import re
from pathlib import Path
from typing import Any

from contracts.events import DownloadRecorded, ShareViewed
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from gateway.context import DropboxUnavailable, GatewayContext, GatewayDep
from gateway.view import page_of
from gateway.visitors import client_address, is_preview_bot, visitor_id

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


@router.api_route("/s/{token}", methods=["GET", "HEAD"])
async def share_page(token: str, request: Request, context: GatewayDep) -> Response:
    """The share page; a person's GET of an active link counts as a view."""
    link, refusal = await _open(token, request, context, fresh=False)
    if refusal:
        return refusal
    assert link is not None
    user_agent = request.headers.get("user-agent")
    if request.method == "GET" and not is_preview_bot(user_agent):
        await context.record(
            ShareViewed(
                link_id=link["id"], owner_id=link["owner_id"],
                visitor_id=_visitor(request, context),
            )
        )  # fmt: skip
    return templates.TemplateResponse(request, "share.html", {"page": page_of(link)})


@router.get("/s/{token}/files/{file_id}/download")
async def download(token: str, file_id: str, request: Request, context: GatewayDep) -> Response:
    """302 to a temporary link when the file's type may be downloaded; counts a download."""
    link, refusal = await _open(token, request, context, fresh=True)
    if refusal:
        return refusal
    assert link is not None
    found = _file(link, file_id)
    if found is None:
        return _message(request, 404, "not_in_link")
    track, file = found
    if file["type"] not in link["downloads"]:
        return _message(request, 403, "not_downloadable")
    redirect = await _redirect(request, context, link, file)
    if redirect.status_code == 302:
        await context.record(
            DownloadRecorded(
                link_id=link["id"], owner_id=link["owner_id"], track_id=track["track_id"],
                file_id=file["file_id"], file_type=file["type"], file_format=file["format"],
                visitor_id=_visitor(request, context),
            )
        )  # fmt: skip
    return redirect


@router.get("/s/{token}/files/{file_id}/preview")
async def preview(token: str, file_id: str, request: Request, context: GatewayDep) -> Response:
    """302 to a temporary link of an audio file of the link, downloads allowed or not."""
    link, refusal = await _open(token, request, context, fresh=True)
    if refusal:
        return refusal
    assert link is not None
    found = _file(link, file_id)
    if found is None or found[1]["type"] != "audio":
        return _message(request, 404, "not_in_link")
    return await _redirect(request, context, link, found[1])


async def _open(
    token: str, request: Request, context: GatewayContext, *, fresh: bool
) -> tuple[dict[str, Any] | None, Response | None]:
    """The active link behind `token`, or the response refusing it (404, 410, 429)."""
    client = client_address(request, context.settings.trust_forwarded_for)
    if (wait := await context.limit.retry_after(client)) is not None:
        return None, _message(request, 429, "slow_down", {"Retry-After": str(wait)})
    if fresh:
        context.links.forget_token(token)
    link = await context.links.get(token) if TOKEN_SHAPE.match(token) else None
    if link is None:
        await context.limit.record_miss(client)
        return None, _message(request, 404, "not_found")
    if link["status"] != "active":
        return None, _message(request, 410, link["status"])
    return link, None


def _file(link: dict[str, Any], file_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    for track in link["tracks"]:
        for file in track["files"]:
            if file["file_id"] == file_id:
                return track, file
    return None


async def _redirect(
    request: Request, context: GatewayContext, link: dict[str, Any], file: dict[str, Any]
) -> Response:
    try:
        url = await context.temporary_link(link["owner_id"], file["dropbox_path"])
    except DropboxUnavailable:
        return _message(request, 503, "unavailable", {"Retry-After": "30"})
    return RedirectResponse(url, status_code=302)


def _visitor(request: Request, context: GatewayContext) -> str:
    address = client_address(request, context.settings.trust_forwarded_for)
    salt = context.settings.visitor_salt.get_secret_value()
    return visitor_id(address, request.headers.get("user-agent"), salt)


def _message(
    request: Request, status: int, reason: str, headers: dict[str, str] | None = None
) -> Response:
    """A friendly page saying why there is nothing here, and nothing about the link."""
    return templates.TemplateResponse(
        request, "message.html", {"reason": reason}, status_code=status, headers=headers
    )
