"""OAuth 2 endpoints: the authorization-code flow with PKCE, refresh and token exchange."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

from . import tokens
from .faults import observe
from .settings import Settings
from .state import AuthCode, World, random_text

DEFAULT_LOGIN = "producer@example.com"


def make_router(world: World, settings: Settings) -> APIRouter:
    """The /oauth2/authorize and /oauth2/token endpoints."""
    router = APIRouter()

    @router.get("/oauth2/authorize")
    async def authorize(request: Request) -> Response:
        """With `login_hint` (tests, the demo loader) approve at once as that account;
        without, show the consent page a person answers."""
        if (fault := await observe(world, "oauth2/authorize")) is not None:
            return fault
        params = dict(request.query_params)
        if problem := authorize_problem(params):
            return PlainTextResponse(f"invalid_request: {problem}", status_code=400)
        if not params.get("login_hint"):
            return consent_page(params)
        return approve(world, settings, params)

    @router.post("/oauth2/authorize")
    async def decide(request: Request) -> Response:
        """The consent page's answer: Allow as the address given, or Cancel."""
        form = dict(parse_qsl((await request.body()).decode()))
        return decided(world, settings, form)

    @router.post("/oauth2/token")
    async def token(request: Request) -> Response:
        if (fault := await observe(world, "oauth2/token")) is not None:
            return fault
        form = dict(parse_qsl((await request.body()).decode()))
        with world.lock:
            return exchange(world, settings, form)

    return router


def approve(world: World, settings: Settings, params: Mapping[str, str]) -> Response:
    """A code for the `login_hint` account, sent back to the app's redirect URI (or shown)."""
    with world.lock:
        code = new_code(world, settings, params)
    if not (redirect_uri := params.get("redirect_uri")):
        # Without a redirect URI Dropbox shows the code for the user to paste.
        return PlainTextResponse(code)
    target = with_query(redirect_uri, {"code": code, "state": params.get("state")})
    return RedirectResponse(target, status_code=302)


def decided(world: World, settings: Settings, form: Mapping[str, str]) -> Response:
    """Back to the app with a code (Allow, as the address given) or access_denied."""
    params = {key: value for key, value in form.items() if key not in ("decision", "email")}
    if problem := authorize_problem(params):
        return PlainTextResponse(f"invalid_request: {problem}", status_code=400)
    if form.get("decision") != "allow":
        target = params.get("redirect_uri")
        if not target:
            return PlainTextResponse("access_denied")
        denied = {"error": "access_denied", "state": params.get("state")}
        return RedirectResponse(with_query(target, denied), status_code=302)
    return approve(world, settings, params | {"login_hint": form.get("email") or DEFAULT_LOGIN})


def consent_page(params: Mapping[str, str]) -> HTMLResponse:
    """Dropbox's "allow this app?" page: the scopes asked for, an address to sign in as."""
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in params.items()
    )
    scopes = "".join(
        f"<li>{escape(s)}</li>" for s in (params.get("scope") or tokens.SCOPES).split()
    )
    return HTMLResponse(
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Allow access - Dropbox (emulator)</title></head><body><main>"
        f"<h1>{escape(params['client_id'])} would like to access your Dropbox</h1>"
        f"<p>It asks to:</p><ul>{scopes}</ul>"
        f'<form method="post" action="/oauth2/authorize">{hidden}'
        f'<label>Signed in as <input name="email" type="email" value="{DEFAULT_LOGIN}" required>'
        '</label> <button name="decision" value="allow">Allow</button> '
        '<button name="decision" value="cancel" formnovalidate>Cancel</button></form>'
        "</main></body></html>"
    )


def authorize_problem(params: Mapping[str, str]) -> str | None:
    """Why an authorize request is invalid, or None."""
    if params.get("response_type") != "code":
        return "response_type must be 'code'"
    if not params.get("client_id"):
        return "client_id is missing"
    if not params.get("code_challenge"):
        return "code_challenge is missing (this emulator only does PKCE)"
    if params.get("code_challenge_method") != "S256":
        return "code_challenge_method must be 'S256'"
    return None


def new_code(world: World, settings: Settings, params: Mapping[str, str]) -> str:
    """A code approving access for the `login_hint` account, made if new."""
    account = world.ensure_account(params.get("login_hint") or DEFAULT_LOGIN)
    code = random_text(43)
    world.codes[code] = AuthCode(
        account_id=account.account_id,
        client_id=params["client_id"],
        challenge=params["code_challenge"],
        redirect_uri=params.get("redirect_uri"),
        scope=params.get("scope") or tokens.SCOPES,
        offline=params.get("token_access_type") != "online",
        expires_at=world.clock() + settings.auth_code_ttl_s,
    )
    return code


def exchange(world: World, settings: Settings, form: Mapping[str, str]) -> Response:
    """Answer a token request for either grant type."""
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        return exchange_code(world, settings, form)
    if grant_type == "refresh_token":
        issued = tokens.refresh(
            world,
            form.get("refresh_token", ""),
            form.get("client_id", ""),
            settings.access_token_ttl_s,
        )
        if issued is None:
            return oauth_error("invalid_grant", "refresh token is invalid or revoked")
        return JSONResponse(
            {
                "access_token": issued.access_token,
                "token_type": "bearer",
                "expires_in": issued.expires_in,
            }
        )
    return oauth_error("unsupported_grant_type", f"unknown grant_type {grant_type!r}")


def exchange_code(world: World, settings: Settings, form: Mapping[str, str]) -> Response:
    """Trade a single-use code and its PKCE verifier for tokens."""
    code = world.codes.pop(form.get("code", ""), None)
    if code is None or code.expires_at <= world.clock():
        return oauth_error("invalid_grant", "code doesn't exist or has expired")
    if form.get("client_id") != code.client_id:
        return oauth_error("invalid_grant", "client_id doesn't match the authorization")
    if not hmac.compare_digest(challenge_of(form.get("code_verifier", "")), code.challenge):
        return oauth_error("invalid_grant", "invalid code verifier")
    if "redirect_uri" in form and form["redirect_uri"] != code.redirect_uri:
        return oauth_error("invalid_grant", "redirect_uri mismatch")
    account = world.accounts[code.account_id]
    refresh_token = (
        tokens.grant(world, account, code.client_id, code.scope) if code.offline else None
    )
    issued = tokens.issue(world, account, settings.access_token_ttl_s, refresh_token)
    body: dict[str, Any] = {
        "access_token": issued.access_token,
        "token_type": "bearer",
        "expires_in": issued.expires_in,
        "scope": code.scope,
        "uid": account.uid,
        "account_id": account.account_id,
    }
    if refresh_token is not None:
        body["refresh_token"] = refresh_token
    return JSONResponse(body)


def challenge_of(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier: unpadded base64url of its SHA-256."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def oauth_error(error: str, description: str) -> Response:
    """A 400 token-endpoint error; the SDK turns `invalid_grant` into AuthError."""
    return JSONResponse({"error": error, "error_description": description}, status_code=400)


def with_query(url: str, params: Mapping[str, str | None]) -> str:
    """`url` with `params` (those not None) added to its query string."""
    parts = urlsplit(url)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))
