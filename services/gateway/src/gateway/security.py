"""Headers on every gateway response: no caching, no referrer, no indexing, a strict CSP."""

from collections.abc import Awaitable, Callable

from fastapi import Request, Response

# Previews stream from the gateway itself; the player script asks it for fresh preview URLs.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}


async def security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Add the share headers of DESIGN §6 to the response."""
    response = await call_next(request)
    response.headers.update(HEADERS)
    return response
