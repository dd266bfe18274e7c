"""The other services and Dropbox, as the gateway calls them, all through
`service_kit.service_client` (its one mapping of answers to exceptions): link-service's
links by token and dropbox-service's temporary links for the share pages (the internal
token), every service's public API for the console (the producer's JWT), and the bytes of
a preview read from Dropbox."""

import logging
import re
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
from contracts.links import InternalLink
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from service_kit.caching import Cached
from service_kit.service_client import NotFound, Refused, ServiceClient, ServiceUnavailable

from gateway.domain import is_temporary_link
from gateway.settings import Settings

# Lists the console reads whole (the catalog for the grid): the services' largest page, and
# a bound.
PAGE_LIMIT = 200
MOST_ITEMS = 2000
# While a preview streams, the link's status is looked at again this often.
RECHECK_S = 0.5
_RANGE = re.compile(r"bytes=\d*-\d*")
_PASSED_ON = ("content-length", "content-range")
log = logging.getLogger(__name__)


class OwnerDisconnected(Exception):
    """The owner's Dropbox is not connected (any more)."""


class PreviewUnavailable(Exception):
    """Dropbox did not serve the file's bytes."""


def _internal(
    settings: Settings,
    service: str,
    base_url: str,
    timeout_s: float,
    transport: httpx.AsyncBaseTransport | None,
) -> ServiceClient:
    """A client of `service`'s `/internal/...` API, carrying the internal token."""
    return ServiceClient(
        service,
        base_url,
        timeout_s=timeout_s,
        connect_timeout_s=settings.service_connect_timeout_s,
        internal_token=settings.internal_token,
        transport=transport,
    )


