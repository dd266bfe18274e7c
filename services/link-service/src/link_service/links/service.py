"""Creating, reading, listing and revoking share links (DESIGN §5)."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from contracts.clock import Clock
from contracts.events import LinkedTrack, ShareCreated, ShareRevoked
from contracts.ids import new_token
from contracts.links import FileOnLink, InternalLink, LinkTrack
from messaging.outbox import Outbox
from messaging.transactions import Write, transaction, watched_transaction
from redis.asyncio.client import Pipeline
from service_kit.pagination import Position, first

from link_service.catalog.models import Track
from link_service.catalog.paths import track_confined
from link_service.catalog.store import CatalogStore
from link_service.connections.service import Connections
from link_service.links.budget import LinkBudget
from link_service.links.domain import (
    SelectionError,
    link_id_of,
    resolve_selection,
    shared_files,
)
from link_service.links.models import Entry, LinkCreate, LinkPublic, LinkRecord
from link_service.links.store import LinkStore

TOKEN_BYTES = 24  # 192 bits from the OS CSPRNG; DESIGN asks for at least 128


class Links:
    """Share links of every owner, over the catalog and link stores."""

    def __init__(
        self,
        catalog: CatalogStore,
        connections: Connections,
        store: LinkStore,
        outbox: Outbox,
        public_base_url: str,
        clock: Clock,
        budget: LinkBudget,
    ) -> None:
        self.catalog = catalog
        self.connections = connections
        self.clock = clock
        self.store = store
        self.outbox = outbox
        self.public_base_url = public_base_url.rstrip("/")
        self.budget = budget

    async def create(self, owner_id: str, request: LinkCreate) -> LinkPublic:
        """Resolve the selection, store the link and stage share.created, in one transaction;
        the new link as its owner sees it."""
        await self.connections.require(owner_id)
        tracks = await self.catalog.tracks(owner_id, list(dict.fromkeys(request.tracks)))
        buckets = await self.catalog.bucket_tracks(owner_id, request.buckets)
        chosen = resolve_selection(request.tracks, request.buckets, tracks, buckets)
        refs = [(t.track_id, t.group_id) for t in chosen]
        now_tracks = await self.catalog.current(owner_id, refs)
        current = [latest or t for latest, t in zip(now_tracks, chosen, strict=True)]
        if bare := [t.track_id for t in current if not shared_files(t, request.include)]:
            raise SelectionError(f"no included files on tracks: {', '.join(bare)}")
        if outside := [t.track_id for t in current if not track_confined(t)]:
            raise SelectionError(f"tracks with files outside their folder: {', '.join(outside)}")
        await self.budget.spend(owner_id)  # the request is valid: only storing is left
        token, now = new_token(TOKEN_BYTES), self.clock()
        days = request.expires_in_days
        link = LinkRecord(
            id=link_id_of(token),
            token=token,
            owner_id=owner_id,
            kind="single" if len(chosen) == 1 else "playlist",
            title=request.title,
            message=request.message,
            include=request.include,
            downloads=request.downloads,
            entries=[_entry(t) for t in chosen],
            created_at=now,
            expires_at=now + timedelta(days=days) if days else None,
            revoked_at=None,
        )
        async with transaction(self.store.redis, self.store.record_key(link.id)) as pipe:
            self.store.save(pipe, link, created_ms=int(now.timestamp() * 1000))
            self.outbox.stage(pipe, self._created(link, current))
            await pipe.execute()
        return self._public(link, _shared(link, current), now)  # the versions just read

    async def owned(self, owner_id: str, link_id: str) -> LinkRecord | None:
        """The owner's link, or None (another owner's link is as good as absent)."""
        link = await self.store.get(link_id)
        return link if link and link.owner_id == owner_id else None

    async def by_token(self, token: str) -> LinkRecord | None:
        """The link a public token opens."""
        link = await self.store.get(link_id_of(token))
        return link if link and link.token == token else None

    async def revoke(self, link: LinkRecord) -> LinkRecord:
        """Revoke at once; a revoked link stays as it was (one share.revoked, ever)."""
        key = self.store.record_key(link.id)
        stored = link

        async def plan(pipe: Pipeline) -> Write | None:
            nonlocal stored
            stored = LinkRecord.model_validate_json(str(await pipe.get(key)))
            if stored.revoked_at:
                return None
            now = self.clock()
            stored = stored.model_copy(update={"revoked_at": now})
            event = ShareRevoked(link_id=link.id, owner_id=link.owner_id, revoked_at=now)

            def write(pipe: Pipeline) -> None:
                self.store.save(pipe, stored)
                self.outbox.stage(pipe, event)

            return write

        await watched_transaction(self.store.redis, [key], plan)
        return stored

    async def page(
        self, owner_id: str, status: str | None, limit: int, after: Position | None
    ) -> tuple[list[LinkRecord], str | None]:
        """Up to `limit` of the owner's links with that status, newest first, and a cursor;
        a status is paged from its index (links/status_index.py), reading only the page."""
        if status is not None:
            await self.store.prepare_statuses(owner_id, self.clock())
        positions, cursor = await first(self.store.newest_first(owner_id, after, status), limit)
        links = [await self.store.get(link_id) for _, link_id in positions]
        return [link for link in links if link is not None], cursor

    async def public(self, links: list[LinkRecord]) -> list[LinkPublic]:
        """Links of one owner as the owner sees them, their tracks resolved to their latest
        versions now (all the links' tracks read at once)."""
        now = self.clock()
        resolved = await self._tracks(links)
        return [
            self._public(link, tracks, now) for link, tracks in zip(links, resolved, strict=True)
        ]

    def _public(self, link: LinkRecord, tracks: list[LinkTrack], now: datetime) -> LinkPublic:
        shown = [
            {
                **track.model_dump(include={"track_id", "title", "artist", "version"}),
                "files": [
                    FileOnLink(**f.model_dump(exclude={"dropbox_path"})) for f in track.files
                ],
            }
            for track in tracks
        ]
        fields = link.model_dump(exclude={"entries", "owner_id"})
        return LinkPublic(**fields, url=self.url(link.token), tracks=shown, status=link.status(now))

    async def internal(self, link: LinkRecord) -> InternalLink:
        """The link as the gateway needs it: whose, where its files are, whether they can be
        served now."""
        shown = link.model_dump(exclude={"entries"})
        return InternalLink(
            **shown,
            url=self.url(link.token),
            tracks=(await self._tracks([link]))[0],
            dropbox_connected=await self.connections.dropbox_connected(link.owner_id),
        )

    def url(self, token: str) -> str:
        """The public address of a share page."""
        return f"{self.public_base_url}/s/{token}"

    async def _tracks(self, links: list[LinkRecord]) -> list[list[LinkTrack]]:
        """Each link's tracks at their latest versions, with the files it shares; the
        links are one owner's, their tracks read in one go."""
        if not links:
            return []
        refs = [(entry.track_id, entry.group_id) for link in links for entry in link.entries]
        current = iter(await self.catalog.current(links[0].owner_id, refs))
        return [_shared(link, [next(current) for _ in link.entries]) for link in links]

    def _created(self, link: LinkRecord, tracks: list[Track]) -> ShareCreated:
        return ShareCreated(
            link_id=link.id,
            owner_id=link.owner_id,
            kind=link.kind,
            track_ids=[t.track_id for t in tracks],
            include=link.include,
            downloads=link.downloads,
            expires_at=link.expires_at,
            url=self.url(link.token),
            tracks=[
                LinkedTrack(track_id=t.track_id, group_id=t.group_id, title=t.title) for t in tracks
            ],
        )


def _shared(link: LinkRecord, tracks: Sequence[Track | None]) -> list[LinkTrack]:
    """The link's tracks (None: deleted from the catalog since) with the files it shares."""
    return [
        LinkTrack(
            **track.model_dump(include={"track_id", "title", "artist", "version", "group_id"}),
            files=shared_files(track, link.include),
        )
        for track in tracks
        if track is not None
    ]


def _entry(track: Track) -> Entry:
    return Entry(track_id=track.track_id, group_id=track.group_id)
