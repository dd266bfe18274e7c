"""Link stats in Redis, laid out for Redis Cluster.

Every key of one link carries the hash tag `{link:<id>}` (DESIGN §12), so the counting
script touches one slot. The alerts it raises wait in the link's slot until the outbox
has them (one XADD each, in the outbox's own slot). An owner's list of links is one sorted
set tagged `{owner:<id>}`.
"""

import json
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from contracts.clock import Clock, utc_now
from contracts.events import AlertDigestLine, RecipientLink
from messaging.idempotency import MARKER_TTL, marker_key
from messaging.keys import hash_tag
from messaging.markers import Purpose, scope
from messaging.scripts import LuaScript
from messaging.transactions import transaction
from redis.asyncio import Redis
from service_kit.pagination import Position, first, newest_first

from analytics_service.domain import (
    DOWNLOAD,
    LINK_ITSELF,
    PLAY,
    VIEW,
    Alerting,
    RawRecipient,
    RawStats,
    Tally,
    to_micros,
)

# Applies each event of one link at most once: its marker is set in the same atomic
# script as its increments. The key types are checked first, so a failing script
# has written nothing. The link-wide increments of a batch are summed before they are
# written: one HINCRBY per field rather than six per download.
# Each event applied is also added to the link's activity log (a sorted set by the event's
# instant, trimmed to ACTIVITY_KEPT, and gone that long after its last entry).
# With the owner's alerts on (the counters' `alerting` field, from share.created v4), an
# event applied may raise an alert (DESIGN §16): a recipient's first view, a download, the
# leak guard's first crossing for the link or a recipient's token. The script keeps each in
# the link's pending alerts (one field per alert, in the link's slot) and answers them all;
# the caller stages each in the outbox and then removes it, so an alert survives a crash
# in between (staged again, with the same event id).
# A link asking for the daily digest answers the days its events fell on, counted now or
# before (digest.py: a crash before they were noted is repaired by the redelivery).
# KEYS: counters, formats, tracks, visitors, daily, songs, titles, plays, countries,
# devices, recipients (a set), activity (a sorted set), pending alerts (a hash), visitors in
# the guard's window (a sorted set), recipients' names (a hash), then for each event its
# marker, its recipient's counters, visitors and visitors in the window.
# ARGV: marker ttl (s), the events as one JSON array with one entry per marker:
# [kind, at_us, day, visitor, type, format, track, song, title, milestone, country, device,
# recipient, activity entry, event id] (the song's latest title wins), the instant of the
# oldest activity kept (µs), the activity log's ttl (ms), now (µs).
COUNT_ONCE = LuaScript("""
local types = {'hash', 'hash', 'hash', 'string', 'hash', 'hash', 'hash', 'hash', 'hash',
  'hash', 'set', 'zset', 'hash', 'zset', 'hash'}
local fixed = #types
for i = 1, fixed do
  local found = redis.call('TYPE', KEYS[i])['ok']
  if found ~= 'none' and found ~= types[i] then
    return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' holds a ' .. found)
  end
end
local events = cjson.decode(ARGV[2])
local sums = {[1] = {}, [2] = {}, [3] = {}, [5] = {}, [6] = {}, [8] = {}, [9] = {}, [10] = {}}
local function add(key, field)
  sums[key][field] = (sums[key][field] or 0) + 1
end
local function keep(key, field, at, newer)
  local held = redis.call('HGET', key, field)
  if not held or (newer and tonumber(at) > tonumber(held)) or
      (not newer and tonumber(at) < tonumber(held)) then
    redis.call('HSET', key, field, at)
  end
end
local milestones = {started = {'plays', 'started|'}, ['30s'] = {'listens', '30s|'},
  ['95pct'] = {'completions', nil}}
local visitors, titles, latest, days = {}, {}, {}, {}
local applied = 0
local held = redis.call('HGET', KEYS[1], 'alerting')
local alerting = held and cjson.decode(held) or nil
local wants = {}
if alerting then
  for _, kind in ipairs(alerting.notify_owner) do wants[kind] = true end
end
local function raise(field, alert, recipient, at)
  alert.recipient_id = recipient ~= 'link' and recipient or cjson.null
  local named = recipient ~= 'link' and redis.call('HGET', KEYS[15], recipient)
  alert.recipient_name = named and cjson.decode(named)[1] or cjson.null
  alert.seen_at_us = at
  alert.owner_id = redis.call('HGET', KEYS[1], 'owner_id')
  alert.owner_email = alerting.owner_email
  alert.title = alerting.title
  redis.call('HSETNX', KEYS[13], field, cjson.encode(alert))
end
-- A visitor seen now in a guard's window; true when this one is past its threshold for the
-- first time. The counters remember the crossing, so it is raised once, and the window is
-- dropped then: a popular link keeps no more than its threshold of visitors.
local function crossed(window, visitor, at, limit, flag)
  if redis.call('HEXISTS', KEYS[1], flag) == 1 then return false, 0 end
  local span = alerting.leak_guard.window_hours * 3600000000
  redis.call('ZADD', window, 'GT', at, visitor)
  redis.call('ZREMRANGEBYSCORE', window, '-inf', '(' .. (tonumber(ARGV[5]) - span))
  redis.call('PEXPIRE', window, span / 1000)
  local seen = redis.call('ZCARD', window)
  if seen <= limit then return false, seen end
  redis.call('HSET', KEYS[1], flag, at)
  redis.call('DEL', window)
  return true, seen
end
for n = 1, #events do
  local e = events[n]
  local base = fixed + (n - 1) * 4
  if wants.daily_digest then days[e[3]] = true end
  if redis.call('SET', KEYS[base + 1], '1', 'NX', 'EX', ARGV[1]) then
    local person = KEYS[base + 2]
    local last = nil
    if e[1] == 'v' then
      last = 'last_viewed_us'
      add(1, 'views')
      add(5, e[3] .. '|v')
      if e[11] ~= '' then add(9, e[11]) end
      if e[12] ~= '' then add(10, e[12]) end
      local views = redis.call('HINCRBY', person, 'views', 1)
      keep(person, 'first_opened_us', e[2], false)
      if views == 1 and wants.first_open then
        raise('first_open|' .. e[13], {kind = 'first_open'}, e[13], e[2])
      end
      if alerting and alerting.leak_guard ~= cjson.null then
        local guard = alerting.leak_guard
        local past, seen = crossed(KEYS[14], e[4], e[2], guard.unique_visitors, 'leak|link')
        if past then
          raise('leak|link', {kind = 'leak_suspected', visitors = seen, action = guard.action},
            'link', e[2])
        end
        if e[13] ~= 'link' then
          past, seen = crossed(KEYS[base + 4], e[4], e[2], guard.per_recipient, 'leak|' .. e[13])
          if past then
            raise('leak|' .. e[13],
              {kind = 'leak_suspected', visitors = seen, action = guard.action}, e[13], e[2])
          end
        end
      end
    elseif e[1] == 'd' then
      last = 'last_downloaded_us'
      add(1, 'downloads')
      add(1, 'type:' .. e[5])
      add(2, e[6])
      add(3, e[7])
      add(5, e[3] .. '|d')
      add(6, e[8])
      if e[9] ~= '' then titles[e[8]] = e[9] end
      redis.call('HINCRBY', person, 'downloads', 1)
      redis.call('HINCRBY', person, 'dl|' .. e[7], 1)
      if wants.download then
        raise('download|' .. e[15], {kind = 'download', track_id = e[7], file_type = e[5]},
          e[13], e[2])
      end
    else
      local counted = milestones[e[10]]
      add(1, counted[1])
      if counted[2] then add(8, counted[2] .. e[7]) end
      if e[10] == 'started' then add(5, e[3] .. '|p') end
      if e[10] ~= '95pct' then redis.call('HINCRBY', person, counted[1], 1) end
    end
    keep(person, 'last_seen_us', e[2], true)
    redis.call('PFADD', KEYS[base + 3], e[4])
    redis.call('SADD', KEYS[11], e[13])
    redis.call('ZADD', KEYS[12], e[2], e[14])
    visitors[#visitors + 1] = e[4]
    if last and (latest[last] == nil or tonumber(e[2]) > tonumber(latest[last])) then
      latest[last] = e[2]
    end
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
if applied > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[12], '-inf', '(' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[12], ARGV[4])
end
for last, at in pairs(latest) do
  if tonumber(at) > tonumber(redis.call('HGET', KEYS[1], last) or '0') then
    redis.call('HSET', KEYS[1], last, at)
  end
end
local digest_days = {}
for day in pairs(days) do digest_days[#digest_days + 1] = day end
return {applied, redis.call('HGETALL', KEYS[13]), digest_days}
""")


