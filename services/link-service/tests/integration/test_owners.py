"""Which owners have Dropbox connected, from two topics Kafka does not order between them."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from contracts.events import DropboxConnected, DropboxDisconnected
from link_service.owners import Owners
from messaging.outbox import Outbox
from redis.asyncio import Redis

pytestmark = pytest.mark.integration

EARLIER = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
LATER = EARLIER + timedelta(seconds=1)


@pytest.fixture
async def owners(redis_url: str, unique_prefix: str) -> AsyncIterator[Owners]:
    redis = Redis.from_url(redis_url, decode_responses=True)
    yield Owners(redis, Outbox(service="link-service"), unique_prefix)
    await redis.aclose()


def _pair(owner_id: str, connected_last: bool):
    at_connect, at_disconnect = (LATER, EARLIER) if connected_last else (EARLIER, LATER)
    return (
        DropboxConnected(owner_id=owner_id, account_email="p@x.com", occurred_at=at_connect),
        DropboxDisconnected(owner_id=owner_id, account_email="p@x.com", occurred_at=at_disconnect),
    )


@pytest.mark.parametrize("connected_last", [True, False])
async def test_the_newer_event_wins_whatever_order_and_however_concurrent(
    owners: Owners, connected_last: bool
):
    for arrival in ("newer first", "older first"):
        for _ in range(10):
            owner_id = f"u-{uuid4().hex[:8]}"
            connected, disconnected = _pair(owner_id, connected_last)
            newer, older = (
                (connected, disconnected) if connected_last else (disconnected, connected)
            )
            first, second = (newer, older) if arrival == "newer first" else (older, newer)
            await asyncio.gather(owners.record("c", first), owners.record("c", second))
            assert await owners.dropbox_connected(owner_id) is connected_last, arrival


async def test_a_redelivered_older_event_changes_nothing(owners: Owners):
    owner_id = f"u-{uuid4().hex[:8]}"
    connected, disconnected = _pair(owner_id, connected_last=False)
    await owners.record("c", connected)
    await owners.record("c", disconnected)
    await owners.record("c", connected)  # Kafka delivers it again
    assert await owners.dropbox_connected(owner_id) is False
