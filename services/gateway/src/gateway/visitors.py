"""Who is visiting: a salted hash instead of an address, and link-preview bots told apart."""

import hashlib
import hmac
import re
from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

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


Network = IPv4Network | IPv6Network


def client_address(request: Request, trusted_proxies: Sequence[Network]) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy; then the
    right-most X-Forwarded-For hop no trusted proxy added (entries left of it are whatever
    the client chose to send, so they are never believed)."""
    hop = request.client.host if request.client else "unknown"
    forwarded = [entry.strip() for entry in request.headers.get("x-forwarded-for", "").split(",")]
    for reported in reversed([entry for entry in forwarded if entry]):
        if not _within(hop, trusted_proxies):
            return hop
        try:
            hop = str(ip_address(reported))
        except ValueError:
            return hop  # the proxy passed on garbage: the proxy is all we know
    return hop


def _within(address: str, networks: Sequence[Network]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def rate_limit_bucket(address: str) -> str:
    """Whom a guessing budget belongs to: an IPv4 address, or an IPv6 /64 (one subscriber
    is handed a whole /64, and could otherwise take a fresh address per request)."""
    try:
        parsed = ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def visitor_id(address: str, user_agent: str | None, salt: str) -> str:
    """A stable, salted id for one person (address and browser), revealing neither."""
    message = f"{address}|{user_agent or ''}".encode()
    return hmac.new(salt.encode(), message, hashlib.sha256).hexdigest()[:32]
