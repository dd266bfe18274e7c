"""Headers on every gateway response: no caching, no referrer, no indexing, a strict CSP."""

from collections.abc import Awaitable, Callable

from fastapi import Request, Response

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


async def security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Add the share headers of DESIGN §6 to the response (the console's forms may post)."""
    response = await call_next(request)
    response.headers.update(HEADERS)
    if request.url.path.startswith("/console"):
        response.headers["Content-Security-Policy"] = CONSOLE_CONTENT_SECURITY_POLICY
        # No share token in its URLs; and a browser told "no-referrer" sends `Origin: null`,
        # which the console's origin check refuses.
        response.headers["Referrer-Policy"] = "same-origin"
    return response
