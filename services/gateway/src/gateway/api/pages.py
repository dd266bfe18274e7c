"""Public share pages, previews and downloads (DESIGN §6); what refuses one is answered in
api/problems.py."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from gateway.context import GatewayContext, GatewayDep
from gateway.domain import client_address, visitor_id
from gateway.visitors import is_bot

router = APIRouter(include_in_schema=False)


@router.api_route("/s/{token}", methods=["GET", "HEAD"])
async def share_page(token: str, request: Request, context: GatewayDep) -> Response:
    """The share page; a person's GET of an active link counts as a view."""
    link = await context.shares.open(token, _client(request, context))
    person = request.method == "GET" and not is_bot(request.headers.get("user-agent"))
    html = await context.shares.page(link, _visitor(request, context) if person else None)
    return HTMLResponse(html)


@router.get("/s/{token}/previews")
async def fresh_previews(token: str, request: Request, context: GatewayDep) -> Response:
    """New signed preview URLs for a page open longer than they live; counts nothing."""
    link = await context.shares.open(token, _client(request, context))
    return JSONResponse({"previews": context.shares.previews(link)})


@router.get("/s/{token}/files/{file_id}/download")
async def download(token: str, file_id: str, request: Request, context: GatewayDep) -> Response:
    """302 to a temporary link when the file's type may be downloaded; counts a download."""
    link = await context.shares.open(token, _client(request, context))
    url = await context.shares.download(link, file_id, _visitor(request, context))
    return RedirectResponse(url, status_code=302)


@router.get("/s/{token}/files/{file_id}/preview")
async def preview(
    token: str, file_id: str, request: Request, context: GatewayDep, exp: str = "", sig: str = ""
) -> Response:
    """The bytes of a track's player file, streamed (ranges too), downloads allowed or not."""
    link = await context.shares.open(token, _client(request, context))
    return await context.shares.preview(link, file_id, exp, sig, request.headers.get("range"))


def _client(request: Request, context: GatewayContext) -> str:
    return client_address(request, context.settings.trusted_proxy_networks)


def _visitor(request: Request, context: GatewayContext) -> str:
    salt = context.settings.visitor_salt.get_secret_value()
    return visitor_id(_client(request, context), request.headers.get("user-agent"), salt)
