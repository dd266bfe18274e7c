"""`GET /v1/links?status=` served from per-status indexes (issue 24): a page reads the
records it answers, not every link of the owner; expiry moves links from active to expired
at the exact instant; links stored before the indexes existed are indexed on first use."""

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from contracts.events import DropboxConnected
from link_service.catalog.models import TrackIn
from link_service.links.models import LinkCreate

from .conftest import START, track_body

pytestmark = pytest.mark.integration


def _count_record_reads(monkeypatch: pytest.MonkeyPatch, store: Any) -> list[str]:
    reads: list[str] = []
    get = store.get

    async def counted(link_id: str) -> Any:
        reads.append(link_id)
        return await get(link_id)

    monkeypatch.setattr(store, "get", counted)
    return reads


async def test_a_status_filter_reads_only_the_links_it_answers(
    producer, app_context, monkeypatch: pytest.MonkeyPatch
):
    await producer.put_track("t-1", "Night Drive")
    made = [(await producer.create_link(tracks=["t-1"]))["id"] for _ in range(30)]
    assert (await producer.revoke(made[4])).status_code == 200
    reads = _count_record_reads(monkeypatch, app_context[1].state.links.links.store)

    revoked = await producer.list_links(status="revoked")
    assert [item["id"] for item in revoked.json()["items"]] == [made[4]]
    assert len(reads) <= 1, f"{len(reads)} link records read for one revoked link"

    reads.clear()
    active = await producer.list_links(status="active", limit=5)
    newest = [link_id for link_id in reversed(made) if link_id != made[4]]
    assert [item["id"] for item in active.json()["items"]] == newest[:5]
    assert len(reads) <= 5, f"{len(reads)} link records read for a page of five"
    rest = await producer.list_links(status="active", cursor=active.json()["next_cursor"])
    assert [item["id"] for item in rest.json()["items"]] == newest[5:]
    assert (await producer.list_links(status="expired")).json()["items"] == []


async def _owner_with_a_track(core, deliver) -> str:
    owner_id = f"u-{uuid4().hex[:8]}"
    await deliver(DropboxConnected(owner_id=owner_id, account_email=f"{owner_id}@example.com"))
    await core.catalog.put(owner_id, "t-1", TrackIn.model_validate(track_body("Night Drive")))
    return owner_id


async def _ids(core, owner_id: str, status: str | None) -> list[str]:
    links, _ = await core.links.page(owner_id, status, 50, None)
    return [link.id for link in links]


async def test_expiry_moves_a_link_from_active_to_expired_at_its_instant(core, deliver):
    owner_id = await _owner_with_a_track(core, deliver)
    day = (await core.links.create(owner_id, LinkCreate(tracks=["t-1"], expires_in_days=1))).id
    never = (await core.links.create(owner_id, LinkCreate(tracks=["t-1"]))).id
    record = await core.links.owned(owner_id, day)
    assert record is not None and record.expires_at is not None
    ticking = core.links.clock

    core.links.clock = lambda: record.expires_at - timedelta(microseconds=1)
    assert await _ids(core, owner_id, "active") == [never, day]
    assert await _ids(core, owner_id, "expired") == []
    core.links.clock = lambda: record.expires_at
    assert await _ids(core, owner_id, "active") == [never]
    assert await _ids(core, owner_id, "expired") == [day]

    core.links.clock = ticking
    await core.links.revoke(record)
    core.links.clock = lambda: record.expires_at + timedelta(days=1)
    assert await _ids(core, owner_id, "expired") == []
    assert await _ids(core, owner_id, "revoked") == [day]
    assert await _ids(core, owner_id, None) == [never, day]


async def test_links_stored_before_the_status_indexes_are_listed_by_status(core, deliver):
    owner_id = await _owner_with_a_track(core, deliver)
    day = (await core.links.create(owner_id, LinkCreate(tracks=["t-1"], expires_in_days=1))).id
    never = (await core.links.create(owner_id, LinkCreate(tracks=["t-1"]))).id
    gone = (await core.links.create(owner_id, LinkCreate(tracks=["t-1"]))).id
    record = await core.links.owned(owner_id, gone)
    assert record is not None
    await core.links.revoke(record)
    redis, prefix = core.runtime.redis, core.runtime.settings.key_prefix
    for name in ("links-status", "links-expiry", "links-indexed"):
        async for key in redis.scan_iter(match=f"{prefix}{name}:*{owner_id}*"):
            await redis.delete(key)  # as a deployment before the indexes left them

    core.links.clock = lambda: START + timedelta(days=2)
    assert await _ids(core, owner_id, "revoked") == [gone]
    assert await _ids(core, owner_id, "expired") == [day]
    assert await _ids(core, owner_id, "active") == [never]
