"""In-app notifications in Redis, per user: records, a newest-first index and an unread one.

A user's keys share the hash tag `{notif:<user_id>}`, so a notification, its index
entries and the idempotency marker of the event that made it commit together.
"""

import json
from typing import Any

from messaging.transactions import transaction
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from service_kit.pagination import Position, first, newest_first


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
        data = self._key(user_id, "data")
        async with transaction(self.redis, data) as pipe:
            pipe.hset(data, notification["id"], json.dumps(notification))
            pipe.zrem(self._key(user_id, "unread"), notification["id"])
            await pipe.execute()

    async def page(
        self, user_id: str, *, unread: bool, limit: int, after: Position | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Up to `limit` notifications, newest first, after `after`; and the next cursor."""
        index = self._key(user_id, "unread" if unread else "all")
        positions, cursor = await first(newest_first(self.redis, index, after), limit)
        ids = [notification_id for _, notification_id in positions]
        values = await self.redis.hmget(self._key(user_id, "data"), ids) if ids else []
        return [json.loads(v) for v in values if v], cursor
