"""Share links in Redis. A link's record and its owner-index entry carry the outbox tag of
the link, so a link, its index entry and its event commit together; listing merges the
owner's index of every outbox shard (docs/decisions/0001-outbox.md); listing by status
pages the owner's status indexes instead (status_index.py).
"""

import heapq
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from messaging.outbox import Outbox
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from service_kit.pagination import Position, newest_first

from link_service.links.models import LinkRecord
from link_service.links.status_index import StatusIndex


class LinkStore:
    """Typed access to link records and the owners' indexes."""

    def __init__(self, redis: Redis, outbox: Outbox, prefix: str) -> None:
        self.redis = redis
        self.outbox = outbox
        self.prefix = prefix
        self.statuses = StatusIndex(redis, prefix)

    def record_key(self, link_id: str) -> str:
        """Where link `link_id` lives."""
        return f"{self.prefix}link:{self.outbox.tag(link_id)}:{link_id}"

    def recipient_key(self, recipient_id: str) -> str:
        """Which link a recipient's token opens: set before the link is stored, so a link
        never has a recipient its token cannot find (an entry whose link was never stored
        finds nothing)."""
        return f"{self.prefix}recipient:{self.outbox.tag(recipient_id)}:{recipient_id}"

    async def add_recipients(self, link_id: str, recipient_ids: list[str]) -> None:
        """Point each recipient's token at the link (one SET each: every key its own slot)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for recipient_id in recipient_ids:
                pipe.set(self.recipient_key(recipient_id), link_id)
            await pipe.execute()

    async def link_of_recipient(self, recipient_id: str) -> str | None:
        """The id of the link a recipient belongs to, or None."""
        value = await self.redis.get(self.recipient_key(recipient_id))
        return None if value is None else str(value)

    def _index_key(self, shard_tag: str, owner_id: str) -> str:
        return f"{self.prefix}links:{shard_tag}:{owner_id}"

    async def get(self, link_id: str) -> LinkRecord | None:
        """A link record, or None."""
        value = await self.redis.get(self.record_key(link_id))
        return LinkRecord.model_validate_json(value) if value else None

    def save(self, pipe: Pipeline, link: LinkRecord, created_ms: int | None = None) -> None:
        """Queue the record, and its owner-index entries: when it is new, in all and active;
        when it is revoked, moved to revoked."""
        pipe.set(self.record_key(link.id), link.model_dump_json())
        tag = self.outbox.tag(link.id)
        if created_ms is not None:
            all_key = self._index_key(tag, link.owner_id)
            pipe.zadd(all_key, {link.id: created_ms})
            self.statuses.created(pipe, tag, link, all_key)
        elif link.revoked_at is not None:
            self.statuses.revoked(pipe, tag, link)

    async def prepare_statuses(self, owner_id: str, now: datetime) -> None:
        """Bring the owner's status indexes to `now`: links stored before they existed
        indexed (once per shard), links expired by now moved to expired."""
        for shard in range(self.outbox.shards):
            tag = self.outbox.shard_tag(shard)
            all_key = self._index_key(tag, owner_id)
            if not await self.statuses.indexed(tag, owner_id):
                ids = [str(m) for m in await self.redis.zrange(all_key, 0, -1)]
                links = [link for link in [await self.get(i) for i in ids] if link]
                keyed = [(link, self.record_key(link.id)) for link in links]
                await self.statuses.backfill(tag, owner_id, keyed)
            await self.statuses.settle(tag, owner_id, all_key, now)

    def newest_first(
        self, owner_id: str, after: Position | None, status: str | None = None
    ) -> AsyncIterator[Position]:
        """The owner's (created_ms, link_id) after the cursor, newest first, over all shards;
        of one status (after `prepare_statuses`) when given."""
        shards = []
        for shard in range(self.outbox.shards):
            tag = self.outbox.shard_tag(shard)
            key = self._index_key(tag, owner_id)
            if status is not None:
                key = self.statuses.key(tag, owner_id, status)
            shards.append(newest_first(self.redis, key, after))
        return _merge_descending(shards)


@dataclass
class _Head:
    """A shard's next item; the heap pops the newest first."""

    item: tuple[int, str]
    source: int

    def __lt__(self, other: "_Head") -> bool:
        return self.item > other.item


async def _merge_descending(
    sources: list[AsyncIterator[tuple[int, str]]],
) -> AsyncIterator[tuple[int, str]]:
    heads: list[_Head] = []
    for index, source in enumerate(sources):
        if (first := await anext(source, None)) is not None:
            heapq.heappush(heads, _Head(first, index))
    while heads:
        head = heapq.heappop(heads)
        yield head.item
        if (following := await anext(sources[head.source], None)) is not None:
            heapq.heappush(heads, _Head(following, head.source))
