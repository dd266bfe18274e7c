"""Shares only of what the owner's catalog holds (docs/decisions/0005): forged or mistaken
collab.share.requested are refused with collab.failed and nothing is shared in Dropbox (the
emulator's calls log and members say so); a link-service outage redelivers the request.
The core in-process, link-service's catalog route answered by the test's catalog."""

from uuid import uuid4

import pytest
from contracts import topics
from contracts.events import Collaborator, SharedFile
from messaging.delivery import RetryLater

from .conftest import FILES, FOLDER, members, people, revoke_request, share_request

pytestmark = pytest.mark.integration

PRIVATE = "/Private"
SECRET = f"{PRIVATE}/Tax return.pdf"


@pytest.fixture
async def owner(connect_core, control, owner_id) -> dict[str, str]:
    """A producer connected in-process, with a track folder of two files and a private one."""
    email = f"p{uuid4().hex[:8]}@example.com"
    await connect_core(owner_id, email)
    for path in [*FILES, SECRET]:
        control.put("/_emulator/files", params={"account": email, "path": path}, content=b"x")
    return {"owner_id": owner_id, "email": email}


def sharing_calls(control) -> dict[str, int]:
    """The emulator's count of sharing calls, by route."""
    calls = control.get("/_emulator/calls").json()
    return {route: n for route, n in calls.items() if route.startswith("sharing/")}


async def _answers(deliver, outbox, request) -> tuple[list[dict], list[dict]]:
    await deliver(topics.COLLAB_SHARE_REQUESTED, request)
    granted = await outbox.events(topics.COLLAB_GRANTED, request_id=request.request_id)
    failed = await outbox.events(topics.COLLAB_FAILED, request_id=request.request_id)
    return granted, failed


def intruder() -> Collaborator:
    return Collaborator(
        collaborator_id="c-9", email=f"mallory{uuid4().hex[:6]}@example.com", name="M"
    )


async def test_a_forged_request_for_a_private_folder_is_refused_and_nothing_shared(
    deliver, outbox, owner, control
):
    mallory = intruder()
    forged = share_request(owner["owner_id"], "folder", [mallory]).model_copy(
        update={"track_id": "t-private", "folder": PRIVATE, "files": []}
    )
    before = sharing_calls(control)

    granted, failed = await _answers(deliver, outbox, forged)

    assert granted == []
    assert [(e["collaborator_id"], e["reason"]) for e in failed] == [("c-9", "not_in_catalog")]
    assert sharing_calls(control) == before, "no sharing call reached Dropbox"
    assert mallory.email.lower() not in members(control, owner["email"], PRIVATE)


async def test_a_held_track_with_another_folder_is_refused(
    catalog, deliver, outbox, owner, control
):
    folks = people()
    catalog.holds(share_request(owner["owner_id"], "folder", folks))
    forged = share_request(owner["owner_id"], "folder", folks).model_copy(
        update={"folder": PRIVATE}
    )
    before = sharing_calls(control)

    granted, failed = await _answers(deliver, outbox, forged)

    assert granted == []
    assert {e["reason"] for e in failed} == {"not_in_catalog"} and len(failed) == 2
    assert sharing_calls(control) == before
    assert members(control, owner["email"], PRIVATE).isdisjoint(p.email.lower() for p in folks)


async def test_a_path_outside_the_tracks_folder_is_refused(
    catalog, deliver, outbox, owner, control
):
    folks = people()
    held = catalog.holds(share_request(owner["owner_id"], "files", folks))
    secret = SharedFile(file_id="f-9", name="Tax return.pdf", dropbox_path=SECRET)
    forged = held.model_copy(update={"files": [*held.files, secret]})
    before = sharing_calls(control)

    granted, failed = await _answers(deliver, outbox, forged)

    assert granted == []
    assert {e["reason"] for e in failed} == {"not_in_catalog"} and len(failed) == 2
    assert sharing_calls(control) == before
    assert members(control, owner["email"], SECRET).isdisjoint(p.email.lower() for p in folks)


async def test_a_stored_file_outside_its_folder_is_not_shared(
    catalog, deliver, outbox, owner, control
):
    # A track stored before the catalog confined its paths (link-service never asks to share
    # one): the catalog holds the file, but it is not the track's folder's.
    folks = people()
    secret = SharedFile(file_id="f-9", name="Tax return.pdf", dropbox_path=SECRET)
    legacy = share_request(owner["owner_id"], "files", folks)
    legacy = catalog.holds(legacy.model_copy(update={"files": [*legacy.files, secret]}))
    before = sharing_calls(control)

    granted, failed = await _answers(deliver, outbox, legacy)

    assert granted == []
    assert {e["reason"] for e in failed} == {"outside_track_folder"} and len(failed) == 2
    assert sharing_calls(control) == before