@dataclass(frozen=True)
class Counted:
    """What counting one link's events did: how many were new, and the link's pending
    alerts (field: the alert as JSON), new or left by an earlier try."""

    applied: int
    alerts: dict[str, str]
    digest_days: list[str]

    @classmethod
    def of(cls, reply: list[Any]) -> "Counted":
        """From the counting script's reply: the count, HGETALL's flat field/value list and
        the days to digest."""
        applied, flat, days = reply
        return cls(int(applied), dict(zip(flat[::2], flat[1::2], strict=True)), list(days))


@dataclass(frozen=True)
class DigestEntry:
    """One link's day, as the daily digest needs it: whose, where to mail, its counts."""

    owner_id: str
    owner_email: str | None
    line: AlertDigestLine


# How long the links to digest of a day are noted (digest.DAYS_LOOKED_BACK, and a day).
DIGEST_NOTES_KEPT = timedelta(days=3)
# DESIGN §16: a link's activity is kept 90 days; read this many entries per round trip.
ACTIVITY_KEPT = timedelta(days=90)
ACTIVITY_BATCH = 500


class StatsStore:
    """Counters per link, ownership, and each owner's links."""

    def __init__(self, redis: Redis, prefix: str, consumer: str, clock: Clock = utc_now) -> None:
        self.redis = redis
        self.prefix = prefix
        self.consumer = consumer
        self.clock = clock
        self._scopes = {kind: scope(consumer, Purpose(kind)) for kind in (VIEW, DOWNLOAD, PLAY)}

    def _base(self, link_id: str) -> str:
        return f"{self.prefix}stats:{hash_tag('link', link_id)}"

    def keys(self, link_id: str) -> list[str]:
        """The keys of one link: counters, formats, tracks, visitors, daily, songs, titles,
        plays, countries, devices, the recipients seen, the activity log, the pending alerts,
        the leak guard's window and the recipients' names."""
        base = self._base(link_id)
        parts = (
            "formats",
            "tracks",
            "visitors",
            "daily",
            "songs",
            "song-titles",
            "plays",
            "countries",
            "devices",
            "recipients",
            "activity",
            "alerts",
            "window",
            "recipient-names",
        )
        return [base, *(f"{base}:{part}" for part in parts)]

    def recipient_keys(self, link_id: str, recipient: str) -> tuple[str, str, str]:
        """One recipient's counters, visitors and visitors in the leak guard's window on a
        link (LINK_ITSELF: its own token's)."""
        base = self._base(link_id)
        return (
            f"{base}:recipient:{recipient}",
            f"{base}:recipient-visitors:{recipient}",
            f"{base}:recipient-window:{recipient}",
        )

    def _names_key(self, link_id: str) -> str:
        return self.keys(link_id)[14]

    def _owner_index(self, owner_id: str) -> str:
        return f"{self.prefix}stats-links:{hash_tag('owner', owner_id)}"

    async def count(self, tallies: Sequence[Tally]) -> dict[str, Counted | Exception]:
        """Apply each tally once, one atomic script per link in one round trip.

        Answers, per link, how many tallies were new and its pending alerts, or the error its
        script raised (then none of that link's tallies was applied).
        """
        by_link: dict[str, list[Tally]] = defaultdict(list)
        for tally in tallies:
            by_link[tally.link_id].append(tally)
        async with self.redis.pipeline(transaction=False) as pipe:
            for link_id, group in by_link.items():
                tag = hash_tag("link", link_id)
                per_event = [
                    key
                    for t in group
                    for key in (
                        marker_key(self._scopes[t.kind], t.event_id, tag),
                        *self.recipient_keys(link_id, t.recipient),
                    )
                ]
                events = json.dumps([tally.script_args() for tally in group])
                keys = self.keys(link_id) + per_event
                ttl = int(MARKER_TTL.total_seconds())
                oldest = to_micros(self.clock() - ACTIVITY_KEPT)
                kept_ms = int(ACTIVITY_KEPT.total_seconds() * 1000)
                now = to_micros(self.clock())
                COUNT_ONCE.queue(pipe, keys, [ttl, events, oldest, kept_ms, now])
            results = await pipe.execute(raise_on_error=False)
        return {
            link_id: result if isinstance(result, Exception) else Counted.of(result)
            for link_id, result in zip(by_link, results, strict=True)
        }

    async def remember_alerting(self, link_id: str, alerting: Alerting) -> None:
        """What the link's owner asked to be told of, and its leak guard (share.created)."""
        await self.redis.hset(self.keys(link_id)[0], "alerting", json.dumps(alerting))

    async def alerts_staged(self, link_id: str, fields: Iterable[str]) -> None:
        """Forget pending alerts once the outbox has them."""
        await self.redis.hdel(self.keys(link_id)[12], *fields)

    def _digest_key(self, day: str) -> str:
        return f"{self.prefix}stats-digest:{hash_tag('digest', day)}"

    async def note_digest_days(self, link_id: str, days: Iterable[str]) -> None:
        """Remember that the link, asking for the daily digest, saw activity on `days`."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for day in days:
                pipe.sadd(self._digest_key(day), link_id)
                pipe.expire(self._digest_key(day), int(DIGEST_NOTES_KEPT.total_seconds()))
            await pipe.execute()

    async def digest_links(self, day: str) -> list[str]:
        """The links to digest that saw activity on `day`, not yet digested."""
        members = await self.redis.smembers(self._digest_key(day))
        return sorted(str(member) for member in members)

    async def digest_entries(self, day: str, link_ids: Sequence[str]) -> list[DigestEntry]:
        """Each link's owner, alerts and counts of `day`, in one round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for link_id in link_ids:
                keys = self.keys(link_id)
                pipe.hmget(keys[0], ["owner_id", "alerting"])
                pipe.hmget(keys[4], [f"{day}|v", f"{day}|p", f"{day}|d"])
            values = await pipe.execute()
        entries = []
        for n, link_id in enumerate(link_ids):
            (owner_id, alerting), counts = values[2 * n], values[2 * n + 1]
            if owner_id is None or alerting is None:
                continue
            told = json.loads(alerting)
            views, plays, downloads = (int(c or 0) for c in counts)
            line = AlertDigestLine(
                link_id=link_id, title=told["title"], views=views, plays=plays, downloads=downloads
            )
            entries.append(DigestEntry(owner_id, told["owner_email"], line))
        return entries

    async def digested(self, day: str, link_ids: Sequence[str]) -> None:
        """Forget the links whose day went into their owner's digest."""
        await self.redis.srem(self._digest_key(day), *link_ids)

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

    async def name_recipients(self, link_id: str, recipients: Sequence[RecipientLink]) -> None:
        """Remember who the link's recipients are (their names and e-mails, for the stats)."""
        if recipients:
            names: dict[str | bytes, str] = {
                r.recipient_id: json.dumps([r.name, r.email]) for r in recipients
            }
            await self.redis.hset(self._names_key(link_id), mapping=names)  # type: ignore[arg-type]

    async def owner_of(self, link_id: str) -> str | None:
        """The link's owner, as share.created or share.revoked told."""
        owner = await self.redis.hget(self.keys(link_id)[0], "owner_id")
        return None if owner is None else str(owner)

    async def stats(self, link_ids: Iterable[str]) -> list[RawStats]:
        """The counters of each link, read in one round trip, then its recipients' in
        another."""
        ids = list(link_ids)
        async with self._reading(ids) as pipe:
            for link_id in ids:
                keys = self.keys(link_id)
                for key in keys[:3]:
                    pipe.hgetall(key)
                pipe.execute_command("PFCOUNT", keys[3])  # the cluster pipeline refuses pfcount()
                for key in keys[4:10]:
                    pipe.hgetall(key)
                pipe.smembers(keys[10])
                pipe.hgetall(self._names_key(link_id))
            values: list[Any] = await pipe.execute()
        width = 12
        rows = [values[i : i + width] for i in range(0, len(values), width)]
        recipients = await self._recipients(
            ids, [_recipient_order(seen, names) for *_, seen, names in rows]
        )
        return [
            RawStats(
                counters=row[0],
                formats=row[1],
                tracks=row[2],
                visitors=row[3],
                daily=row[4],
                songs=row[5],
                titles=row[6],
                plays=row[7],
                countries=row[8],
                devices=row[9],
                recipients=people,
            )
            for row, people in zip(rows, recipients, strict=True)
        ]

    async def _recipients(
        self, ids: list[str], wanted: list[list[tuple[str, str | None, str | None]]]
    ) -> list[list[RawRecipient]]:
        """Each link's recipients' counters, in one round trip."""
        async with self._reading(ids) as pipe:
            for link_id, people in zip(ids, wanted, strict=True):
                for recipient, _, _ in people:
                    counters, visitors, _ = self.recipient_keys(link_id, recipient)
                    pipe.hgetall(counters)
                    pipe.execute_command("PFCOUNT", visitors)
            values = iter(await pipe.execute())
        return [
            [RawRecipient(r, next(values), next(values), name, email) for r, name, email in people]
            for people in wanted
        ]

    def _reading(self, ids: list[str]) -> Any:
        # One link's counters are read at one instant; several links' need not be.
        if len(ids) == 1:
            return transaction(self.redis, self.keys(ids[0])[0])
        return self.redis.pipeline(transaction=False)

    def activity(self, link_id: str, after: Position | None = None) -> AsyncIterator[Position]:
        """The link's activity entries (µs instant, entry) after `after`, newest first."""
        return newest_first(self.redis, self.keys(link_id)[11], after, batch=ACTIVITY_BATCH)

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


def _recipient_order(
    seen: Iterable[str], names: dict[str, str]
) -> list[tuple[str, str | None, str | None]]:
    """The link's own token first, then its named recipients (in the order they were
    named: their ids sort as they may), then any seen before their names came."""
    named = [(rid, *json.loads(value)) for rid, value in names.items()]
    unnamed = sorted(set(seen) - set(names) - {LINK_ITSELF})
    return [(LINK_ITSELF, None, None), *sorted(named), *[(rid, None, None) for rid in unnamed]]
