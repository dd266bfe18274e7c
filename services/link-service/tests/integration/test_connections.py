"""Which owners have Dropbox connected, from two topics Kafka does not order between them;
the flags under link-service's own `dbxstate:` namespace, the previous `dropbox:` keys read
until an event writes the new one."""

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from contracts.events import DropboxConnected, DropboxDisconnected
from link_service.connections.service import Connections, NotConnected

pytestmark = pytest.mark.integration

EARLIER = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
LATER = EARLIER + timedelta(seconds=1)


@pytest.fixture
def connections(core) -> Connections:
    return core.connections


def _owner() -> str:
    return f"u-{uuid4().hex[:8]}"


def _pair(owner_id: str, connected_last: bool):
    at_connect, at_disconnect = (LATER, EARLIER) if connected_last else (EARLIER, LATER)
    return (
        DropboxConnected(owner_id=owner_id, account_email="p@x.com", occurred_at=at_connect),
        DropboxDisconnected(owner_id=owner_id, account_email="p@x.com", occurred_at=at_disconnect),
    )


@pytest.mark.parametrize("connected_last", [True, False])
async def test_the_newer_event_wins_whatever_order_and_however_concurrent(
    connections: Connections, connected_last: bool
):
    for arrival in ("newer first", "older first"):
        for _ in range(10):
            owner_id = _owner()
            connected, disconnected = _pair(owner_id, connected_last)
            newer, older = (
                (connected, disconnected) if connected_last else (disconnected, connected)
            )
            first, second = (newer, older) if arrival == "newer first" else (older, newer)
            await asyncio.gather(connections.record("c", first), connections.record("c", second))
            assert await connections.dropbox_connected(owner_id) is connected_last, arrival


async def test_a_redelivered_older_event_changes_nothing(connections: Connections):
    owner_id = _owner()
    connected, disconnected = _pair(owner_id, connected_last=False)
    await connections.record("c", connected)
    await connections.record("c", disconnected)
    await connections.record("c", connected)  # Kafka delivers it again
    assert await connections.dropbox_connected(owner_id) is False
    with pytest.raises(NotConnected):
        await connections.require(owner_id)


async def test_the_flag_lives_in_link_services_own_namespace(core, deliver):
    owner_id = _owner()
    await deliver(DropboxConnected(owner_id=owner_id, account_email="p@x.com"))  # via routing
    store, redis = core.connections.store, core.runtime.redis
    assert store.key(owner_id).startswith(core.runtime.settings.service_key_prefix + "dbxstate:")
    assert str(await redis.get(store.key(owner_id))).startswith("connected|")
    assert await redis.exists(store.legacy_key(owner_id)) == 0  # nothing under dropbox:
    await core.connections.require(owner_id)


async def test_a_flag_of_the_previous_version_counts_until_a_newer_event(core, deliver):
    owner_id = _owner()
    store, redis = core.connections.store, core.runtime.redis
    await redis.set(store.legacy_key(owner_id), f"connected|{LATER.isoformat()}")
    assert await core.connections.dropbox_connected(owner_id) is True

    older = DropboxDisconnected(owner_id=owner_id, account_email="p@x.com", occurred_at=EARLIER)
    await deliver(older)
    assert await core.connections.dropbox_connected(owner_id) is True  # the old flag is newer

    newer = DropboxDisconnected(
        owner_id=owner_id, account_email="p@x.com", occurred_at=LATER + timedelta(seconds=1)
    )
    await deliver(newer)
    assert await core.connections.dropbox_connected(owner_id) is False
