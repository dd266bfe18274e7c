"""How many share links one producer may create: LINKS_PER_HOUR in a fixed hour window,
counted atomically per owner in Redis (every instance shares it), so that a leaked token or
a runaway script cannot fill the store. Spent once a request is valid, just before the link
is stored; a refusal stores nothing."""

from messaging.keys import hash_tag
from messaging.scripts import LuaScript
from redis.asyncio import Redis

WINDOW_S = 3600

# KEYS: links this window. ARGV: the limit, the window. Answers 0 when spent, else the
# seconds until the window ends.
_SPEND = LuaScript("""
local made = tonumber(redis.call('GET', KEYS[1]) or '0')
if made + 1 > tonumber(ARGV[1]) then return math.max(1, redis.call('TTL', KEYS[1])) end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]), 'NX')
return 0
""")


class LinkBudgetSpent(Exception):
    """The owner created too many links lately; `retry_after` says for how long."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"link budget spent; retry after {retry_after} s")
        self.retry_after = retry_after


class LinkBudget:
    """The owners' link-creation budgets."""

    def __init__(self, redis: Redis, prefix: str, per_hour: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.per_hour = per_hour

    async def spend(self, owner_id: str) -> None:
        """Count one new link; LinkBudgetSpent when the hour's limit would be passed."""
        key = f"{self.prefix}link-budget:{hash_tag('owner', owner_id)}:hour"
        wait = await _SPEND.run(self.redis, [key], [self.per_hour, WINDOW_S])
        if int(wait):
            raise LinkBudgetSpent(int(wait))
