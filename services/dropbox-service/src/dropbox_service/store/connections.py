"""The owners' connections: `dropbox:conn:{tag}:<owner>` (hash, refresh token encrypted)."""

from dataclasses import asdict

from messaging.outbox import Outbox
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from dropbox_service.crypto import TokenCipher
from dropbox_service.domain import Connection
from dropbox_service.store.keys import namespace


class ConnectionStore:
    """Typed access to the owners' connection hashes."""

    def __init__(self, redis: Redis, outbox: Outbox, cipher: TokenCipher, prefix: str) -> None:
        self.redis = redis
        self.outbox = outbox
        self.cipher = cipher
        self.prefix = namespace(prefix)

    def key(self, owner_id: str) -> str:
        """Where an owner's connection lives."""
        return f"{self.prefix}conn:{self.outbox.tag(owner_id)}:{owner_id}"

    async def get(self, owner_id: str) -> Connection | None:
        """The owner's connection, refresh token decrypted; None when not connected."""
        fields: dict[str, str] = await self.redis.hgetall(self.key(owner_id))  # type: ignore[assignment]
        return self._connection(fields)

    async def watched(self, pipe: Pipeline, owner_id: str) -> Connection | None:
        """The owner's connection, read on a pipeline that WATCHes its key."""
        fields: dict[str, str] = await pipe.hgetall(self.key(owner_id))  # type: ignore[assignment]
        return self._connection(fields)

    async def account_id(self, owner_id: str) -> str | None:
        """The Dropbox account the owner is connected to (no token decrypted)."""
        value = await self.redis.hget(self.key(owner_id), "account_id")
        return None if value is None else str(value)

    def save(self, pipe: Pipeline, owner_id: str, connection: Connection) -> None:
        """Queue the connection, its refresh token encrypted."""
        fields: dict[str, str] = asdict(connection) | {
            "refresh_token": self.cipher.encrypt(connection.refresh_token)
        }
        key = self.key(owner_id)
        pipe.delete(key)
        pipe.hset(key, mapping=fields)  # type: ignore[arg-type]

    def drop(self, pipe: Pipeline, owner_id: str) -> None:
        """Queue forgetting the owner's connection."""
        pipe.delete(self.key(owner_id))

    def _connection(self, fields: dict[str, str]) -> Connection | None:
        if not fields:
            return None
        fields["refresh_token"] = self.cipher.decrypt(fields["refresh_token"])
        return Connection(**fields)
