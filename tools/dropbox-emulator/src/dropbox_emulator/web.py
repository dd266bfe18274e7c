"""Dropbox's web side, as far as a collaborator needs it: sign in, then open what was shared.

`GET /login?email=&next=` signs in (or signs up) as that address: there are no passwords
here. `/scl/fo/<shared folder id>` lists a shared folder's files and `/scl/fi/<file>` shows
a shared file (`?dl=1` downloads it), each with download links, to its owner and members
only.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .links import serve
from .members import level_of
from .state import Account, Node, Share, World
from .tree import children, node_by_id

SESSION = "emulator_session"


def make_router(world: World) -> APIRouter:
    """The sign-in page and the shared folder and file pages."""
    router = APIRouter()
    router.include_router(_sign_in_router(world))
    router.include_router(_shared_file_router(world))

    @router.get("/scl/fo/{shared_folder_id}")
    def shared_folder(shared_folder_id: str, request: Request) -> Response:
        with world.lock:
            found = _granted(world, world.folder_shares.get(shared_folder_id), request)
            if not isinstance(found, tuple):
                return found
            folder, owner = found
            inside = [n for n in children(owner, folder.path_lower, True) if not n.is_folder]
            names = [n.path_display[len(folder.path_display) + 1 :] for n in inside]
        base = f"/scl/fo/{shared_folder_id}/file?path="
        return _page(folder.name, [(name, base + quote(name)) for name in names])

    @router.get("/scl/fo/{shared_folder_id}/file")
    def shared_folder_file(shared_folder_id: str, path: str, request: Request) -> Response:
        with world.lock:
            share = world.folder_shares.get(shared_folder_id)
            found = _granted(world, share, request)
            if not isinstance(found, tuple):
                return found
            folder, owner = found
            node = owner.nodes.get(f"{folder.path_lower}/{path.lower().strip('/')}")
        if node is None or node.is_folder:
            return HTMLResponse("No such file in this folder.", status_code=404)
        return serve(node, request.headers.get("range"))

    return router


def _shared_file_router(world: World) -> APIRouter:
    """GET /scl/fi/<file>: a shared file's page, or its bytes with ?dl=1."""
    router = APIRouter()

    @router.get("/scl/fi/{key}")
    def shared_file(key: str, request: Request, dl: int = 0) -> Response:
        with world.lock:
            found = _granted(world, world.file_shares.get("id:" + key), request)
        if not isinstance(found, tuple):
            return found
        if dl:  # as Dropbox's shared links: ?dl=1 downloads
            return serve(found[0], request.headers.get("range"))
        return _page(found[0].name, [(found[0].name, f"/scl/fi/{key}?dl=1")])

    return router


def _sign_in_router(world: World) -> APIRouter:
    """GET /login: sign in or sign up as an address, then go back to `next`."""
    router = APIRouter()

    @router.get("/login")
    def login(email: str | None = None, next: str = "/") -> Response:
        if not email:
            return HTMLResponse(
                "<!doctype html><title>Sign in - Dropbox</title><form method=get>"
                "<label>Email <input name=email type=email required></label>"
                f'<input type=hidden name=next value="{escape(next)}">'
                "<button>Sign in or create an account</button></form>"
            )
        with world.lock:
            world.ensure_account(email)
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        answer = RedirectResponse(target, status_code=302)
        answer.set_cookie(SESSION, email.lower(), httponly=True, secure=True, samesite="lax")
        return answer

    return router


Found = tuple[Node, Account] | Response


def _granted(world: World, share: Share | None, request: Request) -> Found:
    """The shared node and its owner's account when the signed-in visitor may see it; else
    the sign-in redirect, or a 404 that tells a stranger nothing."""
    email = request.cookies.get(SESSION)
    if email is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': here})}", status_code=302)
    visitor = world.account_by_email(email)
    if share is not None and visitor is not None:
        owner = world.accounts[share.owner_id]
        node = node_by_id(owner, share.node_id)
        if node is not None and level_of(share, owner, visitor) is not None:
            return node, owner
    return HTMLResponse("This shared item does not exist, or not for you.", status_code=404)


def _page(title: str, files: list[tuple[str, str]]) -> HTMLResponse:
    items = "".join(f'<li><a href="{escape(url)}">{escape(name)}</a></li>' for name, url in files)
    return HTMLResponse(
        f"<!doctype html><title>{escape(title)} - Dropbox</title>"
        f'<h1>{escape(title)}</h1><ul class="files">{items}</ul>'
    )
