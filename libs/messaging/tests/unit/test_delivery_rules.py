from types import SimpleNamespace

from contracts.events import ShareViewed
from faststream import AckPolicy
from messaging.delivery import _dlq_headers, _event_id, broadcast_subscriber, subscriber
from messaging.kafka import KafkaAccess, make_broker, with_dead_letters


def test_subscriber_helper_commits_manually_in_the_service_group():
    broker = make_broker(KafkaAccess("localhost:1"), client_id="svc")

    @subscriber(broker, "share.viewed", group_id="analytics-service")
    async def count_view(event: ShareViewed) -> None: ...

    [registered] = broker.subscribers
    assert registered.ack_policy is AckPolicy.MANUAL
    assert registered.group_id == "analytics-service"


def test_broadcast_helper_reads_in_no_group_and_commits_nothing():
    broker = make_broker(KafkaAccess("localhost:1"), client_id="svc")

    @broadcast_subscriber(broker, "share.revoked")
    async def forget(event: ShareViewed) -> None: ...

    [registered] = broker.subscribers
    assert registered.group_id is None
    assert registered.ack_policy is AckPolicy.ACK_FIRST


def test_every_topic_gets_a_dead_letter_topic():
    assert with_dead_letters(["a", "b"]) == ["a", "a.dlq", "b", "b.dlq"]


def test_event_id_is_read_for_logs_without_trusting_the_body():
    assert _event_id(b'{"event_id": "abc"}') == "abc"
    assert _event_id(b"garbage") is None
    assert _event_id(b"[1, 2]") is None
    assert _event_id(b'{"event_id": 5}') is None


def test_dlq_headers_say_where_the_message_came_from_and_why():
    record = SimpleNamespace(topic="share.viewed", partition=2, offset=41)
    headers = _dlq_headers(record, ValueError("x" * 5000), attempts=3)
    assert headers["x-dlq-topic"] == "share.viewed"
    assert (headers["x-dlq-partition"], headers["x-dlq-offset"]) == ("2", "41")
    assert headers["x-dlq-error-type"] == "ValueError"
    assert len(headers["x-dlq-error"]) == 2000
    assert headers["x-dlq-attempts"] == "3"
