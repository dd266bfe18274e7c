"""A relay or a consumer in a process of its own, so that tests can SIGKILL it.

usage: python worker_process.py relay|consume <bootstrap> <redis_url> <prefix> <batch_size>
"""

import asyncio
import sys

from contracts.events import ShareViewed
from messaging.delivery import subscriber
from messaging.idempotency import apply_once
from messaging.kafka import KafkaAccess, make_broker
from messaging.outbox import Outbox, OutboxRelay
from messaging.settings import KafkaSettings
from redis.asyncio import Redis


def _access(bootstrap: str) -> KafkaAccess:
    # The test's operator credentials come in the environment (the root conftest's).
    return KafkaSettings(kafka_bootstrap_servers=bootstrap).kafka


async def relay(bootstrap: str, redis: Redis, prefix: str, batch_size: int) -> None:
    broker = make_broker(_access(bootstrap), client_id="relay-under-test")
    await broker.start()
    outbox = Outbox(service="svc", key_prefix=prefix, topic_prefix=prefix)
    await OutboxRelay(redis, broker, outbox, instance_id="x", batch_size=batch_size).run()


async def consume(bootstrap: str, redis: Redis, prefix: str, delay_s: float) -> None:
    broker = make_broker(_access(bootstrap), client_id="consumer-under-test")

    @subscriber(broker, prefix + ShareViewed.topic, group_id=prefix + "views")
    async def count_view(event: ShareViewed) -> None:
        await asyncio.sleep(delay_s)  # a slow handler, so that a kill lands mid-stream
        await apply_once(
            redis,
            consumer=prefix + "views",
            event_id=event.event_id,
            write=lambda pipe: pipe.incr(prefix + "{views}"),
            tag="{views}",
        )

    await broker.start()
    await asyncio.Event().wait()


async def main() -> None:
    role, bootstrap, redis_url, prefix, amount = sys.argv[1:6]
    redis = Redis.from_url(redis_url, decode_responses=True)
    if role == "relay":
        await relay(bootstrap, redis, prefix, int(amount))
    else:
        await consume(bootstrap, redis, prefix, float(amount))


if __name__ == "__main__":
    asyncio.run(main())
