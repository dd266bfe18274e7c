"""Who is signed in to the console, and proof that a form came from one of its pages.

The producer's JWT lives in an HttpOnly, SameSite=Lax cookie (Secure outside development),
so page scripts never see it. Every state-changing request carries a CSRF token: an HMAC
of the session's JWT under `CONSOLE_SECRET`, so it needs no server state, changes with each
sign-in and cannot be computed by another site. POSTs from another origin are refused too.
"""

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from contracts.auth import InvalidToken, Principal, decode_producer_token
from contracts.clock import unix_s
from contracts.ids import keyed_digest
from fastapi import Depends, Request, Response

from gateway.settings import Settings

COOKIE = "console_session"
CSRF_FIELD = "csrf"


class SignedOut(Exception):
    """No valid session: the console sends the browser to sign in."""


class Forbidden(Exception):
    """A state-changing request without a valid CSRF token, or from another origin."""


@dataclass(frozen=True)
class Session:
    """The signed-in producer, the JWT the console calls the services with, and the CSRF
    token its forms carry."""

    producer: Principal
    token: str
    csrf: str


def csrf_token(settings: Settings, jwt: str) -> str:
    """The CSRF token of the session holding `jwt`."""
    key = settings.console_secret.get_secret_value().encode()
    return keyed_digest(key, jwt.encode(), 40)


def open_session(settings: Settings, jwt: str) -> Session:
    """The session of a producer JWT; SignedOut when it is not valid."""
    try:
        producer = decode_producer_token(jwt, settings.token_policy)
    except InvalidToken as error:
        raise SignedOut(str(error)) from error
    return Session(producer, jwt, csrf_token(settings, jwt))


def remember(
    response: Response, settings: Settings, jwt: str, expires_at: int, now: datetime
) -> None:
    """Keep `jwt` in the session cookie until it expires (`expires_at`, Unix seconds)."""
    response.set_cookie(
        COOKIE,
        jwt,
        max_age=max(0, expires_at - unix_s(now)),
        path="/console",
        httponly=True,
        secure=not settings.development,
        samesite="lax",
    )


def forget(response: Response) -> None:
    """End the session."""
    response.delete_cookie(COOKIE, path="/console")


def check_origin(request: Request, *allowed: str | None) -> None:
    """Refuse a request that does not say it comes from a page of the console's origin
    (Origin, else Referer; every browser sends one of them with a form's POST), or of one of
    `allowed`. The console's origin is PUBLIC_BASE_URL's, behind a TLS ingress too."""
    settings: Settings = request.app.state.gateway.settings
    own = settings.public_origin or f"{request.url.scheme}://{request.url.netloc}".lower()
    sent = request.headers.get("origin") or _origin_of(request.headers.get("referer"))
    if sent is None:
        raise Forbidden("neither Origin nor Referer")
    if sent.lower() not in {own, *(a.lower() for a in allowed if a)}:
        raise Forbidden(f"request from {sent}")


def _origin_of(url: str | None) -> str | None:
    if not url:
        return None
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}" if rest else None


def current_session(request: Request) -> Session:
    """The session of the cookie; SignedOut without a valid one."""
    jwt = request.cookies.get(COOKIE)
    if not jwt:
        raise SignedOut("no session")
    return open_session(request.app.state.gateway.settings, jwt)


async def changing_session(request: Request) -> Session:
    """The session of a state-changing request, which must come from a console page and
    carry the session's CSRF token (every change is a form)."""
    session = current_session(request)
    check_origin(request)
    given = str((await request.form()).get(CSRF_FIELD, ""))
    if not hmac.compare_digest(given.encode(), session.csrf.encode()):
        raise Forbidden("missing or wrong CSRF token")
    return session


ConsoleSession = Annotated[Session, Depends(current_session)]
ChangingSession = Annotated[Session, Depends(changing_session)]
