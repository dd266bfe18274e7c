"""What link-service knows of each owner: whether their Dropbox is connected.

dropbox.connected and dropbox.disconnected are two topics, so Kafka does not order them
for one owner: the flag keeps the time of the event that set it, and an event older than
that changes nothing. The flag is read under WATCH and written with the event's marker,
so two events applied at once cannot let the older one win.
"""

from datetime import datetime

from contracts.events import DropboxConnected, DropboxDisconnected
from messaging.idempotency import apply_once_reading
from messaging.outbox import Outbox
from messaging.transactions import Write
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

CONNECTED, DISCONNECTED = "connected", "disconnected"


class Owners:
    """The owners' Dropbox connection flags."""

    def __init__(self, redis: Redis, outbox: Outbox, prefix: str) -> None:
        self.redis = redis
        self.outbox = outbox
        self.prefix = prefix

    def _key(self, owner_id: str) -> str:
        return f"{self.prefix}dropbox:{self.outbox.tag(owner_id)}:{owner_id}"

    async def dropbox_connected(self, owner_id: str) -> bool:
        """Whether the owner's Dropbox is connected, as the newest event said."""
        value = await self.redis.get(self._key(owner_id))
        return value is not None and str(value).partition("|")[0] == CONNECTED

    async def record(self, consumer: str, event: DropboxConnected | DropboxDisconnected) -> None:
        """Apply a connection event once, unless a newer one already decided."""
        key = self._key(event.owner_id)
        state = CONNECTED if isinstance(event, DropboxConnected) else DISCONNECTED

        async def plan(pipe: Pipeline) -> Write:
            value = await pipe.get(key)
            decided = str(value).partition("|")[2] if value else None
            newer_known = decided and datetime.fromisoformat(decided) > event.occurred_at

            def write(pipe: Pipeline) -> None:
                if not newer_known:  # an older event writes only its marker
                    pipe.set(key, f"{state}|{event.occurred_at.isoformat()}")

            return write

        await apply_once_reading(
            self.redis,
            consumer=consumer,
            event_id=event.event_id,
            watch=[key],
            plan=plan,
            tag=self.outbox.tag(event.owner_id),
        )