async def test_an_address_the_track_does_not_have_is_refused_the_others_shared(
    catalog, deliver, outbox, owner, control
):
    folks = people()
    mallory = intruder()
    held = catalog.holds(share_request(owner["owner_id"], "folder", folks))
    forged = held.model_copy(update={"collaborators": [*folks, mallory]})

    granted, failed = await _answers(deliver, outbox, forged)

    assert {e["collaborator"]["collaborator_id"] for e in granted} == {"c-1", "c-2"}
    assert [(e["collaborator_id"], e["reason"]) for e in failed] == [("c-9", "not_in_catalog")]
    present = members(control, owner["email"], FOLDER)
    assert {p.email.lower() for p in folks} <= present
    assert mallory.email.lower() not in present


async def test_a_collaborator_with_another_address_is_refused(
    catalog, deliver, outbox, owner, control
):
    folks = people()
    held = catalog.holds(share_request(owner["owner_id"], "files", folks))
    mallory = intruder().model_copy(update={"collaborator_id": "c-2"})  # Bo's id, another address
    forged = held.model_copy(update={"collaborators": [folks[0], mallory]})

    granted, failed = await _answers(deliver, outbox, forged)

    assert [e["collaborator"]["collaborator_id"] for e in granted] == ["c-1"]
    assert [(e["collaborator_id"], e["reason"]) for e in failed] == [("c-2", "not_in_catalog")]
    assert all(mallory.email.lower() not in members(control, owner["email"], p) for p in FILES)


async def test_a_request_the_catalog_holds_is_shared_however_paths_are_spelt(
    catalog, deliver, outbox, owner, control
):
    folks = people()
    held = catalog.holds(share_request(owner["owner_id"], "folder", folks))
    # Dropbox compares paths case-insensitively; so does the check.
    request = held.model_copy(update={"folder": FOLDER.upper()})

    granted, failed = await _answers(deliver, outbox, request)

    assert (len(granted), failed) == (2, [])
    assert {p.email.lower() for p in folks} <= members(control, owner["email"], FOLDER)


async def test_a_track_deleted_from_the_catalog_after_the_request_is_not_shared(
    catalog, deliver, outbox, owner, control
):
    request = catalog.holds(share_request(owner["owner_id"], "folder", people()))
    catalog.tracks.clear()  # the producer deleted the track before dropbox-service got to it
    before = sharing_calls(control)

    granted, failed = await _answers(deliver, outbox, request)

    assert (granted, [e["reason"] for e in failed]) == ([], ["not_in_catalog"] * 2)
    assert sharing_calls(control) == before


async def test_a_link_service_outage_redelivers_the_request_then_it_is_shared(
    catalog, core, outbox, owner, control
):
    folks = people()
    request = catalog.holds(share_request(owner["owner_id"], "folder", folks))
    catalog.down = True
    before = sharing_calls(control)

    with pytest.raises(RetryLater):
        await core.grants.share(request)

    assert await outbox.events(topics.COLLAB_FAILED, request_id=request.request_id) == []
    assert sharing_calls(control) == before
    catalog.down = False
    await core.grants.share(request)  # the redelivery
    assert len(await outbox.events(topics.COLLAB_GRANTED, request_id=request.request_id)) == 2
    assert {p.email.lower() for p in folks} <= members(control, owner["email"], FOLDER)


async def test_a_removal_works_once_the_track_left_the_catalog_and_asks_it_nothing(
    catalog, deliver, outbox, owner, control
):
    folks = people()
    granted, _ = await _answers(
        deliver, outbox, catalog.holds(share_request(owner["owner_id"], "folder", folks))
    )
    assert len(granted) == 2
    catalog.tracks.clear()
    asked = catalog.asked
    revoke = revoke_request(owner["owner_id"], folks[1])

    await deliver(topics.COLLAB_REVOKE_REQUESTED, revoke)

    done = await outbox.events(topics.COLLAB_REVOKED, request_id=revoke.request_id)
    assert [e["collaborator_id"] for e in done] == ["c-2"]
    assert folks[1].email.lower() not in members(control, owner["email"], FOLDER)
    assert catalog.asked == asked
