"""The broker's own produce→consume latency, a process of its own: `count` records produced
at `rate` a second (acks=all, as the services produce) to a topic of its own, each timed
from its send to a consumer's receipt.

usage: python bench/kafka_latency.py <rate> <count>  (devstack's Kafka, as the operator)
prints {"latencies_ms": [...]} as JSON
"""

import asyncio
import json
import sys
import time
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from devstack import kafka


async def main(rate: float, count: int) -> None:
    options = kafka.operator_access().client_options()
    topic = f"bench.latency.{uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(**options)
    await admin.start()
    await admin.create_topics([NewTopic(topic, 1, 1)])
    producer = AIOKafkaProducer(**options, acks="all", enable_idempotence=True)
    consumer = AIOKafkaConsumer(topic, **options, auto_offset_reset="earliest")
    await producer.start()
    await consumer.start()
    try:
        sent: dict[int, float] = {}
        latencies: list[float] = []

        async def receive() -> None:
            async for record in consumer:
                latencies.append((time.monotonic() - sent[int(record.value or b"0")]) * 1000)
                if len(latencies) == count:
                    return

        receiving = asyncio.create_task(receive())
        start = time.monotonic() + 1.0  # the consumer has joined by then
        for i in range(count):
            await asyncio.sleep(start + i / rate - time.monotonic())
            sent[i] = time.monotonic()
            await producer.send(topic, str(i).encode())
        await asyncio.wait_for(receiving, 60)
    finally:
        await producer.stop()
        await consumer.stop()
        await admin.delete_topics([topic])
        await admin.close()
    print(json.dumps({"latencies_ms": latencies}))


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]), int(sys.argv[2])))
