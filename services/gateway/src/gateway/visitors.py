"""Who is visiting: a salted hash instead of an address, and link-preview bots told apart."""

import hashlib
import hmac
import re

from fastapi import Request

# Link-preview fetchers and crawlers: they get the page, but their fetch is no view.
_BOTS = re.compile(
    r"bot\b|bot/|crawler|spider|preview|slackbot|facebookexternalhit|facebot|twitterbot|"
    r"whatsapp|applebot|discordbot|telegrambot|linkedinbot|skypeuripreview|embedly|"
    r"pinterest|redditbot|googlebot|bingbot|vkshare|w3c_validator|quora link preview|"
    r"outbrain|nuzzel|bitlybot|tumblr|mastodon|iframely|headlesschrome|curl/|wget/|"
    r"python-requests|python-httpx|go-http-client",
    re.IGNORECASE,
)


def is_preview_bot(user_agent: str | None) -> bool:
    """Whether the request comes from a link-preview bot or an automated client."""
    return not user_agent or bool(_BOTS.search(user_agent))


def client_address(request: Request, trust_forwarded_for: bool) -> str:
    """The client's address (from X-Forwarded-For only when configured to trust it)."""
    forwarded = request.headers.get("x-forwarded-for")
    if trust_forwarded_for and forwarded:
        return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


def visitor_id(address: str, user_agent: str | None, salt: str) -> str:
    """A stable, salted id for one person (address and browser), revealing neither."""
    message = f"{address}|{user_agent or ''}".encode()
    return hmac.new(salt.encode(), message, hashlib.sha256).hexdigest()[:32]
