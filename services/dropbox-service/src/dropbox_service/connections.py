"""Connecting and disconnecting a producer's Dropbox: the stored connection, the temporary
links cached through it and the event announcing the change commit together.

A disconnect happens once however many requests notice it at the same time: the stored
connection is read under WATCH and forgotten only if it is still the one they saw, so a
reconnect in between is never undone.
"""

import logging

from contracts.events import DropboxConnected, DropboxDisconnected
from messaging.outbox import Outbox
from messaging.transactions import Write, watched_transaction
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from dropbox_service.store import Connection, Store

log = logging.getLogger(__name__)


class Connections:
    """The owners' Dropbox connections."""

    def __init__(self, redis: Redis, outbox: Outbox, store: Store) -> None:
        self.redis = redis
        self.outbox = outbox
        self.store = store

    async def connect(self, owner_id: str, connection: Connection) -> None:
        """Store the owner's new connection and publish dropbox.connected; links cached
        through an earlier connection are dropped."""

        async def plan(pipe: Pipeline) -> Write:
            earlier = await self.store.watched_connection(pipe, owner_id)

            def write(pipe: Pipeline) -> None:
                if earlier is not None:
                    self.store.drop_connection(pipe, owner_id, earlier)
                self.store.save_connection(pipe, owner_id, connection)
                event = DropboxConnected(owner_id=owner_id, account_email=connection.email)
                self.outbox.stage(pipe, event)

            return write

        await watched_transaction(self.redis, [self.store.connection_key(owner_id)], plan)

    async def disconnect(self, owner_id: str, only: Connection | None = None) -> bool:
        """Forget the owner's connection and its cached links and publish
        dropbox.disconnected; with `only`, just when that connection is still the stored one.
        False when there was nothing (else) to forget."""

        async def plan(pipe: Pipeline) -> Write | None:
            stored = await self.store.watched_connection(pipe, owner_id)
            if stored is None or (only is not None and not _same(stored, only)):
                return None

            def write(pipe: Pipeline) -> None:
                self.store.drop_connection(pipe, owner_id, stored)
                event = DropboxDisconnected(owner_id=owner_id, account_email=stored.email)
                self.outbox.stage(pipe, event)

            return write

        key = self.store.connection_key(owner_id)
        return await watched_transaction(self.redis, [key], plan)

    async def refused(self, owner_id: str, connection: Connection) -> None:
        """Dropbox refused the connection's token (the producer removed the app, or the
        account is suspended): the owner is disconnected, once."""
        if await self.disconnect(owner_id, only=connection):
            log.warning(
                "Dropbox refused the owner's token: disconnected", extra={"owner_id": owner_id}
            )


def _same(one: Connection, other: Connection) -> bool:
    return (one.account_id, one.connected_at) == (other.account_id, other.connected_at)
