"""The producers' catalogs as the dashboard keeps them in sync (DESIGN §4): each change one
transaction of the store; the routes call these, the links and collaborators read the store."""

from service_kit.pagination import Position

from link_service.catalog.models import Track, TrackIn
from link_service.catalog.store import CatalogStore


class Catalog:
    """Every owner's tracks, over the catalog store."""

    def __init__(self, store: CatalogStore) -> None:
        self.store = store

    async def put(self, owner_id: str, track_id: str, track: TrackIn) -> Track:
        """Create or replace one of the owner's tracks; the track as stored."""
        stored = Track(track_id=track_id, **track.model_dump())
        await self.store.put(owner_id, stored)
        return stored

    async def track(self, owner_id: str, track_id: str) -> Track | None:
        """One of the owner's tracks, or None."""
        return await self.store.track(owner_id, track_id)

    async def page(
        self, owner_id: str, bucket: str | None, limit: int, after: Position | None
    ) -> tuple[list[Track], str | None]:
        """Up to `limit` of the owner's tracks (of one bucket) by title, and a cursor."""
        return await self.store.page(owner_id, bucket, limit, after)

    async def delete(self, owner_id: str, track_id: str) -> bool:
        """Remove one of the owner's tracks; False when there was none."""
        return await self.store.delete(owner_id, track_id)
