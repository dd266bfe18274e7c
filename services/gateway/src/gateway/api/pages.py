"""Public share pages, previews and downloads (DESIGN §6); what refuses one is answered in
api/problems.py."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from gateway.context import GatewayContext, GatewayDep
from gateway.domain import client_address, visitor_id
from gateway.models import ListeningReport
from gateway.service import Refusal, Seen
from gateway.visitors import visitor

# A report is a few fields; anything longer is not one.
MOST_REPORT_BYTES = 1024

router = APIRouter(include_in_schema=False)


@router.api_route("/s/{token}", methods=["GET", "HEAD"])
async def share_page(token: str, request: Request, context: GatewayDep) -> Response:
    """The share page; a person's GET of an active link counts as a view."""
    link = await context.shares.open(token, _client(request, context))
    seen = _seen(request, context) if request.method == "GET" else None
    return HTMLResponse(await context.shares.page(link, seen))


@router.get("/s/{token}/previews")
async def fresh_previews(token: str, request: Request, context: GatewayDep) -> Response:
    """New signed preview URLs for a page open longer than they live; counts nothing."""
    link = await context.shares.open(token, _client(request, context))
    return JSONResponse({"previews": context.shares.previews(link)})


@router.get("/s/{token}/files/{file_id}/download")
async def download(token: str, file_id: str, request: Request, context: GatewayDep) -> Response:
    """302 to a temporary link when the file's type may be downloaded; counts a download."""
    link = await context.shares.open(token, _client(request, context))
    url = await context.shares.download(link, file_id, _seen(request, context))
    return RedirectResponse(url, status_code=302)


@router.post("/s/{token}/listening", status_code=204)
async def listening(token: str, request: Request, context: GatewayDep) -> Response:
    """A player's report of how far a listen got (navigator.sendBeacon, any content type);
    a script or a bot counts nothing (204 all the same)."""
    link = await context.shares.open(token, _client(request, context))
    try:
        report = ListeningReport.model_validate_json(await _short_body(request))
    except ValidationError as error:
        raise Refusal(422, "bad_report") from error
    if (seen := _seen(request, context)).person:
        await context.shares.listening(link, report, seen)
    return Response(status_code=204)


@router.get("/s/{token}/files/{file_id}/preview")
async def preview(
    token: str, file_id: str, request: Request, context: GatewayDep, exp: str = "", sig: str = ""
) -> Response:
    """The bytes of a track's player file, streamed (ranges too), downloads allowed or not."""
    link = await context.shares.open(token, _client(request, context))
    return await context.shares.preview(link, file_id, exp, sig, request.headers.get("range"))


async def _short_body(request: Request) -> bytes:
    """The body, read no further than MOST_REPORT_BYTES (413 past it)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MOST_REPORT_BYTES:
            raise Refusal(413, "bad_report")
    return body


def _client(request: Request, context: GatewayContext) -> str:
    return client_address(request, context.settings.trusted_proxy_networks)


def _seen(request: Request, context: GatewayContext) -> Seen:
    """Who made the request, as events tell it: the salted visitor id, whether a person,
    their device and country (the address is looked up and dropped)."""
    address, user_agent = _client(request, context), request.headers.get("user-agent")
    who = visitor(address, user_agent)
    salt = context.settings.visitor_salt.get_secret_value()
    return Seen(visitor_id(address, user_agent, salt), not who.bot, who.device, who.country)
