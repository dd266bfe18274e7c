"""link-service as a process on real Kafka and Redis, one test per feature: the wiring the
in-process tests stand in for (settings from the environment, consumers subscribed on real
topics, the outbox relay publishing to Kafka, the routes served over TCP). Each test runs a
behaviour test of its feature against the process: the Dropbox connection announced on
Kafka (every `producer` waits for its consumer), the events read back from Kafka."""

from typing import Any

import httpx
import pytest

from . import test_catalog, test_collaborators, test_link_lifecycle
from .conftest import Announce

pytestmark = pytest.mark.integration


@pytest.fixture
def http(process_http: httpx.AsyncClient) -> httpx.AsyncClient:
    return process_http


@pytest.fixture
def announce(process_announce: Announce) -> Announce:
    return process_announce


@pytest.fixture
def events(process_events: Any) -> Any:
    return process_events


async def test_the_catalog_over_http(make_producer):
    await test_catalog.test_put_track_answers_and_stores_the_track(make_producer)


async def test_links_reach_kafka_through_the_relay(producer, events):
    await test_link_lifecycle.test_events_match_the_contract(producer, events)


async def test_the_gateway_reads_a_link(producer, gateway):
    await test_link_lifecycle.test_gateway_sees_the_link_with_owner_and_dropbox_paths(
        producer, gateway
    )


async def test_collaborator_answers_from_kafka_finish_the_job(producer, events):
    await test_collaborators.test_grants_turn_the_dots_green_and_finish_the_job(producer, events)


async def test_a_disconnection_on_kafka_closes_the_gate(producer):
    await producer.disconnect_dropbox()  # waits until the consumer has applied it
    assert await producer.probe() == 409
