"""Dropbox OAuth 2 code flow with PKCE and offline access, spread over two HTTP requests.

The SDK's flow keeps its CSRF token and PKCE verifier in memory; the service keeps them
in Redis between `/connect` and `/callback`, so any instance can finish the flow.
"""

from dataclasses import dataclass

import requests  # noqa: TID251 - the SDK's transport
from dropbox import DropboxOAuth2Flow
from dropbox.oauth import OAuth2FlowResult

from dropbox_service.settings import Settings

CSRF_KEY = "csrf"


@dataclass(frozen=True)
class Authorization:
    """Where to send the producer, and what to keep until Dropbox sends them back."""

    url: str
    state: str
    code_verifier: str


def _flow(settings: Settings, session: requests.Session, csrf: str | None) -> DropboxOAuth2Flow:
    secret = settings.dropbox_app_secret
    flow = DropboxOAuth2Flow(
        settings.dropbox_app_key,
        settings.dropbox_redirect_uri,
        {CSRF_KEY: csrf} if csrf else {},
        CSRF_KEY,
        consumer_secret=secret.get_secret_value() if secret else None,
        use_pkce=True,
        token_access_type="offline",
        scope=settings.dropbox_scopes,
    )
    flow.requests_session = session  # carries the CA settings of make_session
    return flow


def start(settings: Settings, session: requests.Session) -> Authorization:
    """A fresh authorize URL with its single-use state and PKCE verifier."""
    flow = _flow(settings, session, None)
    url: str = flow.start()
    return Authorization(url=url, state=flow.session[CSRF_KEY], code_verifier=flow.code_verifier)


def finish(
    settings: Settings, session: requests.Session, state: str, code_verifier: str, code: str
) -> OAuth2FlowResult:
    """Exchange the code for tokens (blocking: run it in the pool)."""
    flow = _flow(settings, session, state)
    flow.code_verifier = code_verifier
    return flow.finish({"code": code, "state": state})
