"""The `dlq` command on real Kafka: dead letters listed with their errors, chosen ones
replayed to their topic, an unknown position refused."""

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from contracts.topics import dlq
from faststream.kafka import KafkaBroker
from messaging.delivery import dead_letter
from messaging.kafka import KafkaAccess, ensure_topics, with_dead_letters
from messaging.testing import read_topic

pytestmark = pytest.mark.integration


def _dlq(kafka: KafkaAccess, prefix: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers, "TOPIC_PREFIX": prefix}
    command = [sys.executable, "-c", "from messaging.dead_letters import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


async def test_dead_letters_are_listed_with_their_error_and_replayed_to_their_topic(
    kafka: KafkaAccess, unique_prefix: str, publisher: KafkaBroker
):
    topic = unique_prefix + "share.viewed"
    await ensure_topics(kafka, with_dead_letters([topic]), partitions=1, replication_factor=1)
    for offset, value in enumerate((b'{"not": "an event"}', b"\xff\xfe garbage")):
        record = SimpleNamespace(topic=topic, partition=0, offset=offset, key=b"k", value=value)
        await dead_letter(publisher, record, ValueError(f"bad record {offset}"), attempts=3)

    listed = _dlq(kafka, unique_prefix, "list", "--topic", "share.viewed")
    assert listed.returncode == 0, listed.stderr
    assert f"{dlq(topic)} 0:0  from {topic}[0]@0  after 3 attempt(s)" in listed.stdout
    assert "ValueError: bad record 1" in listed.stdout
    assert "2 dead letter(s)" in listed.stderr

    replayed = _dlq(kafka, unique_prefix, "replay", dlq(topic), "0:1")
    assert replayed.returncode == 0, replayed.stderr
    [back] = await read_topic(kafka, topic, expect=1)
    assert (back.key, back.value) == (b"k", b"\xff\xfe garbage")
    assert dict(back.headers)["x-dlq-replayed-from"] == f"{dlq(topic)}:0:1".encode()

    unknown = _dlq(kafka, unique_prefix, "replay", dlq(topic), "0:99")
    assert unknown.returncode != 0 and "0:99" in unknown.stderr
