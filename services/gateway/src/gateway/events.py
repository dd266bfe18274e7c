"""What the gateway tells the rest of the system: views and downloads, staged in its outbox."""

import logging

from contracts.events import DownloadRecorded, ShareViewed
from messaging.outbox import Outbox
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class Events:
    """Stages events with one Redis write each; the relay takes them to Kafka off the request."""

    def __init__(self, redis: Redis, outbox: Outbox) -> None:
        self.redis = redis
        self.outbox = outbox

    async def record(self, event: ShareViewed | DownloadRecorded) -> None:
        """Stage `event`; when Redis is away the page is served all the same (event lost)."""
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                self.outbox.stage(pipe, event)
                await pipe.execute()
        except RedisError as error:
            log.error("could not record %s: %r", event.topic, error)
