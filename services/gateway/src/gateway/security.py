"""Headers on every gateway response: no caching, no referrer, no indexing, a strict CSP."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Previews stream from the gateway itself; the player script asks it for fresh preview URLs.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
# The console's forms post to the console itself, and nowhere else.
CONSOLE_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "form-action 'none'", "form-action 'self'"
)
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}


class SecurityHeaders:
    """ASGI middleware adding the share headers of DESIGN §6 to every response (the
    console's forms may post). Plain ASGI: it runs on every share page and download."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = _raw_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                message["headers"] = [(k, v) for k, v in headers if k.lower() not in _OURS] + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


def headers_for(path: str) -> dict[str, str]:
    """The headers a response to `path` carries: the console's or the share pages'."""
    return _CONSOLE if path.startswith("/console") else HEADERS


def _raw_for(path: str) -> list[tuple[bytes, bytes]]:
    return _CONSOLE_HEADERS if path.startswith("/console") else _SHARE_HEADERS


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


_SHARE_HEADERS = _raw(HEADERS)
# No share token in the console's URLs; and a browser told "no-referrer" sends
# `Origin: null`, which the console's origin check refuses.
_CONSOLE = HEADERS | {
    "Content-Security-Policy": CONSOLE_CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "same-origin",
}
_CONSOLE_HEADERS = _raw(_CONSOLE)
# The names both sets carry: an app's own value of one is replaced, not repeated.
_OURS = frozenset(name for name, _ in _CONSOLE_HEADERS)
