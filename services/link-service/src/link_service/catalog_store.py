"""The producers' catalogs in Redis: tracks, and their bucket and group indexes.

An owner's catalog keys share the hash tag `{cat:<owner>}`, so one transaction updates a
track and its indexes on Redis Cluster too.
"""

import json
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import WatchError


class CatalogStore:
    """Typed access to one service's catalog keys."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, owner_id: str, *parts: str) -> str:
        return ":".join((f"{self.prefix}cat", "{cat:" + owner_id + "}", *parts))

    async def track(self, owner_id: str, track_id: str) -> dict[str, Any] | None:
        """One track of the owner, or None."""
        value = await self.redis.get(self._key(owner_id, "track", track_id))
        return json.loads(value) if value else None

    async def tracks(self, owner_id: str, track_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The owner's tracks among `track_ids`, by id."""
        if not track_ids:
            return {}
        keys = [self._key(owner_id, "track", t) for t in track_ids]
        values = await self.redis.mget(keys)
        return {t: json.loads(v) for t, v in zip(track_ids, values, strict=True) if v}

    async def all_tracks(self, owner_id: str, bucket: str | None = None) -> list[dict[str, Any]]:
        """The owner's tracks (of one bucket), sorted by title."""
        index = self._key(owner_id, "bucket", bucket) if bucket else self._key(owner_id, "tracks")
        found = await self.tracks(owner_id, sorted(map(str, await self.redis.smembers(index))))
        return sorted(found.values(), key=lambda t: (t["title"], t["track_id"]))

    async def bucket_tracks(
        self, owner_id: str, buckets: list[str]
    ) -> dict[str, list[dict[str, Any]]]:
        """Each named bucket's tracks."""
        return {b: await self.all_tracks(owner_id, b) for b in dict.fromkeys(buckets)}

    async def latest_of_group(self, owner_id: str, group_id: str) -> dict[str, Any] | None:
        """The highest version of a track group still in the catalog."""
        newest = await self.redis.zrevrange(self._key(owner_id, "group", group_id), 0, 0)
        return await self.track(owner_id, str(newest[0])) if newest else None

    async def put(self, owner_id: str, track: dict[str, Any]) -> None:
        """Create or replace a track and move it between bucket and group indexes."""
        await self._replace(owner_id, track["track_id"], track)

    async def delete(self, owner_id: str, track_id: str) -> bool:
        """Remove a track and its index entries; False when there was none."""
        return await self._replace(owner_id, track_id, None)

    async def _replace(self, owner_id: str, track_id: str, new: dict[str, Any] | None) -> bool:
        key = self._key(owner_id, "track", track_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    pipe.multi()  # type: ignore[no-untyped-call]
                    if raw:
                        self._unindex(pipe, owner_id, json.loads(raw))
                    if new is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, json.dumps(new))
                        self._index(pipe, owner_id, new)
                    await pipe.execute()
                    return raw is not None
                except WatchError:
                    continue  # the same track changed meanwhile; read it again

    def _index(self, pipe: Any, owner_id: str, track: dict[str, Any]) -> None:
        pipe.sadd(self._key(owner_id, "tracks"), track["track_id"])
        if track.get("bucket"):
            pipe.sadd(self._key(owner_id, "bucket", track["bucket"]), track["track_id"])
        if track.get("group_id"):
            group = self._key(owner_id, "group", track["group_id"])
            pipe.zadd(group, {track["track_id"]: track["version"]})

    def _unindex(self, pipe: Any, owner_id: str, track: dict[str, Any]) -> None:
        pipe.srem(self._key(owner_id, "tracks"), track["track_id"])
        if track.get("bucket"):
            pipe.srem(self._key(owner_id, "bucket", track["bucket"]), track["track_id"])
        if track.get("group_id"):
            pipe.zrem(self._key(owner_id, "group", track["group_id"]), track["track_id"])
