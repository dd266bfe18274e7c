"""Token guessing is rate-limited per client: a burst of unknown tokens earns a 429."""

import hashlib

from redis.asyncio import Redis


class UnknownTokenLimit:
    """Unknown-token requests per client in a fixed window, in Redis (shared by instances)."""

    def __init__(self, redis: Redis, prefix: str, burst: int, window_s: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.burst = burst
        self.window_s = window_s

    def _key(self, client: str) -> str:
        digest = hashlib.sha256(client.encode()).hexdigest()[:24]  # no raw address in Redis
        return f"{self.prefix}gateway:unknown-tokens:{digest}"

    async def retry_after(self, client: str) -> int | None:
        """Seconds until the client may try again, or None when it is not limited."""
        key = self._key(client)
        count = await self.redis.get(key)
        if count is None or int(count) < self.burst:
            return None
        ttl = await self.redis.ttl(key)
        return max(1, int(ttl))

    async def record_miss(self, client: str) -> None:
        """Count one unknown token for the client."""
        key = self._key(client)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, self.window_s, nx=True)
            await pipe.execute()
