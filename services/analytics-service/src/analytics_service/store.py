"""Link stats in Redis, laid out for Redis Cluster.

Every key of one link carries the hash tag `{link:<id>}` (DESIGN §12), so the counting
script touches one slot; this service publishes no events, so it needs no outbox tag.
An owner's list of links is one sorted set tagged `{owner:<id>}`.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from messaging.idempotency import MARKER_TTL, marker_key
from messaging.keys import hash_tag
from messaging.markers import Purpose, scope
from messaging.scripts import LuaScript
from messaging.transactions import transaction
from redis.asyncio import Redis
from service_kit.pagination import Position, first, newest_first

from analytics_service.domain import DOWNLOAD, VIEW, RawStats, Tally, to_micros

# Applies each event of one link at most once: its marker is set in the same atomic
# script as its increments. The key types are checked first, so a failing script
# has written nothing. The increments of a batch are summed before they are written:
# one HINCRBY per field rather than six per download.
# KEYS: counters, formats, tracks, visitors, daily, songs, titles, then one marker per event.
# ARGV: marker ttl (s), then the events as one JSON array with one entry per marker:
# [kind, at_us, day, visitor, type, format, track, song, title] (the song's latest title wins).
COUNT_ONCE = LuaScript("""
local types = {'hash', 'hash', 'hash', 'string', 'hash', 'hash', 'hash'}
for i = 1, 7 do
  local found = redis.call('TYPE', KEYS[i])['ok']
  if found ~= 'none' and found ~= types[i] then
    return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' holds a ' .. found)
  end
end
local events = cjson.decode(ARGV[2])
local sums = {[1] = {}, [2] = {}, [3] = {}, [5] = {}, [6] = {}}
local function add(key, field)
  sums[key][field] = (sums[key][field] or 0) + 1
end
local visitors, titles, latest = {}, {}, {}
local applied = 0
for n = 8, #KEYS do
  local e = events[n - 7]
  if redis.call('SET', KEYS[n], '1', 'NX', 'EX', ARGV[1]) then
    local last = 'last_viewed_us'
    if e[1] == 'v' then
      add(1, 'views')
      add(5, e[3] .. '|v')
    else
      last = 'last_downloaded_us'
      add(1, 'downloads')
      add(1, 'type:' .. e[5])
      add(2, e[6])
      add(3, e[7])
      add(5, e[3] .. '|d')
      add(6, e[8])
      if e[9] ~= '' then titles[e[8]] = e[9] end
    end
    visitors[#visitors + 1] = e[4]
    if latest[last] == nil or tonumber(e[2]) > tonumber(latest[last]) then latest[last] = e[2] end
    applied = applied + 1
  end
end
for key, fields in pairs(sums) do
  for field, by in pairs(fields) do redis.call('HINCRBY', KEYS[key], field, by) end
end
for song, title in pairs(titles) do redis.call('HSET', KEYS[7], song, title) end
for i = 1, #visitors, 1000 do
  redis.call('PFADD', KEYS[4], unpack(visitors, i, math.min(i + 999, #visitors)))
end
for last, at in pairs(latest) do
  if tonumber(at) > tonumber(redis.call('HGET', KEYS[1], last) or '0') then
    redis.call('HSET', KEYS[1], last, at)
  end
end
return applied
""")


class StatsStore:
    """Counters per link, ownership, and each owner's links."""

    def __init__(self, redis: Redis, prefix: str, consumer: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self.consumer = consumer
        self._scopes = {kind: scope(consumer, Purpose(kind)) for kind in (VIEW, DOWNLOAD)}

    def keys(self, link_id: str) -> list[str]:
        """The keys of one link: counters, formats, tracks, visitors, daily, songs, titles."""
        base = f"{self.prefix}stats:{hash_tag('link', link_id)}"
        parts = ("formats", "tracks", "visitors", "daily", "songs", "song-titles")
        return [base, *(f"{base}:{part}" for part in parts)]

    def _owner_index(self, owner_id: str) -> str:
        return f"{self.prefix}stats-links:{hash_tag('owner', owner_id)}"

    async def count(self, tallies: Sequence[Tally]) -> dict[str, int | Exception]:
        """Apply each tally once, one atomic script per link in one round trip.

        Answers, per link, how many tallies were new, or the error its script raised
        (then none of that link's tallies was applied).
        """
        by_link: dict[str, list[Tally]] = defaultdict(list)
        for tally in tallies:
            by_link[tally.link_id].append(tally)
        async with self.redis.pipeline(transaction=False) as pipe:
            for link_id, group in by_link.items():
                tag = hash_tag("link", link_id)
                markers = [marker_key(self._scopes[t.kind], t.event_id, tag) for t in group]
                events = json.dumps([tally.script_args() for tally in group])
                keys = self.keys(link_id) + markers
                ttl = int(MARKER_TTL.total_seconds())
                COUNT_ONCE.queue(pipe, keys, [ttl, events])
            results = await pipe.execute(raise_on_error=False)
        return dict(zip(by_link, results, strict=True))

    async def claim(self, link_id: str, owner_id: str, at: datetime) -> bool:
        """Record `owner_id` as the link's owner unless another one was recorded first."""
        counters = self.keys(link_id)[0]
        async with transaction(self.redis, counters) as pipe:
            pipe.hsetnx(counters, "owner_id", owner_id)
            pipe.hget(counters, "owner_id")
            _, owner = await pipe.execute()
        if owner != owner_id:
            return False
        # LT keeps the earliest time seen: share.revoked may arrive before share.created.
        await self.redis.zadd(self._owner_index(owner_id), {link_id: _ms(at)}, lt=True)
        return True

    async def mark_revoked(self, link_id: str, at: datetime) -> None:
        """Remember when the link was revoked (the first revocation wins)."""
        await self.redis.hsetnx(self.keys(link_id)[0], "revoked_at", at.isoformat())

    async def owner_of(self, link_id: str) -> str | None:
        """The link's owner, as share.created or share.revoked told."""
        owner = await self.redis.hget(self.keys(link_id)[0], "owner_id")
        return None if owner is None else str(owner)

    async def stats(self, link_ids: Iterable[str]) -> list[RawStats]:
        """The counters of each link, read in one round trip."""
        ids = list(link_ids)
        # One link's counters are read at one instant; several links' need not be.
        reading = (
            transaction(self.redis, self.keys(ids[0])[0])
            if len(ids) == 1
            else self.redis.pipeline(transaction=False)
        )
        async with reading as pipe:
            for link_id in ids:
                counters, formats, tracks, visitors, daily, songs, titles = self.keys(link_id)
                pipe.hgetall(counters)
                pipe.hgetall(formats)
                pipe.hgetall(tracks)
                pipe.execute_command("PFCOUNT", visitors)  # the cluster pipeline refuses pfcount()
                pipe.hgetall(daily)
                pipe.hgetall(songs)
                pipe.hgetall(titles)
            values: list[Any] = await pipe.execute()
        return [RawStats(*values[i : i + 7]) for i in range(0, len(values), 7)]

    async def owned_page(
        self, owner_id: str, limit: int, after: Position | None
    ) -> tuple[list[str], str | None]:
        """Up to `limit` of the owner's link ids, newest first, after `after`; and the cursor
        of the next page."""
        index = newest_first(self.redis, self._owner_index(owner_id), after)
        positions, cursor = await first(index, limit)
        return [link_id for _, link_id in positions], cursor


def _ms(moment: datetime) -> int:
    return to_micros(moment) // 1000
