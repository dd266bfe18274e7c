"""Views and downloads already served are counted even when Redis fails as they are staged."""

import pytest
from contracts import topics
from contracts.events import ShareViewed
from gateway.store import Events
from messaging.kafka import ensure_topics
from messaging.outbox import Outbox
from messaging.testing import read_topic
from redis.asyncio import Redis
from service_kit.testing import free_port

pytestmark = pytest.mark.integration


async def test_a_view_goes_to_kafka_directly_when_redis_fails(kafka, publisher, unique_prefix):
    prefix = unique_prefix
    await ensure_topics(kafka, [prefix + topics.SHARE_VIEWED], partitions=1, replication_factor=1)
    away = Redis(port=free_port(), socket_connect_timeout=1)  # nothing listens there
    events = Events(away, Outbox(service="gateway", topic_prefix=prefix), publisher)
    view = ShareViewed(link_id="lnk_1", owner_id="u-1", visitor_id="v-1")

    await events.record(view)

    [record] = await read_topic(kafka, prefix + topics.SHARE_VIEWED, expect=1)
    assert record.key == view.key()
    assert ShareViewed.model_validate_json(record.value) == view
    assert dict(record.headers)["event-id"] == str(view.event_id).encode()
    await away.aclose()