class LinkService:
    """Links by token from link-service, reused for at most LINK_CACHE_TTL_S (under a
    second, DESIGN §6), so a revoke shows within it with Kafka healthy or not; share.revoked
    drops a link at once when Kafka delivers. The status is the caller's to compute from
    the clock on every read, never taken from the cached copy. Requests that find a token
    stale together (a popular link, every half second) wait for one lookup."""

    def __init__(
        self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.client = _internal(
            settings,
            "link-service",
            settings.link_service_url,
            settings.link_lookup_timeout_s,
            transport,
        )
        self._links: Cached[str, InternalLink | None] = Cached(
            settings.link_cache_size, settings.link_cache_ttl_s, on_evict=self._forget_token
        )
        # The tokens cached of each link id and recipient id, to drop them when revoked.
        self._tokens_of: dict[str, set[str]] = {}

    async def get(self, token: str) -> InternalLink | None:
        """The link behind `token`, or None when there is none."""
        return await self._links.get(token, lambda: self._fetch(token))

    def found_before(self, token: str) -> bool:
        """Whether `token` was a link when last looked up (however long ago, while the cache
        remembers it): opening it again is no guess."""
        cached = self._links.recent.entry(token)
        return cached is not None and cached.value is not None

    def forget(self, revoked_id: str) -> None:
        """Drop a link's tokens (a link id: on share.revoked), or one recipient's (a
        recipient id: on share.recipient.revoked), from the cache."""
        for token in self._tokens_of.pop(revoked_id, set()):
            self._links.pop(token)

    async def _fetch(self, token: str) -> InternalLink | None:
        try:
            answer = await self.client.call("GET", f"/internal/links/by-token/{token}")
        except NotFound as missing:
            if missing.code == "link_not_found":
                return None
            raise  # an unknown route: an outage, not "no link"
        try:
            link = InternalLink.model_validate(answer)
        except ValidationError as error:
            raise ServiceUnavailable("link-service", "answered an unreadable link") from error
        for revocable in _revocable_ids(link):
            self._tokens_of.setdefault(revocable, set()).add(token)
        return link

    def _forget_token(self, link: InternalLink | None) -> None:
        if link:
            for revocable in _revocable_ids(link):
                tokens = self._tokens_of.get(revocable, set())
                tokens.discard(link.token)
                if not tokens:
                    self._tokens_of.pop(revocable, None)

    async def aclose(self) -> None:
        """Close the client."""
        await self.client.aclose()


def _revocable_ids(link: InternalLink) -> tuple[str, ...]:
    """What revoking drops a cached token for: its link, and its recipient's token."""
    return (link.id,) if link.recipient_id is None else (link.id, link.recipient_id)


class DropboxService:
    """The owners' files on Dropbox: a temporary link from dropbox-service, reused for
    TEMPORARY_LINK_CACHE_S (dropbox-service hands out only links with hours left, so a
    download costs no call to it while its file stays hot; revocation and disconnection are
    checked on the share link before, every time), and the bytes behind one, relayed."""

    def __init__(
        self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.client = _internal(
            settings,
            "dropbox-service",
            settings.dropbox_service_url,
            settings.temporary_link_timeout_s,
            transport,
        )
        self._links: Cached[tuple[str, str], str] = Cached(
            settings.link_cache_size, settings.temporary_link_cache_s
        )
        self.content_hosts = settings.dropbox_content_host_names
        # With a look-alike's CA it trusts only that CA, whatever the environment's says.
        verify: ssl.SSLContext | bool = True
        if settings.dropbox_ca_file:
            verify = ssl.create_default_context(cafile=str(settings.dropbox_ca_file))
        self.content = httpx.AsyncClient(
            verify=verify,
            trust_env=settings.dropbox_ca_file is None,
            timeout=httpx.Timeout(
                settings.dropbox_read_timeout_s, connect=settings.service_connect_timeout_s
            ),
        )

    async def temporary_link(self, owner_id: str, path: str) -> str:
        """A Dropbox temporary link to the owner's file; OwnerDisconnected when the owner's
        Dropbox is not connected."""
        return await self._links.get((owner_id, path), lambda: self._ask(owner_id, path))

    async def _ask(self, owner_id: str, path: str) -> str:
        body = {"owner_id": owner_id, "path": path}
        try:
            answer = await self.client.call("POST", "/internal/temporary-links", json=body)
        except Refused as refused:
            if refused.code == "dropbox_not_connected":
                raise OwnerDisconnected(owner_id) from refused
            raise
        url = answer.get("url") if isinstance(answer, dict) else None
        if not isinstance(url, str) or not is_temporary_link(url, self.content_hosts):
            # Never the URL itself: it may be anyone's, or a working link to a file.
            log.warning("dropbox-service answered a temporary link off Dropbox's content hosts")
            raise ServiceUnavailable("dropbox-service", "answered a link off the content hosts")
        return url

    async def relay(
        self,
        url: str,
        byte_range: str | None,
        media_type: str,
        still_active: Callable[[], Awaitable[bool]],
    ) -> StreamingResponse:
        """Stream the file at `url` (one byte range of it, if asked) to the listener, so no
        Dropbox URL ever reaches them.

        Chunks pass through as they come, so memory stays flat whatever the file's size; the
        stream stops when the link stops being active (revoked or expired) mid-way.
        """
        headers = {"Range": byte_range} if byte_range and _RANGE.fullmatch(byte_range) else {}
        request = self.content.build_request("GET", url, headers=headers)
        try:
            upstream = await self.content.send(request, stream=True)
        except httpx.TransportError as error:
            raise PreviewUnavailable(type(error).__name__) from error
        if upstream.status_code not in (200, 206, 416):
            await upstream.aclose()
            raise PreviewUnavailable(f"Dropbox answered {upstream.status_code}")
        passed = {k: v for k, v in upstream.headers.items() if k.lower() in _PASSED_ON}
        return StreamingResponse(
            _chunks(upstream, still_active),
            status_code=upstream.status_code,
            media_type=media_type,
            headers=passed | {"Accept-Ranges": "bytes", "Content-Disposition": "inline"},
        )

    async def aclose(self) -> None:
        """Close both clients."""
        await self.client.aclose()
        await self.content.aclose()


async def _chunks(
    upstream: httpx.Response, still_active: Callable[[], Awaitable[bool]]
) -> AsyncIterator[bytes]:
    checked = time.monotonic()
    try:
        async for chunk in upstream.aiter_raw():  # as they arrive: at most a network read
            if time.monotonic() - checked >= RECHECK_S:
                if not await still_active():
                    return  # revoked or expired: the listener gets no more
                checked = time.monotonic()
            yield chunk
    finally:
        await upstream.aclose()


class ConsoleApi:
    """The services' public APIs, called with the signed-in producer's JWT (one origin, no
    CORS); one client per service, shared by every console request."""

    def __init__(
        self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        services = {
            "links": ("link-service", settings.link_service_url),
            "dropbox": ("dropbox-service", settings.dropbox_service_url),
            "notify": ("notify-service", settings.notify_service_url),
            "analytics": ("analytics-service", settings.analytics_service_url),
        }
        self.clients = {
            short: ServiceClient(
                name,
                url,
                timeout_s=settings.service_call_timeout_s,
                connect_timeout_s=settings.service_connect_timeout_s,
                transport=transport,
            )
            for short, (name, url) in services.items()
        }

    async def call(
        self,
        jwt: str,
        method: str,
        service: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """The JSON answer of `method path` on `service` as the producer of `jwt`."""
        return await self.clients[service].call(method, path, jwt=jwt, json=json, params=params)

    async def download(
        self, jwt: str, service: str, path: str, params: dict[str, Any]
    ) -> AsyncIterator[bytes]:
        """The body of `GET path` on `service` as the producer of `jwt`, as it comes."""
        async with self.clients[service].stream("GET", path, jwt=jwt, params=params) as answer:
            async for chunk in answer.aiter_bytes():
                yield chunk

    async def all_pages(self, jwt: str, service: str, path: str) -> list[Any]:
        """Every item of a list, page after page (the largest pages), up to MOST_ITEMS."""
        items: list[Any] = []
        cursor = None
        while len(items) < MOST_ITEMS:
            params = {"limit": PAGE_LIMIT} | ({"cursor": cursor} if cursor else {})
            page = await self.call(jwt, "GET", service, path, params=params)
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        return items

    async def aclose(self) -> None:
        """Close the clients."""
        for client in self.clients.values():
            await client.aclose()
