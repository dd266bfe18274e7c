"""What link-service knows of each owner: whether their Dropbox is connected.

dropbox.connected and dropbox.disconnected are two topics, so Kafka does not order them
for one owner: the flag keeps the time of the event that set it, and an event older than
that changes nothing. The flag is read under WATCH and written with the event's marker,
so two events applied at once cannot let the older one win.
"""

from datetime import datetime

from contracts.events import DropboxConnected, DropboxDisconnected
from messaging.idempotency import apply_once_reading
from messaging.transactions import Write
from redis.asyncio.client import Pipeline

from link_service.connections.store import ConnectionStore

CONNECTED, DISCONNECTED = "connected", "disconnected"


class NotConnected(Exception):
    """The owner's Dropbox is not connected."""


class Connections:
    """The owners' Dropbox connection flags."""

    def __init__(self, store: ConnectionStore) -> None:
        self.store = store

    async def dropbox_connected(self, owner_id: str) -> bool:
        """Whether the owner's Dropbox is connected, as the newest event said."""
        value = await self.store.flag(owner_id)
        return value is not None and value.partition("|")[0] == CONNECTED

    async def require(self, owner_id: str) -> None:
        """Raise NotConnected unless the owner's Dropbox is connected."""
        if not await self.dropbox_connected(owner_id):
            raise NotConnected(owner_id)

    async def record(self, consumer: str, event: DropboxConnected | DropboxDisconnected) -> None:
        """Apply a connection event once, unless a newer one already decided."""
        store, owner_id = self.store, event.owner_id
        key, legacy = store.key(owner_id), store.legacy_key(owner_id)
        state = CONNECTED if isinstance(event, DropboxConnected) else DISCONNECTED

        async def plan(pipe: Pipeline) -> Write:
            value = await pipe.get(key)
            if value is None:
                value = await pipe.get(legacy)
            decided = str(value).partition("|")[2] if value else None
            newer_known = decided and datetime.fromisoformat(decided) > event.occurred_at

            def write(pipe: Pipeline) -> None:
                if not newer_known:  # an older event writes only its marker
                    pipe.set(key, f"{state}|{event.occurred_at.isoformat()}")

            return write

        await apply_once_reading(
            store.redis,
            consumer=consumer,
            event_id=event.event_id,
            watch=[key, legacy],
            plan=plan,
            tag=store.tag(owner_id),
        )
