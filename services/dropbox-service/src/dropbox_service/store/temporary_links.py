"""Cached temporary links: `dropbox:tl:{tag}:<owner>:<account>` (hash: path digest → the
link and its expiry), per owner and connected account."""

import json
from datetime import UTC, datetime, timedelta

from contracts.ids import digest
from messaging.outbox import Outbox
from messaging.transactions import transaction
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from dropbox_service.domain import CachedLink
from dropbox_service.store.keys import namespace


class TemporaryLinkStore:
    """The temporary links handed out, by owner, account and path."""

    def __init__(self, redis: Redis, outbox: Outbox, prefix: str) -> None:
        self.redis = redis
        self.outbox = outbox
        self.prefix = namespace(prefix)

    def key(self, owner_id: str, account_id: str) -> str:
        """The hash of temporary links cached for one owner through one Dropbox account."""
        return f"{self.prefix}tl:{self.outbox.tag(owner_id)}:{owner_id}:{account_id}"

    async def get(self, owner_id: str, account_id: str, path: str) -> CachedLink | None:
        """A cached temporary link to the file, if any (it may be close to expiring)."""
        value = await self.redis.hget(self.key(owner_id, account_id), _path_field(path))
        if not value:
            return None
        cached = json.loads(value)
        return CachedLink(cached["url"], datetime.fromisoformat(cached["expires_at"]))

    async def put(
        self, owner_id: str, account_id: str, path: str, link: CachedLink, keep: timedelta
    ) -> None:
        """Cache a temporary link; the owner's cache lives `keep` past its newest link."""
        key = self.key(owner_id, account_id)
        value = json.dumps(
            {"url": link.url, "expires_at": link.expires_at.astimezone(UTC).isoformat()}
        )
        async with transaction(self.redis, key) as pipe:
            pipe.hset(key, _path_field(path), value)
            pipe.expire(key, keep)
            await pipe.execute()

    def drop_all(self, pipe: Pipeline, owner_id: str, account_id: str) -> None:
        """Queue forgetting every link cached for the owner through the account."""
        pipe.delete(self.key(owner_id, account_id))


def _path_field(path: str) -> str:
    return digest(path.lower(), 32)
