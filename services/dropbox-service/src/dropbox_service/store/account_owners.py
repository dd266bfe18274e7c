"""Who connected a Dropbox account: `dropbox:account-owners:<account>` (set). It lives in
another hash slot than the connection, so it is kept beside its transaction, not in it; it
only feeds the `connected_elsewhere` warning."""

from redis.asyncio import Redis

from dropbox_service.store.keys import namespace


class AccountOwnerStore:
    """The producers who have each Dropbox account connected."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = namespace(prefix)

    async def add(self, account_id: str, owner_id: str) -> None:
        """Record that `owner_id` connected the Dropbox account."""
        await self.redis.sadd(self._key(account_id), owner_id)

    async def remove(self, account_id: str, owner_id: str) -> None:
        """Record that `owner_id` no longer has the account connected."""
        await self.redis.srem(self._key(account_id), owner_id)

    async def others(self, account_id: str, owner_id: str) -> set[str]:
        """The other producers who have the same Dropbox account connected."""
        owners: set[str] = await self.redis.smembers(self._key(account_id))  # type: ignore[assignment]
        return owners - {owner_id}

    def _key(self, account_id: str) -> str:
        return f"{self.prefix}account-owners:{account_id}"
