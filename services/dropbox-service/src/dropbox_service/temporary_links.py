"""Temporary links: one Dropbox call per file for hours, however many downloads ask.

A link lives 4 hours (Dropbox's rule). It is handed out again while it has at least
`temporary_link_reuse_min_s` left, well over the longest download; concurrent requests
for the same file in one process wait for the one call in flight, then read its result.
"""

import asyncio
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dropbox.exceptions import ApiError

from dropbox_service.dropbox_api import DropboxCalls
from dropbox_service.settings import Settings
from dropbox_service.store import Store

LINK_LIFETIME = timedelta(hours=4)
# Interactive callers wait at most this long for a Dropbox rate limit to pass.
RATE_LIMIT_BUDGET_S = 10.0


class FileNotFound(Exception):
    """The owner's Dropbox has no file at that path."""


@dataclass(frozen=True)
class TemporaryLink:
    """A direct download URL and the instant it stops working."""

    url: str
    expires_at: datetime


class TemporaryLinks:
    """Hands out cached temporary links and fetches missing ones once."""

    def __init__(self, settings: Settings, store: Store, calls: DropboxCalls) -> None:
        self.settings = settings
        self.store = store
        self.calls = calls
        # One lock per file being fetched; gone once nobody holds it.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def get(self, owner_id: str, path: str) -> TemporaryLink:
        """A link to the owner's file at `path`."""
        key = self.store.temporary_link_key(owner_id, path)
        if cached := await self._cached(key):
            return cached
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # the first caller fetches; the others find its link in the cache
            if cached := await self._cached(key):
                return cached
            return await self._fetch(key, owner_id, path)

    async def _cached(self, key: str) -> TemporaryLink | None:
        cached = await self.store.cached_link(key)
        if cached is None:
            return None
        return TemporaryLink(cached["url"], datetime.fromisoformat(cached["expires_at"]))

    async def _fetch(self, key: str, owner_id: str, path: str) -> TemporaryLink:
        requested_at = datetime.now(UTC)
        try:
            result = await self.calls.call(
                owner_id,
                lambda client: client.files_get_temporary_link(path),
                rate_limit_budget_s=RATE_LIMIT_BUDGET_S,
            )
        except ApiError as error:
            if error.error.is_path():
                raise FileNotFound(path) from error
            raise
        link = TemporaryLink(result.link, requested_at + LINK_LIFETIME)
        keep_s = int(LINK_LIFETIME.total_seconds()) - self.settings.temporary_link_reuse_min_s
        await self.store.cache_link(key, link.url, link.expires_at, keep_s)
        return link
