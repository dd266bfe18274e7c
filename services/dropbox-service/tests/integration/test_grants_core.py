"""Grants in-process: the share and removal consumers driven through TestKafkaBroker, the
unmodified SDK against the emulator, the answers read from the outbox they commit to."""

from uuid import uuid4

import pytest
from contracts import topics
from messaging.delivery import RetryLater

from .conftest import (
    FAST_RETRIES,
    FILES,
    FOLDER,
    invitations,
    members,
    people,
    revoke_request,
    share_request,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def owner(connect_core, control, owner_id) -> dict[str, str]:
    """A producer connected in-process, with a track folder of two files."""
    email = f"p{uuid4().hex[:8]}@example.com"
    await connect_core(owner_id, email)
    for path in FILES:
        control.put("/_emulator/files", params={"account": email, "path": path}, content=b"x")
    return {"owner_id": owner_id, "email": email}


async def _share(deliver, outbox, request) -> list[dict]:
    await deliver(topics.COLLAB_SHARE_REQUESTED, request)
    return await outbox.events(topics.COLLAB_GRANTED, request_id=request.request_id)


async def _removal(deliver, outbox, revoke) -> tuple[list[dict], list[dict]]:
    """Deliver a removal; its collab.revoked and collab.revoke.failed answers."""
    await deliver(topics.COLLAB_REVOKE_REQUESTED, revoke)
    done = await outbox.events(topics.COLLAB_REVOKED, request_id=revoke.request_id)
    failed = await outbox.events(topics.COLLAB_REVOKE_FAILED, request_id=revoke.request_id)
    return done, failed


async def test_files_mode_share_then_revoke_changes_each_filesmembers(
    catalog, deliver, outbox, owner, control
):
    folks = people()
    granted = await _share(
        deliver, outbox, catalog.holds(share_request(owner["owner_id"], "files", folks))
    )
    assert {e["collaborator"]["collaborator_id"] for e in granted} == {"c-1", "c-2"}
    assert {e["mode"] for e in granted} == {"files"}
    for path in FILES:
        assert {p.email.lower() for p in folks} <= members(control, owner["email"], path)
    assert len(invitations(control, folks[1].email)) == len(FILES)
    assert invitations(control, folks[0].email) == []

    done, failed = await _removal(deliver, outbox, revoke_request(owner["owner_id"], folks[1]))

    assert ([e["collaborator_id"] for e in done], failed) == (["c-2"], [])
    for path in FILES:
        assert folks[1].email.lower() not in members(control, owner["email"], path)
        assert folks[0].email.lower() in members(control, owner["email"], path)


async def test_a_redelivered_request_grants_once(catalog, deliver, outbox, owner, control):
    request = catalog.holds(share_request(owner["owner_id"], "folder", people()))
    for _ in range(3):
        await deliver(topics.COLLAB_SHARE_REQUESTED, request)
    granted = await outbox.events(topics.COLLAB_GRANTED, request_id=request.request_id)
    assert len(granted) == 2
    calls = control.get("/_emulator/calls").json()
    await deliver(topics.COLLAB_SHARE_REQUESTED, request)
    assert control.get("/_emulator/calls").json() == calls, "an applied request acts no more"


async def test_429_and_500_bursts_delay_but_do_not_lose_grants(
    catalog, deliver, outbox, owner, control
):
    control.post(
        "/_emulator/faults",
        json={"route": "sharing/add_folder_member", "status": 429, "count": 3, "retry_after": 1},
    )
    control.post(
        "/_emulator/faults", json={"route": "sharing/share_folder", "status": 500, "count": 2}
    )
    request = catalog.holds(share_request(owner["owner_id"], "folder", people()))
    assert len(await _share(deliver, outbox, request)) == 2
    assert await outbox.events(topics.COLLAB_FAILED, request_id=request.request_id) == []


async def test_5xx_past_every_retry_of_a_call_is_redelivered_not_failed(
    catalog, core, outbox, owner, control
):
    # Three calls of one attempt (one and DROPBOX_MAX_5XX_RETRIES) fail, then two of the next.
    outage = {"route": "sharing/share_folder", "status": 503, "count": 5}
    control.post("/_emulator/faults", json=outage)
    request = catalog.holds(share_request(owner["owner_id"], "folder", people()))
    with pytest.raises(RetryLater):
        await core.grants.share(request)
    assert await outbox.events(topics.COLLAB_FAILED, request_id=request.request_id) == []

    await core.grants.share(request)  # the redelivery

    assert control.get("/_emulator/faults").json() == []  # the whole outage was met
    assert len(await outbox.events(topics.COLLAB_GRANTED, request_id=request.request_id)) == 2


async def test_a_token_expiring_on_its_way_is_refreshed_and_the_grant_retried(
    catalog, deliver, outbox, owner, control
):
    # A slow Dropbox: the token expired before the call arrived, twice (the SDK refreshes
    # and retries once itself). The owner stays connected; the grant goes through.
    expired = {"route": "sharing/add_folder_member", "status": 401, "count": 2}
    control.post("/_emulator/faults", json=expired)
    request = catalog.holds(share_request(owner["owner_id"], "folder", people()))
    assert len(await _share(deliver, outbox, request)) == 2
    assert control.get("/_emulator/faults").json() == []


async def test_an_outage_older_than_the_give_up_age_ends_in_collab_failed(
    catalog, core, outbox, owner, control, clock
):
    control.post(
        "/_emulator/faults", json={"route": "sharing/share_folder", "status": 503, "count": 50}
    )
    request = catalog.holds(share_request(owner["owner_id"], "folder", people()))
    with pytest.raises(RetryLater):
        await core.grants.share(request)
    clock.advance(FAST_RETRIES["dropbox_outage_give_up_s"])

    await core.grants.share(request)

    failed = await outbox.events(topics.COLLAB_FAILED, request_id=request.request_id)
    assert sorted((e["collaborator_id"], e["reason"]) for e in failed) == [
        ("c-1", "dropbox_unavailable"),
        ("c-2", "dropbox_unavailable"),
    ]


async def test_owner_without_dropbox_gets_collab_failed(catalog, deliver, outbox, owner_id):
    request = catalog.holds(share_request(owner_id, "files", people()))
    await deliver(topics.COLLAB_SHARE_REQUESTED, request)
    failed = await outbox.events(topics.COLLAB_FAILED, request_id=request.request_id)
    assert [e["reason"] for e in failed] == ["dropbox_not_connected"] * 2


async def test_a_track_shared_in_both_modes_loses_both_accesses_on_removal(
    catalog, deliver, outbox, owner, control
):
    folks = people()
    for mode in ("files", "folder"):
        assert (
            len(
                await _share(
                    deliver, outbox, catalog.holds(share_request(owner["owner_id"], mode, folks))
                )
            )
            == 2
        )
    bo = folks[1].email.lower()
    assert all(bo in members(control, owner["email"], path) for path in [FOLDER, *FILES])

    done, failed = await _removal(deliver, outbox, revoke_request(owner["owner_id"], folks[1]))

    assert (len(done), failed) == (1, [])
    for path in [FOLDER, *FILES]:
        assert bo not in members(control, owner["email"], path), path
        assert folks[0].email.lower() in members(control, owner["email"], path)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"status": 503}, "dropbox_unavailable"),
        ({"status": 429, "retry_after": 1}, "dropbox_rate_limited"),
    ],
)
async def test_a_removal_dropbox_keeps_refusing_is_reported_failed_then_can_be_retried(
    catalog, core, deliver, outbox, owner, control, clock, fault, reason
):
    folks = people()
    assert (
        len(
            await _share(
                deliver, outbox, catalog.holds(share_request(owner["owner_id"], "folder", folks))
            )
        )
        == 2
    )
    bo = folks[1].email.lower()
    control.post(
        "/_emulator/faults", json={"route": "sharing/remove_folder_member", "count": 50, **fault}
    )
    revoke = revoke_request(owner["owner_id"], folks[1])
    with pytest.raises(RetryLater):
        await core.grants.remove(revoke)
    clock.advance(FAST_RETRIES["dropbox_outage_give_up_s"])
    await core.grants.remove(revoke)
    control.delete("/_emulator/faults")
    failed = await outbox.events(topics.COLLAB_REVOKE_FAILED, request_id=revoke.request_id)
    assert [(e["collaborator_id"], e["reason"]) for e in failed] == [("c-2", reason)]
    assert bo in members(control, owner["email"], FOLDER), "nothing was taken back"

    done, _ = await _removal(deliver, outbox, revoke_request(owner["owner_id"], folks[1]))

    assert len(done) == 1
    assert bo not in members(control, owner["email"], FOLDER)


