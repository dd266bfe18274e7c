"""Bad input, tried on the running services (issue 13). Over HTTP: schemathesis against
every service's OpenAPI document, requests generated from the schema, valid and not, with
a producer's token; no answer is a 5xx, and every answer's status, content type, headers
and body are the ones its operation documents (DESIGN §12: bad input is a 4xx with a
reason; §15: every error is problem details, every status documented). Over Kafka:
malformed, oversized and wrong-schema records on every topic a service consumes are
dead-lettered, and the consumers carry on.

The gateway's public port has no OpenAPI document (its pages are HTML, tested elsewhere);
internal routes are fuzzed with the internal token."""

import json
import os
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from contracts.topics import dlq
from dropbox_emulator.testing import RunningEmulator
from hypothesis import HealthCheck, given, settings
from messaging.kafka import KafkaAccess
from messaging.testing import read_topic, wait_until
from schemathesis import APIOperation, Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from service_kit.testing import (
    ServiceProcess,
    bearer,
    infra_env,
    internal_headers,
    start_service,
)

pytestmark = pytest.mark.e2e

SERVICES = ("link-service", "dropbox-service", "notify-service", "analytics-service")
# Generated cases per operation: enough to reach the odd shapes, short enough for make test;
# FUZZ_EXAMPLES=500 for a longer hunt.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))

# Who calls each family of internal routes (/internal/<family>/...): their token opens them.
INTERNAL_CALLER = {"links": "gateway", "catalog": "dropbox-service", "temporary-links": "gateway"}


@pytest.fixture(scope="module")
def running(
    kafka_bootstrap: str, redis_url: str, dropbox_emulator: RunningEmulator, module_prefix: str
) -> Iterator[dict[str, ServiceProcess]]:
    env = infra_env(kafka_bootstrap, redis_url, module_prefix) | {
        "DROPBOX_CA_FILE": str(dropbox_emulator.ca_file)
    }
    started = {name: start_service(name, env) for name in SERVICES}
    try:
        for service in started.values():
            service.wait_ready()
        yield started
    finally:
        for service in started.values():
            service.stop()


@pytest.mark.parametrize("name", SERVICES)
def test_no_request_gets_a_server_error_or_an_answer_off_its_schema(
    name: str, running: dict[str, ServiceProcess]
):
    service = running[name]
    schema = schemathesis.openapi.from_url(f"{service.base_url}/openapi.json")
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, f"{name} documents no operation"
    for operation in operations:
        try:
            _fuzz(operation, service.base_url)
        except Exception as failure:  # schemathesis' report of the shrunk example
            failures[operation.label] = str(failure)[:1500]
    assert not failures, "\n\n".join(f"{label}:\n{why}" for label, why in failures.items())


def _fuzz(operation: APIOperation, base_url: str) -> None:
    headers = bearer("u-fuzz")
    if operation.path.startswith("/internal/"):
        headers = internal_headers(INTERNAL_CALLER[operation.path.split("/")[2]])

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(case=operation.as_strategy())
    def run(case: Case) -> None:
        case.call_and_validate(
            base_url=base_url,
            headers=headers,
            checks=[
                not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_headers_conformance,
                response_schema_conformance,
            ],
        )

    run()


POISONS = {
    "malformed": b"{not json at all",
    "oversized": json.dumps({"pad": "x" * 900_000}).encode(),
    "wrong-schema": json.dumps({"event_type": "share.viewed", "link_id": 7}).encode(),
}


async def test_poison_on_every_consumed_topic_is_dead_lettered_and_consumers_carry_on(
    running: dict[str, ServiceProcess], kafka: KafkaAccess, module_prefix: str
):
    consumed = {name: _received_topics(service) for name, service in running.items()}
    topics = sorted({topic for names in consumed.values() for topic in names})
    assert len(topics) >= 10, f"every consumer documents what it receives: {consumed}"
    producer = AIOKafkaProducer(**kafka.client_options(), max_request_size=2**21)
    await producer.start()
    try:
        for topic in topics:
            for kind, value in POISONS.items():
                await producer.send_and_wait(topic, value, key=f"poison-{kind}".encode())
    finally:
        await producer.stop()

    for name, names in consumed.items():
        group = module_prefix + name

        async def moved_on(group: str = group, names: list[str] = names) -> bool:
            return await _caught_up(kafka, group, names)

        await wait_until(moved_on, timeout_s=90)
    for topic in topics:
        readers = sum(topic in names for names in consumed.values())
        letters = await read_topic(
            kafka,
            dlq(topic),
            expect=len(POISONS) * readers,
            match=lambda record: record.key.startswith(b"poison-"),
        )
        assert len(letters) == len(POISONS) * readers, topic
        assert all(dict(r.headers)["x-dlq-topic"] == topic.encode() for r in letters)
    for service in running.values():
        assert httpx.get(f"{service.base_url}/health/ready").status_code == 200


def _received_topics(service: ServiceProcess) -> list[str]:
    """The topics the service consumes, as its AsyncAPI document says."""
    document = httpx.get(f"{service.base_url}/asyncapi.json").json()
    channels = document["channels"]
    return sorted(
        {
            channels[operation["channel"]["$ref"].rsplit("/", 1)[1]]["address"]
            for operation in document["operations"].values()
            if operation["action"] == "receive"
        }
    )


async def _caught_up(kafka: KafkaAccess, group: str, topics: list[str]) -> bool:
    """Whether `group` has committed every partition of `topics` up to its end."""
    admin = AIOKafkaAdminClient(**kafka.client_options())
    consumer = AIOKafkaConsumer(**kafka.client_options(), group_id=None)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        partitions = [tp for tp in committed if tp.topic in topics]
        ends = await consumer.end_offsets(partitions) if partitions else {}
        covered = {tp.topic for tp in partitions}
        return covered == set(topics) and all(committed[tp].offset >= ends[tp] for tp in partitions)
    finally:
        await consumer.stop()
        await admin.close()
