"""Links read from link-service by token, with a cache shorter than the revocation bound.

A link is reused for at most `ttl_s` (under a second, DESIGN §6), so a revoke shows within
it with Kafka healthy or not; share.revoked drops it at once when Kafka delivers. Status
is computed from the clock on every read, never taken from the cached copy.
"""

import httpx
from contracts.links import InternalLink
from pydantic import ValidationError
from service_kit.auth import internal_client
from service_kit.caching import Flights, Recent
from service_kit.problems import problem_code

from gateway.settings import Settings


class LinkServiceUnavailable(Exception):
    """link-service could not be reached, or failed."""


class LinkSource:
    """`GET /internal/links/by-token/{token}` of link-service, cached under a second."""

    def __init__(self, settings: Settings) -> None:
        self.client = internal_client(settings, settings.link_service_url, timeout_s=5.0)
        self.ttl_s = settings.link_cache_ttl_s
        self._cache: Recent[str, InternalLink | None] = Recent(
            settings.link_cache_size, on_evict=self._forget_token
        )
        self._token_of: dict[str, str] = {}
        self._lookups: Flights[str, InternalLink | None] = Flights()

    async def get(self, token: str) -> InternalLink | None:
        """The link behind `token`, or None when there is none (its status is the caller's
        to compute, `InternalLink.status`)."""
        cached = self._cache.entry(token)
        if cached and cached.age_s < self.ttl_s:
            return cached.value
        # One lookup per token at a time: the requests that find the cache stale together
        # (a popular link, every half second) wait for the same answer.
        return await self._lookups.join(token, lambda: self._fetch_and_remember(token))

    async def _fetch_and_remember(self, token: str) -> InternalLink | None:
        link = await self._fetch(token)
        self._remember(token, link)
        return link

    def found_before(self, token: str) -> bool:
        """Whether `token` was a link when last looked up (however long ago, while the cache
        remembers it): opening it again is no guess."""
        cached = self._cache.entry(token)
        return cached is not None and cached.value is not None

    async def aclose(self) -> None:
        """Close the client."""
        await self.client.aclose()

    def forget(self, link_id: str) -> None:
        """Drop a link from the cache (on share.revoked)."""
        token = self._token_of.pop(link_id, None)
        if token is not None:
            self._cache.pop(token)

    async def _fetch(self, token: str) -> InternalLink | None:
        try:
            answer = await self.client.get(f"/internal/links/by-token/{token}")
        except httpx.TransportError as error:
            raise LinkServiceUnavailable(type(error).__name__) from error
        if problem_code(answer) == "link_not_found":
            return None
        if answer.status_code != 200:  # never the URL: it carries the token
            raise LinkServiceUnavailable(f"link-service answered {answer.status_code}")
        try:
            return InternalLink.model_validate_json(answer.content)
        except ValidationError as error:
            raise LinkServiceUnavailable("link-service answered an unreadable link") from error

    def _remember(self, token: str, link: InternalLink | None) -> None:
        self._cache.put(token, link)
        if link:
            self._token_of[link.id] = token

    def _forget_token(self, link: InternalLink | None) -> None:
        if link:
            self._token_of.pop(link.id, None)
