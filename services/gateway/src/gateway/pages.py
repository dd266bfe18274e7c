"""Public share pages, previews and downloads (DESIGN §6)."""

from datetime import UTC, datetime
from pathlib import Path

from contracts.events import DownloadRecorded, ShareViewed
from contracts.ids import is_token
from contracts.links import InternalLink
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from gateway.context import GatewayContext, GatewayDep
from gateway.dropbox_files import DropboxUnavailable, OwnerDisconnected
from gateway.link_source import LinkServiceUnavailable
from gateway.previews import MEDIA_TYPES, PreviewUnavailable, preview_file, relay
from gateway.view import page_of
from gateway.visitors import client_address, is_preview_bot, visitor_id

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
RETRY_UNAVAILABLE_S = 30
RETRY_DISCONNECTED_S = 300  # the producer has to reconnect Dropbox first


@router.api_route("/s/{token}", methods=["GET", "HEAD"])
async def share_page(token: str, request: Request, context: GatewayDep) -> Response:
    """The share page; a person's GET of an active link counts as a view."""
    link = await _open(token, request, context)
    user_agent = request.headers.get("user-agent")
    if request.method == "GET" and not is_preview_bot(user_agent):
        visitor = _visitor(request, context)
        await context.events.record(
            ShareViewed(link_id=link.id, owner_id=link.owner_id, visitor_id=visitor)
        )
    page = page_of(link, lambda file_id: context.signer.url(token, link.id, file_id))
    return templates.TemplateResponse(request, "share.html", {"page": page})


@router.get("/s/{token}/previews")
async def fresh_previews(token: str, request: Request, context: GatewayDep) -> Response:
    """New signed preview URLs for a page open longer than they live; counts nothing."""
    link = await _open(token, request, context)
    playable = [f for f in map(preview_file, link.tracks) if f is not None]
    urls = {f.file_id: context.signer.url(token, link.id, f.file_id) for f in playable}
    return JSONResponse({"previews": urls})


@router.get("/s/{token}/files/{file_id}/download")
async def download(token: str, file_id: str, request: Request, context: GatewayDep) -> Response:
    """302 to a temporary link when the file's type may be downloaded; counts a download."""
    link = await _open(token, request, context)
    found = link.file(file_id)
    if found is None:
        return _message(request, 404, "not_in_link")
    track, file = found
    if file.type not in link.downloads:
        return _message(request, 403, "not_downloadable")
    try:
        url = await context.dropbox.temporary_link(link.owner_id, file.dropbox_path)
    except DropboxUnavailable as error:
        return _unavailable(request, error)
    await context.events.record(
        DownloadRecorded(
            link_id=link.id,
            owner_id=link.owner_id,
            track_id=track.track_id,
            group_id=track.group_id,
            track_title=track.title,
            file_id=file.file_id,
            file_type=file.type,
            file_format=file.format,
            visitor_id=_visitor(request, context),
        )
    )
    return RedirectResponse(url, status_code=302)


@router.get("/s/{token}/files/{file_id}/preview")
async def preview(
    token: str, file_id: str, request: Request, context: GatewayDep, exp: str = "", sig: str = ""
) -> Response:
    """The bytes of a track's player file, streamed (ranges too), downloads allowed or not."""
    link = await _open(token, request, context)
    found = link.file(file_id)
    file = preview_file(found[0]) if found else None
    if file is None or file.file_id != file_id:
        return _message(request, 404, "not_in_link")
    expires = int(exp) if exp.isdigit() and len(exp) < 12 else -1
    if not context.signer.valid(link.id, file_id, expires, sig):
        return _message(request, 403, "preview_expired")

    async def still_active() -> bool:
        try:
            current = await context.links.get(token)
        except LinkServiceUnavailable:
            return True  # no revoke can happen while link-service is away either
        return current is not None and current.status(datetime.now(UTC)) == "active"

    try:
        url = await context.dropbox.temporary_link(link.owner_id, file.dropbox_path)
        return await relay(
            context.dropbox.content,
            url,
            request.headers.get("range"),
            MEDIA_TYPES[file.format],
            still_active,
        )
    except (DropboxUnavailable, PreviewUnavailable) as error:
        return _unavailable(request, error)


class Refused(Exception):
    """A request the page answers with `response` instead (see `answer_refusal`)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def answer_refusal(request: Request, refusal: Exception) -> Response:
    """The exception handler answering a `Refused` request with its page."""
    assert isinstance(refusal, Refused)
    return refusal.response


async def answer_storage_unavailable(request: Request, error: Exception) -> Response:
    """The exception handler for Redis being away: the 503 page, not a bare error."""
    return _unavailable(request, error)


async def _open(token: str, request: Request, context: GatewayContext) -> InternalLink:
    """The active link behind `token`; else Refused with the page (404, 410, 429, 503)."""
    client = client_address(request, context.settings.trust_forwarded_for)
    if (wait := await context.limit.retry_after(client)) is not None:
        raise Refused(_message(request, 429, "slow_down", {"Retry-After": str(wait)}))
    try:
        link = await context.links.get(token) if is_token(token) else None
    except LinkServiceUnavailable as error:
        raise Refused(_unavailable(request, error)) from error
    if link is None:
        await context.limit.record_miss(client)
        raise Refused(_message(request, 404, "not_found"))
    if (status := link.status(datetime.now(UTC))) != "active":
        raise Refused(_message(request, 410, status))
    if not link.dropbox_connected:
        raise Refused(_unavailable(request, OwnerDisconnected(link.owner_id)))
    return link


def _visitor(request: Request, context: GatewayContext) -> str:
    address = client_address(request, context.settings.trust_forwarded_for)
    salt = context.settings.visitor_salt.get_secret_value()
    return visitor_id(address, request.headers.get("user-agent"), salt)


def _unavailable(request: Request, error: Exception) -> Response:
    """503: the owner's Dropbox is disconnected (for a while), or a dependency is down."""
    if isinstance(error, OwnerDisconnected):
        return _message(request, 503, "disconnected", {"Retry-After": str(RETRY_DISCONNECTED_S)})
    return _message(request, 503, "unavailable", {"Retry-After": str(RETRY_UNAVAILABLE_S)})


def _message(
    request: Request, status: int, reason: str, headers: dict[str, str] | None = None
) -> Response:
    """A friendly page saying why there is nothing here, and nothing about the link."""
    return templates.TemplateResponse(
        request, "message.html", {"reason": reason}, status_code=status, headers=headers
    )
