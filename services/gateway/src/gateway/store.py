"""The gateway's Redis: each client's count of unknown tokens, each visitor's count of
listening reports, and the outbox its views, plays and downloads leave through.

Token guessing is rate-limited per client: a burst of unknown tokens earns a 429. Each
attempt is counted before its token is looked up, and given back when the token was a
link's; so parallel guesses cannot all pass a check made before any of them counted. The
giving back runs beside the answer, so a visitor's request still waits for one Redis round
trip, as before.
"""

import asyncio
import logging

from contracts.events import DownloadRecorded, SharePlayed, ShareViewed
from contracts.ids import digest
from faststream.kafka import KafkaBroker
from messaging.outbox import Outbox, publish
from messaging.scripts import LuaScript
from messaging.transactions import transaction
from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.domain import rate_limit_bucket

log = logging.getLogger(__name__)

# Give an attempt back unless the window ended meanwhile (the key is gone then).
_REFUND = LuaScript(
    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0"
)


class UnknownTokenLimit:
    """Unknown-token requests per client (IPv6: per /64) in a fixed window, in Redis, so
    every instance shares the count: `<prefix>gateway:unknown-tokens:<digest of the client>`."""

    def __init__(self, redis: Redis, prefix: str, burst: int, window_s: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.burst = burst
        self.window_s = window_s
        self._refunds: set[asyncio.Task[None]] = set()  # kept until done

    def _key(self, client: str) -> str:
        bucket = rate_limit_bucket(client)
        hashed = digest(bucket, 24)  # no raw address in Redis
        return f"{self.prefix}unknown-tokens:{hashed}"

    async def take(self, client: str) -> int | None:
        """Count an attempt before its lookup; the seconds to wait when the client is over
        its burst, else None."""
        return await _count_in_window(self.redis, self._key(client), self.burst, self.window_s)

    def give_back(self, client: str) -> asyncio.Task[None]:
        """The attempt found a link: it does not count. Runs in the background; the task is
        there for whoever needs to wait for it."""
        task = asyncio.create_task(self._give_back(client))
        self._refunds.add(task)
        task.add_done_callback(self._refunds.discard)
        return task

    async def _give_back(self, client: str) -> None:
        try:
            await _REFUND.run(self.redis, [self._key(client)])
        except Exception as error:  # Redis away: the attempt stays counted, as for a guess
            log.warning("could not give a guessing attempt back: %r", error)


class ListeningLimit:
    """Listening reports per visitor in a fixed window, shared by every instance:
    `<prefix>gateway:listening:<visitor id>` (already a salted hash)."""

    def __init__(self, redis: Redis, prefix: str, burst: int, window_s: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.burst = burst
        self.window_s = window_s

    async def take(self, visitor: str) -> int | None:
        """Count a report; the seconds to wait when the visitor is over the burst, else None."""
        return await _count_in_window(
            self.redis, f"{self.prefix}listening:{visitor}", self.burst, self.window_s
        )


async def _count_in_window(redis: Redis, key: str, burst: int, window_s: int) -> int | None:
    """One more in `key`'s fixed window; the seconds left in it when past `burst`."""
    async with transaction(redis, key) as pipe:
        pipe.incr(key)
        pipe.expire(key, window_s, nx=True)
        pipe.ttl(key)
        count, _, ttl = await pipe.execute()
    return max(1, int(ttl)) if int(count) > burst else None


class Events:
    """Stages events with one Redis write each; the relay takes them to Kafka off the request."""

    def __init__(self, redis: Redis, outbox: Outbox, broker: KafkaBroker) -> None:
        self.redis = redis
        self.outbox = outbox
        self.broker = broker

    async def record(self, event: ShareViewed | DownloadRecorded | SharePlayed) -> None:
        """Stage `event`. A page or download already served when Redis fails is still counted:
        the event goes to Kafka directly (the one publish outside the outbox, README's "one
        place for each thing"). Only with Kafka away as well is it lost (logged)."""
        try:
            await self.outbox.add(self.redis, event)
        except RedisError as error:
            log.warning("outbox unavailable (%r): %s sent to Kafka directly", error, event.topic)
            try:
                await (await publish(self.broker, self.outbox.fields(event)))
            except Exception as kafka_error:  # the answer stands; only the count is lost
                log.error("could not record %s: %r", event.topic, kafka_error)
