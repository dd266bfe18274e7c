"""In-app notifications in Redis, per user: records, a newest-first index and an unread one.

A user's keys share the hash tag `{notif:<user_id>}`, so a notification, its index
entries and the idempotency marker of the event that made it commit together.
"""

import json
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from service_kit.pagination import Position, encode_cursor

SCAN = 100  # index entries read per round while paging past equal scores


class NotificationStore:
    """Typed access to the notification keys."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    @staticmethod
    def tag(user_id: str) -> str:
        """The hash tag of one user's notifications."""
        return "{notif:" + user_id + "}"

    def _key(self, user_id: str, name: str) -> str:
        return f"{self.prefix}notif:{self.tag(user_id)}:{name}"

    def add(self, pipe: Pipeline, user_id: str, notification: dict[str, Any], at_ms: int) -> None:
        """Queue a new notification, unread."""
        pipe.hset(self._key(user_id, "data"), notification["id"], json.dumps(notification))
        pipe.zadd(self._key(user_id, "all"), {notification["id"]: at_ms})
        pipe.zadd(self._key(user_id, "unread"), {notification["id"]: at_ms})

    async def get(self, user_id: str, notification_id: str) -> dict[str, Any] | None:
        """One of the user's notifications, or None."""
        value = await self.redis.hget(self._key(user_id, "data"), notification_id)
        return json.loads(value) if value else None

    async def mark_read(self, user_id: str, notification: dict[str, Any]) -> None:
        """Store the notification as read and take it off the unread index."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._key(user_id, "data"), notification["id"], json.dumps(notification))
            pipe.zrem(self._key(user_id, "unread"), notification["id"])
            await pipe.execute()

    async def page(
        self, user_id: str, *, unread: bool, limit: int, after: Position | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Up to `limit` notifications, newest first, after `after`; and the next cursor."""
        index = self._key(user_id, "unread" if unread else "all")
        positions = await self._newest_first(index, after, limit + 1)
        ids = [notification_id for _, notification_id in positions[:limit]]
        values = await self.redis.hmget(self._key(user_id, "data"), ids) if ids else []
        items = [json.loads(v) for v in values if v]
        more = len(positions) > limit
        return items, encode_cursor(positions[limit - 1]) if more else None

    async def _newest_first(
        self, index: str, after: tuple[int, str] | None, count: int
    ) -> list[tuple[int, str]]:
        """(score, id) entries of `index` below `after`; Redis orders equal scores by id, desc."""
        found: list[tuple[int, str]] = []
        while len(found) < count:
            high: float | str = after[0] if after else "+inf"
            rows: list[tuple[str, float]] = await self.redis.zrevrangebyscore(  # type: ignore[assignment]
                index, high, "-inf", start=0, num=SCAN, withscores=True
            )
            fresh = [(int(s), str(m)) for m, s in rows]
            fresh = [p for p in fresh if after is None or p < after]
            found += fresh
            if len(rows) < SCAN or not fresh:
                break
            after = fresh[-1]
        return found[:count]
