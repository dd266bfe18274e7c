"""Redis state of the dropbox-service: connections, OAuth states, temporary links, grants.

An owner's connection and a track's grants carry the outbox tag of their aggregate, so
each change and its event commit together (docs/decisions/0001-outbox.md).
"""

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from messaging.outbox import Outbox
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from dropbox_service.crypto import TokenCipher

OAUTH_STATE_TTL_S = 600


@dataclass(frozen=True)
class Connection:
    """A producer's Dropbox link: whose account, and the refresh token to act for them."""

    refresh_token: str
    account_id: str
    email: str
    name: str
    connected_at: str


@dataclass(frozen=True)
class Grant:
    """What was shared with one collaborator of one track, so it can be taken back."""

    mode: str
    email: str
    shared_folder_id: str | None
    files: list[str]


class Store:
    """Typed access to the service's keys."""

    def __init__(self, redis: Redis, outbox: Outbox, cipher: TokenCipher, prefix: str) -> None:
        self.redis = redis
        self.outbox = outbox
        self.cipher = cipher
        self.prefix = prefix + "dropbox:"

    def connection_key(self, owner_id: str) -> str:
        """Where an owner's connection lives."""
        return f"{self.prefix}conn:{self.outbox.tag(owner_id)}:{owner_id}"

    async def connection(self, owner_id: str) -> Connection | None:
        """The owner's connection, refresh token decrypted; None when not connected."""
        fields: dict[str, str] = await self.redis.hgetall(self.connection_key(owner_id))  # type: ignore[assignment]
        if not fields:
            return None
        fields["refresh_token"] = self.cipher.decrypt(fields["refresh_token"])
        return Connection(**fields)

    def save_connection(self, pipe: Pipeline, owner_id: str, connection: Connection) -> None:
        """Queue the connection, its refresh token encrypted."""
        fields: dict[str, str] = asdict(connection) | {
            "refresh_token": self.cipher.encrypt(connection.refresh_token)
        }
        key = self.connection_key(owner_id)
        pipe.delete(key)
        pipe.hset(key, mapping=fields)  # type: ignore[arg-type]

    async def remember_oauth_state(self, state: str, owner_id: str, code_verifier: str) -> None:
        """Bind a single-use OAuth `state` to its caller and PKCE verifier for ten minutes."""
        value = json.dumps({"owner_id": owner_id, "code_verifier": code_verifier})
        await self.redis.set(self._state_key(state), value, ex=OAUTH_STATE_TTL_S)

    async def take_oauth_state(self, state: str) -> dict[str, str] | None:
        """The state's binding, deleted as it is read; None if unknown, used or expired."""
        value = await self.redis.getdel(self._state_key(state))
        return json.loads(value) if value else None

    def temporary_link_key(self, owner_id: str, path: str) -> str:
        """Where the cached temporary link of one file lives."""
        digest = hashlib.sha256(path.lower().encode()).hexdigest()[:32]
        return f"{self.prefix}tl:{owner_id}:{digest}"

    async def cached_link(self, key: str) -> dict[str, Any] | None:
        """A cached temporary link, if any."""
        value = await self.redis.get(key)
        return json.loads(value) if value else None

    async def cache_link(self, key: str, url: str, expires_at: datetime, keep_s: int) -> None:
        """Cache a temporary link for `keep_s` seconds."""
        value = json.dumps({"url": url, "expires_at": expires_at.astimezone(UTC).isoformat()})
        await self.redis.set(key, value, ex=max(1, keep_s))

    def grant_key(self, owner_id: str, track_id: str, collaborator_id: str) -> str:
        """Where the record of one collaborator's access to one track lives."""
        tag = self.outbox.tag(track_id)
        return f"{self.prefix}grant:{tag}:{owner_id}:{track_id}:{collaborator_id}"

    async def grant(self, owner_id: str, track_id: str, collaborator_id: str) -> Grant | None:
        """What was shared with the collaborator, if anything."""
        value = await self.redis.get(self.grant_key(owner_id, track_id, collaborator_id))
        return Grant(**json.loads(value)) if value else None

    def _state_key(self, state: str) -> str:
        return f"{self.prefix}oauth:{state}"
