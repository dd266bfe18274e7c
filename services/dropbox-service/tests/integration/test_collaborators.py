"""collab.share.requested / collab.revoke.requested consumed by the service process on real
Kafka, each share checked with a link-service process's catalog: Dropbox members change (the
rest of grants runs in-process: test_grants_core.py, test_catalog_checks.py)."""

import json
from uuid import uuid4

import pytest
from contracts import topics
from contracts.events import CollabRevokeRequested
from messaging.testing import read_topic

from .conftest import (
    FILES,
    FOLDER,
    answering,
    invitations,
    members,
    people,
    put_in_catalog,
    share_request,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def owner(connect, control, owner_id) -> dict[str, str]:
    """A connected producer with a track folder of two files."""
    email = f"p{uuid4().hex[:8]}@example.com"
    connect(owner_id, email)
    for path in FILES:
        control.put("/_emulator/files", params={"account": email, "path": path}, content=b"x")
    return {"owner_id": owner_id, "email": email}


async def test_share_then_revoke_changes_dropbox_members(
    dropbox_service, link_service, owner, control, publisher, topic, kafka
):
    mode = "folder"  # files mode and the rest in-process (test_grants_core.py)
    folks = people()
    request = share_request(owner["owner_id"], mode, folks)
    put_in_catalog(link_service, request)
    await publisher.publish(request, topic=topic(topics.COLLAB_SHARE_REQUESTED), key=request.key())

    granted = await read_topic(
        kafka, topic(topics.COLLAB_GRANTED), match=answering(request), expect=2
    )
    events = [json.loads(r.value) for r in granted]
    assert {e["collaborator"]["collaborator_id"] for e in events} == {"c-1", "c-2"}
    assert {e["owner_name"] for e in events} != {""}
    assert all(e["message"] == "Mixes v3" and e["mode"] == mode for e in events)
    emails = {p.email.lower() for p in folks}
    assert emails <= members(control, owner["email"], FOLDER)
    # Dropbox invites the collaborator without a dashboard account; the user gets our notice.
    assert len(invitations(control, folks[1].email)) == 1
    assert invitations(control, folks[0].email) == []

    revoke = CollabRevokeRequested(
        request_id=f"r-{uuid4().hex[:6]}",
        owner_id=owner["owner_id"],
        track_id="t-1",
        collaborator=folks[1],
    )
    await publisher.publish(revoke, topic=topic(topics.COLLAB_REVOKE_REQUESTED), key=revoke.key())
    [revoked] = await read_topic(
        kafka, topic(topics.COLLAB_REVOKED), match=answering(revoke), expect=1
    )
    assert json.loads(revoked.value)["collaborator_id"] == "c-2"
    present = members(control, owner["email"], FOLDER)
    assert folks[0].email.lower() in present
    assert folks[1].email.lower() not in present


async def test_a_share_the_catalog_does_not_hold_is_refused(
    dropbox_service, owner, control, publisher, topic, kafka
):
    forged = share_request(owner["owner_id"], "folder", people()).model_copy(
        update={"track_id": "t-forged", "folder": "/Private", "files": []}
    )
    await publisher.publish(forged, topic=topic(topics.COLLAB_SHARE_REQUESTED), key=forged.key())

    failed = await read_topic(kafka, topic(topics.COLLAB_FAILED), match=answering(forged), expect=2)
    assert {json.loads(r.value)["reason"] for r in failed} == {"not_in_catalog"}


async def test_malformed_request_goes_to_the_dlq(dropbox_service, publisher, topic, kafka):
    poison = f'{{"owner_id": 1, "request_id": "{uuid4()}"}}'.encode()
    await publisher.publish(poison, topic=topic(topics.COLLAB_SHARE_REQUESTED), key=b"t-1")
    [dead] = await read_topic(
        kafka,
        topic(topics.dlq(topics.COLLAB_SHARE_REQUESTED)),
        expect=1,
        match=lambda record: record.value == poison,
    )
    assert dict(dead.headers)["x-dlq-error-type"] == b"ValidationError"