async def test_a_short_burst_of_429_and_5xx_during_a_removal_is_waited_out(
    catalog, deliver, outbox, owner, control
):
    folks = people()
    assert (
        len(
            await _share(
                deliver, outbox, catalog.holds(share_request(owner["owner_id"], "files", folks))
            )
        )
        == 2
    )
    control.post(
        "/_emulator/faults",
        json={"route": "sharing/remove_file_member_2", "status": 429, "retry_after": 1, "count": 1},
    )
    # The SDK refreshes its 3-second tokens before each call: the token endpoint fails once.
    control.post("/_emulator/faults", json={"route": "oauth2/token", "status": 500, "count": 1})

    done, failed = await _removal(deliver, outbox, revoke_request(owner["owner_id"], folks[1]))

    assert (len(done), failed) == (1, [])
    assert all(folks[1].email.lower() not in members(control, owner["email"], p) for p in FILES)


async def test_a_removal_for_an_owner_without_dropbox_is_reported_failed(
    catalog, core, deliver, outbox, owner
):
    folks = people()
    assert (
        len(
            await _share(
                deliver, outbox, catalog.holds(share_request(owner["owner_id"], "folder", folks))
            )
        )
        == 2
    )
    await core.connections.revoke(owner["owner_id"])

    done, failed = await _removal(deliver, outbox, revoke_request(owner["owner_id"], folks[0]))

    assert done == []
    assert [e["reason"] for e in failed] == ["dropbox_not_connected"]
