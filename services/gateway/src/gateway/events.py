"""What the gateway tells the rest of the system: views and downloads, staged in its outbox."""

import logging

from contracts.events import DownloadRecorded, ShareViewed
from faststream.kafka import KafkaBroker
from messaging.outbox import Outbox, publish
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class Events:
    """Stages events with one Redis write each; the relay takes them to Kafka off the request."""

    def __init__(self, redis: Redis, outbox: Outbox, broker: KafkaBroker) -> None:
        self.redis = redis
        self.outbox = outbox
        self.broker = broker

    async def record(self, event: ShareViewed | DownloadRecorded) -> None:
        """Stage `event`. A page or download already served when Redis fails is still counted:
        the event goes to Kafka directly. Only with Kafka away as well is it lost (logged)."""
        try:
            await self.outbox.add(self.redis, event)
        except RedisError as error:
            log.warning("outbox unavailable (%r): %s sent to Kafka directly", error, event.topic)
            try:
                await (await publish(self.broker, self.outbox.fields(event)))
            except Exception as kafka_error:  # the answer stands; only the count is lost
                log.error("could not record %s: %r", event.topic, kafka_error)
