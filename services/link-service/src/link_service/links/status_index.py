"""Each owner's links by status, so that `GET /v1/links?status=` reads the records it
answers and no others (issue 24). Per outbox shard of the owner's links, next to the
owner's index of all links (`links:<tag>:<owner>`) and in its hash slot:

- `links-status:<tag>:<owner>:{active,expired,revoked}`: sorted sets by creation (ms);
- `links-expiry:<tag>:<owner>`: the active links that expire, by expiry (µs);
- `links-indexed:<tag>:<owner>`: set once the shard's links before these indexes existed
  were indexed (on the first listing that needs it).

A new link is active (and in the expiry set when it expires), in the transaction that
stores it; a revoke moves it to revoked in its own. Expiry is time passing, no write: each
listing first moves the links whose instant has come from active to expired (`_SETTLE`).
"""

from datetime import UTC, datetime, timedelta

from messaging.scripts import LuaScript
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from link_service.links.models import LinkRecord

STATUSES = ("active", "expired", "revoked")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BATCH = 500

# KEYS: active, expired, expiry, all. ARGV: now (µs), how many at most. Moves the links
# due by now from active to expired (at their creation score); answers how many it moved.
_SETTLE = LuaScript("""
local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[3], id)
  local created = redis.call('ZSCORE', KEYS[4], id)
  if created and redis.call('ZREM', KEYS[1], id) == 1 then
    redis.call('ZADD', KEYS[2], created, id)
  end
end
return #due
""")

# KEYS: active, revoked, expiry, marker, then one record key per link. ARGV: whether this
# batch is the last, then per link its id, creation (ms) and expiry (µs, or -1). Reads each
# record's revocation here, atomically with the revokes that may run meanwhile.
_BACKFILL = LuaScript("""
for i = 5, #KEYS do
  local raw = redis.call('GET', KEYS[i])
  local at = (i - 5) * 3 + 2
  local id, created, expires = ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2])
  if raw then
    local revoked = cjson.decode(raw)['revoked_at']
    if revoked and revoked ~= cjson.null then
      redis.call('ZADD', KEYS[2], created, id)
    else
      redis.call('ZADD', KEYS[1], created, id)
      if expires >= 0 then redis.call('ZADD', KEYS[3], expires, id) end
    end
  end
end
if ARGV[1] == '1' then redis.call('SET', KEYS[4], '1') end
return 0
""")


# KEYS: all, marker. After a new link's ZADD in the same MULTI: a shard's first link has no
# older links to index, so its indexes are complete already.
_MARK_FIRST = LuaScript("""
if redis.call('ZCARD', KEYS[1]) == 1 then redis.call('SET', KEYS[2], '1') end
return 0
""")


def created_ms(link: LinkRecord) -> int:
    """The link's score in the owner's indexes: its creation, in ms."""
    return int(link.created_at.timestamp() * 1000)


def micros(at: datetime) -> int:
    """An instant in µs since the epoch, exactly (expiry is an exact instant, DESIGN §5)."""
    return (at - _EPOCH) // timedelta(microseconds=1)


class StatusIndex:
    """The per-status indexes of one key prefix."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def key(self, tag: str, owner_id: str, status: str) -> str:
        """The owner's links of `status` in shard `tag`, by creation."""
        return f"{self.prefix}links-status:{tag}:{owner_id}:{status}"

    def _expiry(self, tag: str, owner_id: str) -> str:
        return f"{self.prefix}links-expiry:{tag}:{owner_id}"

    def _marker(self, tag: str, owner_id: str) -> str:
        return f"{self.prefix}links-indexed:{tag}:{owner_id}"

    def created(self, pipe: Pipeline, tag: str, link: LinkRecord, all_key: str) -> None:
        """Queue a new link as active (and due to expire), after its ZADD to `all_key`."""
        pipe.zadd(self.key(tag, link.owner_id, "active"), {link.id: created_ms(link)})
        if link.expires_at is not None:
            pipe.zadd(self._expiry(tag, link.owner_id), {link.id: micros(link.expires_at)})
        _MARK_FIRST.queue(pipe, [all_key, self._marker(tag, link.owner_id)])

    def revoked(self, pipe: Pipeline, tag: str, link: LinkRecord) -> None:
        """Queue a link's move to revoked, whatever it was."""
        for status in ("active", "expired"):
            pipe.zrem(self.key(tag, link.owner_id, status), link.id)
        pipe.zrem(self._expiry(tag, link.owner_id), link.id)
        pipe.zadd(self.key(tag, link.owner_id, "revoked"), {link.id: created_ms(link)})

    async def settle(self, tag: str, owner_id: str, all_key: str, now: datetime) -> None:
        """Move the shard's links expired by `now` from active to expired."""
        keys = [self.key(tag, owner_id, s) for s in ("active", "expired")]
        keys += [self._expiry(tag, owner_id), all_key]
        while int(await _SETTLE.run(self.redis, keys, [micros(now), _BATCH])) == _BATCH:
            pass

    async def indexed(self, tag: str, owner_id: str) -> bool:
        """Whether the shard's links are all in the status indexes."""
        return bool(await self.redis.exists(self._marker(tag, owner_id)))

    async def backfill(self, tag: str, owner_id: str, links: list[tuple[LinkRecord, str]]) -> None:
        """Index links stored before the status indexes (each with its record key)."""
        head = [self.key(tag, owner_id, s) for s in ("active", "revoked")]
        head += [self._expiry(tag, owner_id), self._marker(tag, owner_id)]
        batches = [links[i : i + _BATCH] for i in range(0, len(links), _BATCH)] or [[]]
        for number, batch in enumerate(batches, start=1):
            args: list[str | int] = ["1" if number == len(batches) else "0"]
            for link, _ in batch:
                expires = micros(link.expires_at) if link.expires_at else -1
                args += [link.id, created_ms(link), expires]
            await _BACKFILL.run(self.redis, head + [key for _, key in batch], args)
