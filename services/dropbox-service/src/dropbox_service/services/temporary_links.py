"""Temporary links: one Dropbox call per file for hours, however many downloads ask.

A link lives 4 hours (Dropbox's rule). It is handed out again while it has at least
`temporary_link_reuse_min_s` left, well over the longest download; concurrent requests
for the same file in one process share the one call in flight (`service_kit.caching.Flights`).
Links are cached per owner and connected account: a reconnect to another account never
hands out a link of the old one, and a disconnect drops them all (services/connections.py).
"""

from datetime import timedelta

from contracts.clock import Clock
from dropbox.exceptions import ApiError
from service_kit.caching import Flights

from dropbox_service.clients import DropboxCalls, NotConnected
from dropbox_service.domain import LINK_LIFETIME, CachedLink, reusable
from dropbox_service.settings import Settings
from dropbox_service.store import Stores


class FileNotFound(Exception):
    """The owner's Dropbox has no file at that path."""


class TemporaryLinks:
    """Hands out cached temporary links and fetches missing ones once."""

    def __init__(
        self, settings: Settings, stores: Stores, calls: DropboxCalls, clock: Clock
    ) -> None:
        self.settings = settings
        self.stores = stores
        self.calls = calls
        self.clock = clock
        self.reuse_min = timedelta(seconds=settings.temporary_link_reuse_min_s)
        self._fetches: Flights[tuple[str, str, str], CachedLink] = Flights()

    async def get(self, owner_id: str, path: str) -> CachedLink:
        """A link to the owner's file at `path`."""
        account_id = await self.stores.connections.account_id(owner_id)
        if account_id is None:
            raise NotConnected(owner_id)
        if cached := await self._cached(owner_id, account_id, path):
            return cached
        key = (owner_id, account_id, path)
        return await self._fetches.join(key, lambda: self._cached_or_fetched(*key))

    async def _cached_or_fetched(self, owner_id: str, account_id: str, path: str) -> CachedLink:
        # Read again: a fetch that ended since the caller's read has cached its link.
        if cached := await self._cached(owner_id, account_id, path):
            return cached
        return await self._fetch(owner_id, account_id, path)

    async def _cached(self, owner_id: str, account_id: str, path: str) -> CachedLink | None:
        cached = await self.stores.temporary_links.get(owner_id, account_id, path)
        return reusable(cached, self.clock(), self.reuse_min)

    async def _fetch(self, owner_id: str, account_id: str, path: str) -> CachedLink:
        requested_at = self.clock()
        try:
            result = await self.calls.call(
                owner_id,
                lambda client: client.files_get_temporary_link(path),
                rate_limit_budget_s=self.settings.interactive_rate_limit_budget_s,
            )
        except ApiError as error:
            if error.error.is_path():
                raise FileNotFound(path) from error
            raise
        link = CachedLink(result.link, requested_at + LINK_LIFETIME)
        await self.stores.temporary_links.put(
            owner_id, account_id, path, link, LINK_LIFETIME - self.reuse_min
        )
        return link
