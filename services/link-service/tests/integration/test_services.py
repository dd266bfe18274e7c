"""The service layer in-process on the real test Redis: the catalog, `Links` and
`Collaborators` built by `link_context` with a stepping clock, their events read back from
the outbox they commit to, the answers handed to the consumers through TestKafkaBroker."""

from datetime import timedelta
from uuid import uuid4

import pytest
from contracts import topics
from contracts.events import CollabGranted, Collaborator, DropboxConnected
from link_service.catalog.models import TrackIn
from link_service.connections.service import NotConnected
from link_service.links.models import LinkCreate

from .conftest import START, track_body

pytestmark = pytest.mark.integration


def _owner() -> str:
    return f"u-{uuid4().hex[:8]}"


async def _connected(deliver) -> str:
    owner_id = _owner()
    await deliver(DropboxConnected(owner_id=owner_id, account_email=f"{owner_id}@example.com"))
    return owner_id


async def test_the_catalog_service_stores_replaces_and_deletes(core):
    catalog, owner_id = core.catalog, _owner()
    stored = await catalog.put(owner_id, "t-1", TrackIn.model_validate(track_body("Night Drive")))
    assert stored.track_id == "t-1" and await catalog.track(owner_id, "t-1") == stored
    await catalog.put(owner_id, "t-1", TrackIn.model_validate(track_body("Afterglow")))
    tracks, cursor = await catalog.page(owner_id, None, 10, None)
    assert [t.title for t in tracks] == ["Afterglow"] and cursor is None
    assert await catalog.delete(owner_id, "t-1") is True
    assert await catalog.delete(owner_id, "t-1") is False
    assert await catalog.track(owner_id, "t-1") is None


async def test_a_link_reads_the_clock_it_is_given_and_stages_one_event(core, deliver, outbox_of):
    owner_id = await _connected(deliver)
    await core.catalog.put(owner_id, "t-1", TrackIn.model_validate(track_body("Night Drive")))

    link = await core.links.create(owner_id, LinkCreate(tracks=["t-1"], expires_in_days=7))

    assert link.created_at > START and link.created_at - START < timedelta(seconds=1)
    assert link.expires_at == link.created_at + timedelta(days=7)
    [created] = await outbox_of(topics.SHARE_CREATED)
    assert (created["link_id"], created["owner_id"], created["track_ids"]) == (
        link.id,
        owner_id,
        ["t-1"],
    )


async def test_revoking_twice_stages_one_share_revoked_at_the_clocks_time(core, deliver, outbox_of):
    owner_id = await _connected(deliver)
    await core.catalog.put(owner_id, "t-1", TrackIn.model_validate(track_body("Night Drive")))
    link = await core.links.create(owner_id, LinkCreate(tracks=["t-1"]))
    record = await core.links.owned(owner_id, link.id)
    assert record is not None

    first = await core.links.revoke(record)
    again = await core.links.revoke(record)

    assert first.revoked_at is not None and first.revoked_at > link.created_at
    assert again.revoked_at == first.revoked_at
    assert [e["link_id"] for e in await outbox_of(topics.SHARE_REVOKED)] == [link.id]


async def test_without_a_connection_nothing_is_created_or_shared(core, outbox_of):
    owner_id = _owner()
    await core.catalog.put(owner_id, "t-1", TrackIn.model_validate(track_body("Night Drive")))
    with pytest.raises(NotConnected):
        await core.links.create(owner_id, LinkCreate(tracks=["t-1"]))
    with pytest.raises(NotConnected):
        await core.collaborators.share(owner_id, ["t-1"], "folder", None)
    assert await outbox_of(topics.SHARE_CREATED) == []
    assert await outbox_of(topics.COLLAB_SHARE_REQUESTED) == []


async def test_a_share_answered_through_the_consumers_finishes_its_job(core, deliver, outbox_of):
    owner_id = await _connected(deliver)
    track = await core.catalog.put(
        owner_id, "t-1", TrackIn.model_validate(track_body("Night Drive"))
    )

    header = await core.collaborators.share(owner_id, ["t-1"], "folder", "Mixes v3")

    assert header.created_at > START and header.job_id.startswith("job_")
    [request] = await outbox_of(topics.COLLAB_SHARE_REQUESTED)
    assert request["job_id"] == header.job_id
    assert (await core.collaborators.status(owner_id, track)).status == "none"
    for person in request["collaborators"]:
        answer = CollabGranted(
            request_id=request["request_id"],
            job_id=request["job_id"],
            owner_id=owner_id,
            owner_name="Mara Vale",
            track_id="t-1",
            track_title="Night Drive",
            collaborator=Collaborator(**person),
            mode="folder",
        )
        await deliver(answer)
        await deliver(answer)  # redelivered: applied once
    status = await core.collaborators.status(owner_id, track)
    assert [(c.collaborator_id, c.status) for c in status.collaborators] == [
        ("c-1", "granted"),
        ("c-2", "granted"),
    ]
    job = await core.collaborators.job(owner_id, header.job_id)
    assert job is not None and (job.state, job.done, job.failed) == ("done", 1, 0)
