"""The gateway's pure rules (no clock, no I/O: the time is passed in): which file a track's
player plays and its signed preview URL, what a share page shows, and who is visiting (a
salted hash instead of an address, the client behind trusted proxies, whose guessing budget
an address spends; bots, devices and countries are visitors.py's)."""

import hmac
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any, Literal
from urllib.parse import urlsplit
from uuid import UUID, uuid5

from contracts.clock import unix_s
from contracts.events import Milestone
from contracts.ids import keyed_digest
from contracts.links import InternalLink, LinkFile, LinkTrack
from fastapi import Request

# Browser-playable formats, the most compact first: that is the one a player streams.
MEDIA_TYPES = {
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
    "flac": "audio/flac",
    "wav": "audio/wav",
}


def preview_file(track: LinkTrack) -> LinkFile | None:
    """The file the track's player plays: its bounce in the most compact playable format."""
    bounces = [f for f in track.files if f.role == "bounce" and f.format in MEDIA_TYPES]
    ranked = list(MEDIA_TYPES)
    return min(bounces, key=lambda f: ranked.index(f.format), default=None)


# A preview URL's parameters as we write them: ASCII digits, and 32 hex digits (str.isdigit
# and int() take other scripts' digits too, and compare_digest refuses non-ASCII text).
_EXPIRY = re.compile(r"[0-9]{1,11}")
_SIGNATURE = re.compile(r"[0-9a-f]{32}")


def expiry_of(text: str) -> int | None:
    """A preview URL's `exp`, when it is one we could have written."""
    return int(text) if _EXPIRY.fullmatch(text) else None


class Signer:
    """Signs and checks preview URLs with the gateway's preview secret."""

    def __init__(self, secret: str, ttl_s: int) -> None:
        self.secret = secret.encode()
        self.ttl_s = ttl_s

    def url(self, token: str, link_id: str, file_id: str, now: datetime) -> str:
        """The signed preview URL of one file, valid for `ttl_s` from `now`."""
        expires = unix_s(now) + self.ttl_s
        return (
            f"/s/{token}/files/{file_id}/preview"
            f"?exp={expires}&sig={self._sign(link_id, file_id, expires)}"
        )

    def valid(
        self, link_id: str, file_id: str, expires: int, signature: str, now: datetime
    ) -> bool:
        """Whether the signature is ours for this link, file and expiry, and not expired at
        `now`."""
        if not _SIGNATURE.fullmatch(signature) or not 0 <= expires - now.timestamp() <= self.ttl_s:
            return False
        return hmac.compare_digest(self._sign(link_id, file_id, expires), signature)

    def _sign(self, link_id: str, file_id: str, expires: int) -> str:
        message = f"{link_id}\n{file_id}\n{expires}".encode()
        return keyed_digest(self.secret, message, 32)


# A host name as a browser and httpx read it alike: no backslash, space or other character
# that one parser takes for the end of the host and another does not.
HOST_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_URL_CHARACTERS = re.compile(r"[!-~]+")


def is_temporary_link(url: str, hosts: Sequence[str]) -> bool:
    """Whether `url` is an https URL without user info on one of `hosts` (`*.name`: any host
    under name): a temporary link the gateway may read or send a visitor to."""
    if not _URL_CHARACTERS.fullmatch(url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port that is no number raises)
    except ValueError:
        return False
    host = parts.hostname or ""
    if parts.scheme != "https" or "@" in parts.netloc or not HOST_NAME.fullmatch(host):
        return False
    return any(host == h or (h.startswith("*.") and host.endswith(h[1:])) for h in hosts)


def human_size(size: int) -> str:
    """1536 → '1.5 KB'."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def page_of(link: InternalLink, preview_url: Callable[[str], str]) -> dict[str, Any]:
    """The page's model: title, message, and per track its player and download buttons.
    `preview_url` signs the player's address of a file id."""
    base = f"/s/{link.token}/files"
    tracks = []
    for track in link.tracks:
        playable = preview_file(track)
        downloads = [
            {
                "name": f.name,
                "format": f.format.upper() or "FILE",
                "size": human_size(f.size),
                "url": f"{base}/{f.file_id}/download",
            }
            for f in track.files
            if f.type in link.downloads
        ]
        tracks.append(
            {
                "title": track.title,
                "artist": track.artist,
                "version": track.version,
                "preview_url": preview_url(playable.file_id) if playable else None,
                "preview_file": playable.file_id if playable else None,
                "downloads": downloads,
            }
        )
    artists = list(dict.fromkeys(t.artist for t in link.tracks))
    first = link.tracks[0].title if link.tracks else "Shared music"
    return {
        "title": link.title or first,
        "message": link.message,
        "kind": link.kind,
        "tracks": tracks,
        "artists": ", ".join(artists),
        "listening_only": not link.downloads,
    }


Network = IPv4Network | IPv6Network


def client_address(request: Request, trusted_proxies: Sequence[Network]) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy; then the
    right-most X-Forwarded-For hop no trusted proxy added (entries left of it are whatever
    the client chose to send, so they are never believed). Every X-Forwarded-For line
    counts, in order: a proxy may append a line of its own after the client's."""
    hop = request.client.host if request.client else "unknown"
    lines = ",".join(request.headers.getlist("x-forwarded-for"))
    forwarded = [entry.strip() for entry in lines.split(",")]
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
    return keyed_digest(salt.encode(), message, 32)


# DESIGN §16: a listen reached 30 s (or the end of a shorter track); a completion 95 %.
LISTEN_S = 30.0
COMPLETION = 0.95
# The namespace of play event ids: one id per link, listen and milestone, whoever sends it.
PLAYS = UUID("5b0e3c4e-7f39-4c3f-9d0a-4f2a8a1f6c21")


def milestones_of(
    event: Literal["play", "progress", "ended"], position_s: float, duration_s: float | None
) -> list[Milestone]:
    """The milestones a listening report shows reached. Every report shows its listen
    started (so a lost first beacon loses no play); the end of a track is past both."""
    reached: list[Milestone] = ["started"]
    if event == "ended" or position_s >= LISTEN_S:
        reached.append("30s")
    if event == "ended" or (duration_s and position_s >= COMPLETION * duration_s):
        reached.append("95pct")
    return reached


def play_event_id(link_id: str, listen_id: UUID, milestone: Milestone) -> UUID:
    """The same event id for the same milestone of the same listen, however often and by
    whichever instance it is reported: analytics-service counts an event id once."""
    return uuid5(PLAYS, f"{link_id}|{listen_id}|{milestone}")
