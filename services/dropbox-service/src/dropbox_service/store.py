"""Redis state of the dropbox-service: connections, OAuth states, temporary links, grants.

An owner's connection and cached links carry the outbox tag of the owner, and a track's
grants the tag of the track, so each change and its event commit together
(docs/decisions/0001-outbox.md).
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from messaging.outbox import Outbox
from messaging.transactions import transaction
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
class CachedLink:
    """A temporary link handed out before, and the instant it stops working."""

    url: str
    expires_at: datetime


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
        return self._connection(fields)

    async def watched_connection(self, pipe: Pipeline, owner_id: str) -> Connection | None:
        """The owner's connection, read on a pipeline that WATCHes its key."""
        fields: dict[str, str] = await pipe.hgetall(self.connection_key(owner_id))  # type: ignore[assignment]
        return self._connection(fields)

    async def account_id(self, owner_id: str) -> str | None:
        """The Dropbox account the owner is connected to (no token decrypted)."""
        value = await self.redis.hget(self.connection_key(owner_id), "account_id")
        return None if value is None else str(value)

    def save_connection(self, pipe: Pipeline, owner_id: str, connection: Connection) -> None:
        """Queue the connection, its refresh token encrypted."""
        fields: dict[str, str] = asdict(connection) | {
            "refresh_token": self.cipher.encrypt(connection.refresh_token)
        }
        key = self.connection_key(owner_id)
        pipe.delete(key)
        pipe.hset(key, mapping=fields)  # type: ignore[arg-type]

    def drop_connection(self, pipe: Pipeline, owner_id: str, connection: Connection) -> None:
        """Queue forgetting the connection and every temporary link cached through it."""
        pipe.delete(self.connection_key(owner_id))
        pipe.delete(self.links_key(owner_id, connection.account_id))

    async def remember_oauth_state(self, state: str, owner_id: str, code_verifier: str) -> None:
        """Bind a single-use OAuth `state` to its caller and PKCE verifier for ten minutes."""
        value = json.dumps({"owner_id": owner_id, "code_verifier": code_verifier})
        await self.redis.set(self._state_key(state), value, ex=OAUTH_STATE_TTL_S)

    async def take_oauth_state(self, state: str) -> dict[str, str] | None:
        """The state's binding, deleted as it is read; None if unknown, used or expired."""
        value = await self.redis.getdel(self._state_key(state))
        return json.loads(value) if value else None

    async def add_account_owner(self, account_id: str, owner_id: str) -> None:
        """Record that `owner_id` connected the Dropbox account (an index for a warning, kept
        beside the connection rather than in its transaction: another hash slot)."""
        await self.redis.sadd(self._account_key(account_id), owner_id)

    async def remove_account_owner(self, account_id: str, owner_id: str) -> None:
        """Record that `owner_id` no longer has the account connected."""
        await self.redis.srem(self._account_key(account_id), owner_id)

    async def other_owners(self, account_id: str, owner_id: str) -> set[str]:
        """The other producers who have the same Dropbox account connected."""
        owners: set[str] = await self.redis.smembers(self._account_key(account_id))  # type: ignore[assignment]
        return owners - {owner_id}

    def links_key(self, owner_id: str, account_id: str) -> str:
        """The hash of temporary links cached for one owner through one Dropbox account."""
        return f"{self.prefix}tl:{self.outbox.tag(owner_id)}:{owner_id}:{account_id}"

    async def cached_link(self, owner_id: str, account_id: str, path: str) -> CachedLink | None:
        """A cached temporary link to the file, if any (it may be close to expiring)."""
        value = await self.redis.hget(self.links_key(owner_id, account_id), _path_field(path))
        if not value:
            return None
        cached = json.loads(value)
        return CachedLink(cached["url"], datetime.fromisoformat(cached["expires_at"]))

    async def cache_link(
        self, owner_id: str, account_id: str, path: str, link: CachedLink, keep: timedelta
    ) -> None:
        """Cache a temporary link; the owner's cache lives `keep` past its newest link."""
        key = self.links_key(owner_id, account_id)
        value = json.dumps(
            {"url": link.url, "expires_at": link.expires_at.astimezone(UTC).isoformat()}
        )
        async with transaction(self.redis, key) as pipe:
            pipe.hset(key, _path_field(path), value)
            pipe.expire(key, keep)
            await pipe.execute()

    def grants_key(self, owner_id: str, track_id: str, collaborator_id: str) -> str:
        """The hash of the accesses one collaborator was given to one track: per target
        (`folder:<shared folder id>` or `file:<path>`), the address it was given to."""
        tag = self.outbox.tag(track_id)
        return f"{self.prefix}grants:{tag}:{owner_id}:{track_id}:{collaborator_id}"

    async def grants(self, owner_id: str, track_id: str, collaborator_id: str) -> dict[str, str]:
        """Every access the collaborator holds on the track, as recorded when it was given."""
        key = self.grants_key(owner_id, track_id, collaborator_id)
        found: dict[str, str] = await self.redis.hgetall(key)  # type: ignore[assignment]
        return found

    def add_grants(
        self, pipe: Pipeline, owner_id: str, track_id: str, cid: str, given: Mapping[str, str]
    ) -> None:
        """Queue recording accesses given (beside those given before)."""
        if given:
            pipe.hset(self.grants_key(owner_id, track_id, cid), mapping=dict(given))  # type: ignore[arg-type]

    def drop_grants(
        self, pipe: Pipeline, owner_id: str, track_id: str, cid: str, targets: Iterable[str]
    ) -> None:
        """Queue forgetting accesses that were taken back."""
        if removed := list(targets):
            pipe.hdel(self.grants_key(owner_id, track_id, cid), *removed)

    def _connection(self, fields: dict[str, str]) -> Connection | None:
        if not fields:
            return None
        fields["refresh_token"] = self.cipher.decrypt(fields["refresh_token"])
        return Connection(**fields)

    def _account_key(self, account_id: str) -> str:
        return f"{self.prefix}account-owners:{account_id}"

    def _state_key(self, state: str) -> str:
        return f"{self.prefix}oauth:{state}"


def _path_field(path: str) -> str:
    return hashlib.sha256(path.lower().encode()).hexdigest()[:32]
