"""Creating, reading, listing and revoking share links (DESIGN §5)."""

import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.events import LinkedTrack, ShareCreated, ShareRevoked
from contracts.links import link_status
from messaging.outbox import Outbox
from messaging.transactions import Write, watched_transaction
from redis.asyncio.client import Pipeline
from service_kit.pagination import Position, first

from link_service.catalog_store import CatalogStore
from link_service.domain import (
    SelectionError,
    link_id_of,
    new_token,
    resolve_selection,
    shared_files,
)
from link_service.link_store import LinkStore
from link_service.models import LinkCreate
from link_service.owners import Owners

TRACK_FIELDS = ("track_id", "title", "artist", "version")


class NotConnected(Exception):
    """The owner's Dropbox is not connected."""


class Links:
    """Share links of every owner, over the catalog and link stores."""

    def __init__(
        self,
        catalog: CatalogStore,
        owners: Owners,
        store: LinkStore,
        outbox: Outbox,
        public_base_url: str,
    ) -> None:
        self.catalog = catalog
        self.owners = owners
        self.store = store
        self.outbox = outbox
        self.public_base_url = public_base_url.rstrip("/")

    async def create(self, owner_id: str, request: LinkCreate) -> dict[str, Any]:
        """Resolve the selection, store the link and stage share.created, in one transaction."""
        if not await self.owners.dropbox_connected(owner_id):
            raise NotConnected(owner_id)
        tracks = await self.catalog.tracks(owner_id, list(dict.fromkeys(request.tracks)))
        buckets = await self.catalog.bucket_tracks(owner_id, request.buckets)
        chosen = resolve_selection(request.tracks, request.buckets, tracks, buckets)
        current = [await self._current(owner_id, t) or dict(t) for t in chosen]
        bare = [t["track_id"] for t in current if not shared_files(t, request.include)]
        if bare:
            raise SelectionError(f"no included files on tracks: {', '.join(bare)}")
        token = new_token()
        now = datetime.now(UTC)
        expires = now + timedelta(days=request.expires_in_days) if request.expires_in_days else None
        link = {
            "id": link_id_of(token),
            "token": token,
            "owner_id": owner_id,
            "kind": "single" if len(chosen) == 1 else "playlist",
            "title": request.title,
            "message": request.message,
            "include": request.include,
            "downloads": request.downloads,
            "entries": [{"track_id": t["track_id"], "group_id": t.get("group_id")} for t in chosen],
            "created_at": now.isoformat(),
            "expires_at": expires.isoformat() if expires else None,
            "revoked_at": None,
        }
        event = ShareCreated(
            link_id=link["id"],
            owner_id=owner_id,
            kind=link["kind"],
            track_ids=[t["track_id"] for t in current],
            include=request.include,
            downloads=request.downloads,
            expires_at=expires,
            url=self.url(token),
            tracks=[
                LinkedTrack(track_id=t["track_id"], group_id=t.get("group_id"), title=t["title"])
                for t in current
            ],
        )
        async with self.store.redis.pipeline(transaction=True) as pipe:
            self.store.save(pipe, link, created_ms=int(now.timestamp() * 1000))
            self.outbox.stage(pipe, event)
            await pipe.execute()
        return link

    async def owned(self, owner_id: str, link_id: str) -> dict[str, Any] | None:
        """The owner's link, or None (another owner's link is as good as absent)."""
        link = await self.store.get(link_id)
        return link if link and link["owner_id"] == owner_id else None

    async def by_token(self, token: str) -> dict[str, Any] | None:
        """The link a public token opens."""
        link = await self.store.get(link_id_of(token))
        return link if link and link["token"] == token else None

    async def revoke(self, link: dict[str, Any]) -> dict[str, Any]:
        """Revoke at once; a revoked link stays as it was (one share.revoked, ever)."""
        key = self.store.record_key(link["id"])
        current: dict[str, Any] = {}

        async def plan(pipe: Pipeline) -> Write | None:
            current.update(json.loads(str(await pipe.get(key))))
            if current["revoked_at"]:
                return None
            now = datetime.now(UTC)
            current["revoked_at"] = now.isoformat()
            event = ShareRevoked(link_id=link["id"], owner_id=link["owner_id"], revoked_at=now)

            def write(pipe: Pipeline) -> None:
                self.store.save(pipe, current)
                self.outbox.stage(pipe, event)

            return write

        await watched_transaction(self.store.redis, [key], plan)
        return current

    async def page(
        self, owner_id: str, status: str | None, limit: int, after: Position | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Up to `limit` of the owner's links with that status, newest first, and a cursor."""
        now = datetime.now(UTC)
        found: dict[str, dict[str, Any]] = {}

        async def matching() -> AsyncIterator[Position]:
            async for position in self.store.newest_first(owner_id, after):
                link = await self.store.get(position[1])
                if link and (status is None or self.status(link, now) == status):
                    found[position[1]] = link
                    yield position

        positions, cursor = await first(matching(), limit)
        return [found[link_id] for _, link_id in positions], cursor

    async def view(self, link: dict[str, Any], *, internal: bool = False) -> dict[str, Any]:
        """The link as the API shows it, its tracks resolved to their latest versions now."""
        tracks = []
        for entry in link["entries"]:
            track = await self._current(link["owner_id"], entry)
            if track is None:
                continue  # deleted from the catalog since
            files = shared_files(track, link["include"])
            fields = TRACK_FIELDS + (("group_id",) if internal else ())
            if not internal:
                files = [{k: v for k, v in f.items() if k != "dropbox_path"} for f in files]
            tracks.append({k: track.get(k) for k in fields} | {"files": files})
        shown = {k: v for k, v in link.items() if k not in ("entries", "owner_id")}
        shown |= {"url": self.url(link["token"]), "tracks": tracks, "status": self.status(link)}
        return shown | ({"owner_id": link["owner_id"]} if internal else {})

    def url(self, token: str) -> str:
        """The public address of a share page."""
        return f"{self.public_base_url}/s/{token}"

    @staticmethod
    def status(link: dict[str, Any], now: datetime | None = None) -> str:
        """active, expired or revoked, now."""
        return link_status(
            _instant(link["expires_at"]), _instant(link["revoked_at"]), now or datetime.now(UTC)
        )

    async def _current(self, owner_id: str, entry: Mapping[str, Any]) -> dict[str, Any] | None:
        if entry.get("group_id"):
            latest = await self.catalog.latest_of_group(owner_id, entry["group_id"])
            if latest is not None:
                return latest
        return await self.catalog.track(owner_id, entry["track_id"])


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
