"""A lease in Redis: one holder at a time for a while (an outbox shard's relay, a mail's send).

The holder renews it before it lapses; a holder that dies loses it when it lapses, and a
release by anyone but the holder changes nothing.
"""

from datetime import timedelta

from redis.asyncio import Redis

from messaging.scripts import LuaScript

# Take the lease, or extend it if we already hold it.
_HOLD = LuaScript("""
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
""")

_RELEASE = LuaScript("""
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
""")


class Lease:
    """The lease `key`, as held by `holder` for `ttl` at a time."""

    def __init__(self, redis: Redis, key: str, holder: str, ttl: timedelta) -> None:
        self.redis = redis
        self.key = key
        self.holder = holder
        self.ttl_ms = int(ttl.total_seconds() * 1000)

    async def hold(self) -> bool:
        """Take the lease, or renew it if it is ours; False when another holds it."""
        return bool(await _HOLD.run(self.redis, [self.key], [self.holder, self.ttl_ms]))

    async def release(self) -> None:
        """Give the lease up if it is still ours."""
        await _RELEASE.run(self.redis, [self.key], [self.holder])
