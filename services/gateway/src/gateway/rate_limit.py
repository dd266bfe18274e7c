"""Token guessing is rate-limited per client: a burst of unknown tokens earns a 429.

Each attempt is counted before its token is looked up, and given back when the token was
a link's; so parallel guesses cannot all pass a check made before any of them counted. The
giving back runs beside the answer, so a visitor's request still waits for one Redis round
trip, as before.
"""

import asyncio
import hashlib
import logging

from messaging.transactions import transaction
from redis.asyncio import Redis

from gateway.visitors import rate_limit_bucket

log = logging.getLogger(__name__)

# Give an attempt back unless the window ended meanwhile (the key is gone then).
_REFUND = (
    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0"
)


class UnknownTokenLimit:
    """Unknown-token requests per client (IPv6: per /64) in a fixed window, in Redis, so
    every instance shares the count."""

    def __init__(self, redis: Redis, prefix: str, burst: int, window_s: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.burst = burst
        self.window_s = window_s
        self._refund = redis.register_script(_REFUND)
        self._refunds: set[asyncio.Task[None]] = set()  # kept until done

    def _key(self, client: str) -> str:
        bucket = rate_limit_bucket(client)
        digest = hashlib.sha256(bucket.encode()).hexdigest()[:24]  # no raw address in Redis
        return f"{self.prefix}gateway:unknown-tokens:{digest}"

    async def take(self, client: str) -> int | None:
        """Count an attempt before its lookup; the seconds to wait when the client is over
        its burst, else None."""
        key = self._key(client)
        async with transaction(self.redis, key) as pipe:
            pipe.incr(key)
            pipe.expire(key, self.window_s, nx=True)
            pipe.ttl(key)
            count, _, ttl = await pipe.execute()
        return max(1, int(ttl)) if int(count) > self.burst else None

    def give_back(self, client: str) -> asyncio.Task[None]:
        """The attempt found a link: it does not count. Runs in the background; the task is
        there for whoever needs to wait for it."""
        task = asyncio.create_task(self._give_back(client))
        self._refunds.add(task)
        task.add_done_callback(self._refunds.discard)
        return task

    async def _give_back(self, client: str) -> None:
        try:
            await self._refund(keys=[self._key(client)])
        except Exception as error:  # Redis away: the attempt stays counted, as for a guess
            log.warning("could not give a guessing attempt back: %r", error)
