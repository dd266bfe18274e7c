"""The producers' catalogs in Redis: tracks, and their title, bucket and group indexes.

An owner's catalog keys share the hash tag `{cat:<owner>}`, so one transaction updates a
track and its indexes on Redis Cluster too. The title indexes are sorted sets whose
members are `<title> NUL <track_id>` at score 0: Redis keeps them in title order, and a
page starts after a member (ZRANGEBYLEX) however large the catalog.
"""

from functools import lru_cache

from messaging.keys import hash_tag
from messaging.transactions import Write, watched_transaction
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from service_kit.pagination import Position, by_member, first

from link_service.catalog.models import Track

_SEPARATOR = "\x00"  # titles hold no control characters (models.Text)


@lru_cache(maxsize=2048)
def _stored(raw: str) -> Track:
    """A stored track's JSON as a Track, parsed once per distinct value: the records are
    frozen, and validating them (e-mail addresses most) was a fifth of a link's creation."""
    return Track.model_validate_json(raw)


class CatalogStore:
    """Typed access to one service's catalog keys."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, owner_id: str, *parts: str) -> str:
        return ":".join((f"{self.prefix}cat", hash_tag("cat", owner_id), *parts))

    async def track(self, owner_id: str, track_id: str) -> Track | None:
        """One track of the owner, or None."""
        value = await self.redis.get(self._key(owner_id, "track", track_id))
        return _stored(value) if value else None

    async def tracks(self, owner_id: str, track_ids: list[str]) -> dict[str, Track]:
        """The owner's tracks among `track_ids`, by id."""
        if not track_ids:
            return {}
        keys = [self._key(owner_id, "track", t) for t in track_ids]
        values = await self.redis.mget(keys)
        return {t: _stored(v) for t, v in zip(track_ids, values, strict=True) if v}

    async def all_tracks(self, owner_id: str, bucket: str | None = None) -> list[Track]:
        """The owner's tracks (of one bucket), sorted by title."""
        members = await self.redis.zrange(self._title_index(owner_id, bucket), 0, -1)
        return await self._in_order(owner_id, [str(m) for m in members])

    async def page(
        self, owner_id: str, bucket: str | None, limit: int, after: Position | None
    ) -> tuple[list[Track], str | None]:
        """Up to `limit` tracks by title after `after`, and the cursor of the next page."""
        index = by_member(self.redis, self._title_index(owner_id, bucket), after)
        positions, cursor = await first(index, limit)
        return await self._in_order(owner_id, [member for _, member in positions]), cursor

    async def bucket_tracks(self, owner_id: str, buckets: list[str]) -> dict[str, list[Track]]:
        """Each named bucket's tracks."""
        return {b: await self.all_tracks(owner_id, b) for b in dict.fromkeys(buckets)}

    async def current(
        self, owner_id: str, refs: list[tuple[str, str | None]]
    ) -> list[Track | None]:
        """For each (track id, group id): the group's highest version still in the catalog,
        else the track itself, else None. Two round trips however many tracks."""
        groups = list(dict.fromkeys(group for _, group in refs if group))
        async with self.redis.pipeline(transaction=False) as pipe:
            for group in groups:
                pipe.zrevrange(self._key(owner_id, "group", group), 0, 0)
            newest = await pipe.execute() if groups else []
        latest = {g: str(n[0]) for g, n in zip(groups, newest, strict=True) if n}
        wanted = [latest[g] for _, g in refs if g in latest] + [t for t, _ in refs]
        found = await self.tracks(owner_id, list(dict.fromkeys(wanted)))
        return [
            found.get(latest.get(group or "", track_id)) or found.get(track_id)
            for track_id, group in refs
        ]

    async def put(self, owner_id: str, track: Track) -> None:
        """Create or replace a track and move it between bucket and group indexes."""
        await self._replace(owner_id, track.track_id, track)

    async def delete(self, owner_id: str, track_id: str) -> bool:
        """Remove a track and its index entries; False when there was none."""
        return await self._replace(owner_id, track_id, None)

    async def _replace(self, owner_id: str, track_id: str, new: Track | None) -> bool:
        key = self._key(owner_id, "track", track_id)
        existed = False

        async def plan(pipe: Pipeline) -> Write:
            nonlocal existed
            raw = await pipe.get(key)
            existed = raw is not None

            def write(pipe: Pipeline) -> None:
                if raw:
                    self._unindex(pipe, owner_id, _stored(raw))
                if new is None:
                    pipe.delete(key)
                else:
                    pipe.set(key, new.model_dump_json())
                    self._index(pipe, owner_id, new)

            return write

        await watched_transaction(self.redis, [key], plan)
        return existed

    def _title_index(self, owner_id: str, bucket: str | None) -> str:
        if bucket:
            return self._key(owner_id, "bucket-titles", bucket)
        return self._key(owner_id, "titles")

    async def _in_order(self, owner_id: str, members: list[str]) -> list[Track]:
        ids = [member.rpartition(_SEPARATOR)[2] for member in members]
        found = await self.tracks(owner_id, ids)
        return [found[track_id] for track_id in ids if track_id in found]

    def _index(self, pipe: Pipeline, owner_id: str, track: Track) -> None:
        member = track.title + _SEPARATOR + track.track_id
        pipe.zadd(self._title_index(owner_id, None), {member: 0})
        if track.bucket:
            pipe.zadd(self._title_index(owner_id, track.bucket), {member: 0})
        if track.group_id:
            group = self._key(owner_id, "group", track.group_id)
            pipe.zadd(group, {track.track_id: track.version})

    def _unindex(self, pipe: Pipeline, owner_id: str, track: Track) -> None:
        member = track.title + _SEPARATOR + track.track_id
        pipe.zrem(self._title_index(owner_id, None), member)
        if track.bucket:
            pipe.zrem(self._title_index(owner_id, track.bucket), member)
        if track.group_id:
            pipe.zrem(self._key(owner_id, "group", track.group_id), track.track_id)
