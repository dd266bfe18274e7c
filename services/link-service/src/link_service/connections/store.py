"""The owners' Dropbox connection flags in Redis, under link-service's own `dbxstate:`
namespace. One key per owner, `<prefix>dbxstate:<outbox tag>:<owner>`, holding
`connected|<time>` or `disconnected|<time>` (the time of the event that set it).

Until this namespace, the flags were kept at `<prefix>dropbox:<outbox tag>:<owner>`, a name
of dropbox-service's namespace. A deployment running the old version still has its flags
there (and no event brings them again), so an owner without a new flag reads the old one;
writes go only to the new key. Both keys carry the owner's outbox tag: one slot.
"""

from messaging.outbox import Outbox
from redis.asyncio import Redis


class ConnectionStore:
    """Typed access to the owners' connection flags."""

    def __init__(self, redis: Redis, outbox: Outbox, prefix: str) -> None:
        self.redis = redis
        self.outbox = outbox
        self.prefix = prefix

    def key(self, owner_id: str) -> str:
        """Where the owner's flag lives."""
        return f"{self.prefix}dbxstate:{self.outbox.tag(owner_id)}:{owner_id}"

    def legacy_key(self, owner_id: str) -> str:
        """Where the previous version kept the owner's flag (read only)."""
        return f"{self.prefix}dropbox:{self.outbox.tag(owner_id)}:{owner_id}"

    def tag(self, owner_id: str) -> str:
        """The hash tag of the owner's flag (for the consumers' markers)."""
        return self.outbox.tag(owner_id)

    async def flag(self, owner_id: str) -> str | None:
        """The owner's flag (`<state>|<time>`), the new key before the old, or None."""
        value = await self.redis.get(self.key(owner_id))
        if value is None:
            value = await self.redis.get(self.legacy_key(owner_id))
        return None if value is None else str(value)
