"""How much sharing one producer may start: jobs per hour and invitations (a Dropbox grant
and a mail per collaborator per track) per day, so that nobody can turn the system into a
mail cannon. Spent before a job starts, atomically per owner; a refusal changes nothing."""

from dataclasses import dataclass

from messaging.keys import hash_tag
from messaging.scripts import LuaScript
from redis.asyncio import Redis

# KEYS: jobs this hour, invitations today. ARGV: invitations asked, job limit, invitation
# limit. Answers 0 when spent, else the seconds until the window that refused ends.
_SPEND = LuaScript("""
local jobs = tonumber(redis.call('GET', KEYS[1]) or '0')
local invites = tonumber(redis.call('GET', KEYS[2]) or '0')
local asked = tonumber(ARGV[1])
if jobs + 1 > tonumber(ARGV[2]) then return math.max(1, redis.call('TTL', KEYS[1])) end
if invites + asked > tonumber(ARGV[3]) then return math.max(1, redis.call('TTL', KEYS[2])) end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], 3600, 'NX')
redis.call('INCRBY', KEYS[2], asked)
redis.call('EXPIRE', KEYS[2], 86400, 'NX')
return 0
""")


class OverBudget(Exception):
    """The owner started too much sharing lately; `retry_after` says for how long."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"share budget spent; retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limits:
    """Per owner: share jobs an hour, invitations a day."""

    jobs_per_hour: int
    invitations_per_day: int


class ShareBudget:
    """The owners' sharing budgets, in Redis (every instance shares them)."""

    def __init__(self, redis: Redis, prefix: str, limits: Limits) -> None:
        self.redis = redis
        self.limits = limits
        self.prefix = prefix

    async def spend(self, owner_id: str, invitations: int) -> None:
        """Count one job of `invitations`; OverBudget when either limit would be passed."""
        base = f"{self.prefix}share-budget:{hash_tag('owner', owner_id)}"
        wait = await _SPEND.run(
            self.redis,
            [f"{base}:jobs", f"{base}:invitations"],
            [invitations, self.limits.jobs_per_hour, self.limits.invitations_per_day],
        )
        if int(wait):
            raise OverBudget(int(wait))
