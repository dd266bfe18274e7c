"""In-app notifications in Redis, per user: records, newest-first indexes of all and of
unread ones, and the same two per address the notifications were sent to.

A user's keys share the hash tag `{notif:<user_id>}`, so a notification, its index
entries and the idempotency marker of the event that made it commit together, and a
mark-read changes the record and the unread indexes in one watched transaction.
"""

from datetime import datetime

from messaging.keys import hash_tag
from messaging.transactions import Write, watched_transaction
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from service_kit.pagination import Position, first, newest_first

from notify_service.domain import Notification, addressed_to, marked_read


class NotificationStore:
    """Typed access to the notification keys."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    @staticmethod
    def tag(user_id: str) -> str:
        """The hash tag of one user's notifications."""
        return hash_tag("notif", user_id)

    def _key(self, user_id: str, name: str) -> str:
        return f"{self.prefix}notif:{self.tag(user_id)}:{name}"

    def _index(self, user_id: str, recipient: str | None, unread: bool) -> str:
        """All of the user's (recipient None) or those sent to one address digest."""
        name = "unread" if unread else "all"
        return self._key(user_id, name if recipient is None else f"to:{recipient}:{name}")

    def add(self, pipe: Pipeline, user_id: str, notification: Notification) -> None:
        """Queue a new notification, unread, with its index entries."""
        pipe.hset(self._key(user_id, "data"), notification.id, notification.model_dump_json())
        self._index_entries(pipe, user_id, notification)

    def _index_entries(self, pipe: Pipeline, user_id: str, notification: Notification) -> None:
        at_ms = int(notification.created_at.timestamp() * 1000)
        recipients = [None] if notification.recipient is None else [None, notification.recipient]
        for recipient in recipients:
            pipe.zadd(self._index(user_id, recipient, unread=False), {notification.id: at_ms})
            if not notification.read:
                pipe.zadd(self._index(user_id, recipient, unread=True), {notification.id: at_ms})

    async def mark_read(
        self, user_id: str, notification_id: str, *, email: str | None, at: datetime
    ) -> Notification | None:
        """Mark the reader's notification read at `at` (one read before keeps its time), in one
        watched transaction; None when the user has no such notification addressed to them."""
        data = self._key(user_id, "data")
        result: Notification | None = None

        async def plan(pipe: Pipeline) -> Write | None:
            nonlocal result
            raw = await pipe.hget(data, notification_id)
            stored = Notification.model_validate_json(raw) if raw else None
            if stored is None or not addressed_to(stored, email):
                result = None
                return None
            result = marked_read(stored, at)
            if result is stored:
                return None
            read = result

            def write(tx: Pipeline) -> None:
                tx.hset(data, read.id, read.model_dump_json())
                tx.zrem(self._index(user_id, None, unread=True), read.id)
                if read.recipient is not None:
                    tx.zrem(self._index(user_id, read.recipient, unread=True), read.id)

            return write

        await watched_transaction(self.redis, [data], plan)
        return result

    async def page(
        self,
        user_id: str,
        *,
        recipient: str | None,
        unread: bool,
        limit: int,
        after: Position | None,
    ) -> tuple[list[Notification], str | None]:
        """Up to `limit` of the user's notifications (those sent to `recipient` when given),
        newest first, after `after`; and the next cursor."""
        if recipient is not None:
            await self._index_by_recipient(user_id)
        index = self._index(user_id, recipient, unread)
        positions, cursor = await first(newest_first(self.redis, index, after), limit)
        ids = [notification_id for _, notification_id in positions]
        values = await self.redis.hmget(self._key(user_id, "data"), ids) if ids else []
        return [Notification.model_validate_json(v) for v in values if v], cursor

    async def _index_by_recipient(self, user_id: str) -> None:
        """Once per user: index the notifications stored before the per-address indexes
        existed (every notification added since is indexed as it is added)."""
        done, data = self._key(user_id, "by-recipient"), self._key(user_id, "data")
        if await self.redis.exists(done):
            return

        async def plan(pipe: Pipeline) -> Write:
            stored = await pipe.hvals(data)
            notifications = [Notification.model_validate_json(raw) for raw in stored]

            def write(tx: Pipeline) -> None:
                for notification in notifications:
                    self._index_entries(tx, user_id, notification)
                tx.set(done, 1)

            return write

        await watched_transaction(self.redis, [data, done], plan)
