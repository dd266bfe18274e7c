"""collab.share.requested / collab.revoke.requested consumed for real: Dropbox members change."""

import json
from uuid import uuid4

import httpx
import pytest
from contracts import topics
from contracts.events import Collaborator, CollabRevokeRequested, CollabShareRequested, SharedFile
from messaging.testing import read_topic
from service_kit.testing import bearer

pytestmark = pytest.mark.integration

FOLDER = "/Producer Dashboard/Night Drive"
FILES = [f"{FOLDER}/Night Drive (Master).wav", f"{FOLDER}/Night Drive Stems.zip"]


@pytest.fixture
def owner(connect, control, owner_id) -> dict[str, str]:
    """A connected producer with a track folder of two files."""
    email = f"p{uuid4().hex[:8]}@example.com"
    connect(owner_id, email)
    for path in FILES:
        control.put("/_emulator/files", params={"account": email, "path": path}, content=b"x")
    return {"owner_id": owner_id, "email": email}


def _people() -> list[Collaborator]:
    return [
        Collaborator(
            collaborator_id="c-1",
            email=f"ana{uuid4().hex[:6]}@example.com",
            name="Ana",
            user_id="u-ana",
        ),
        Collaborator(collaborator_id="c-2", email=f"bo{uuid4().hex[:6]}@example.com", name="Bo"),
    ]


def _request(owner_id: str, mode: str, people: list[Collaborator]) -> CollabShareRequested:
    return CollabShareRequested(
        request_id=f"r-{uuid4().hex[:6]}",
        job_id="job-1",
        owner_id=owner_id,
        track_id="t-1",
        track_title="Night Drive",
        mode=mode,
        folder=FOLDER,
        files=[
            SharedFile(file_id=f"f-{i}", name=p.rsplit("/", 1)[1], dropbox_path=p)
            for i, p in enumerate(FILES)
        ],
        collaborators=people,
        message="Mixes v3",
    )


def _of(request) -> object:
    """Records answering `request` (the module's tests share topics)."""
    return lambda record: json.loads(record.value)["request_id"] == request.request_id


def _invitations(control, email: str) -> list[dict]:
    answer = control.get("/_emulator/invitations", params={"email": email.lower()})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _revoke(owner_id: str, person: Collaborator) -> CollabRevokeRequested:
    return CollabRevokeRequested(
        request_id=f"r-{uuid4().hex[:6]}", owner_id=owner_id, track_id="t-1", collaborator=person
    )


async def _share_and_wait(publisher, topic, kafka_bootstrap, request) -> None:
    """Publish a share request; wait for a grant per collaborator (a minute at most)."""
    await publisher.publish(request, topic=topic(topics.COLLAB_SHARE_REQUESTED), key=request.key())
    granted = await read_topic(
        kafka_bootstrap,
        topic(topics.COLLAB_GRANTED),
        match=_of(request),
        expect=len(request.collaborators),
        timeout_s=60,
    )
    assert len(granted) == len(request.collaborators)


async def _failures(topic, kafka_bootstrap, request) -> list:
    """The collab.failed events of the request, read for a second."""
    return await read_topic(
        kafka_bootstrap, topic(topics.COLLAB_FAILED), match=_of(request), expect=0, timeout_s=1
    )


async def _answer_to(publisher, topic, kafka_bootstrap, revoke) -> tuple[str, dict]:
    """Publish a removal; answer which topic replied (revoked or revoke.failed) and how."""
    await publisher.publish(revoke, topic=topic(topics.COLLAB_REVOKE_REQUESTED), key=revoke.key())
    for _ in range(60):
        for name in (topics.COLLAB_REVOKED, topics.COLLAB_REVOKE_FAILED):
            found = await read_topic(
                kafka_bootstrap, topic(name), match=_of(revoke), expect=1, timeout_s=0.5, idle_s=0
            )
            if found:
                return name, json.loads(found[0].value)
    raise AssertionError("no answer to the removal")


def _members(control, email: str, path: str) -> set[str]:
    answer = control.get("/_emulator/members", params={"account": email, "path": path})
    assert answer.status_code == 200, answer.text
    return {m["email"].lower() for m in answer.json()["members"]}


@pytest.mark.parametrize("mode", ["folder", "files"])
async def test_share_then_revoke_changes_dropbox_members(
    dropbox_service, owner, control, publisher, topic, kafka_bootstrap, mode
):
    people = _people()
    request = _request(owner["owner_id"], mode, people)
    await publisher.publish(request, topic=topic(topics.COLLAB_SHARE_REQUESTED), key=request.key())

    granted = await read_topic(
        kafka_bootstrap, topic(topics.COLLAB_GRANTED), match=_of(request), expect=2
    )
    events = [json.loads(r.value) for r in granted]
    assert {e["collaborator"]["collaborator_id"] for e in events} == {"c-1", "c-2"}
    assert {e["owner_name"] for e in events} != {""}
    assert all(e["message"] == "Mixes v3" and e["mode"] == mode for e in events)
    emails = {p.email.lower() for p in people}
    targets = [FOLDER] if mode == "folder" else FILES
    for path in targets:
        assert emails <= _members(control, owner["email"], path)
    # Dropbox invites the collaborator without a dashboard account; the user gets our notice.
    assert len(_invitations(control, people[1].email)) == len(targets)
    assert _invitations(control, people[0].email) == []

    revoke = CollabRevokeRequested(
        request_id=f"r-{uuid4().hex[:6]}",
        owner_id=owner["owner_id"],
        track_id="t-1",
        collaborator=people[1],
    )
    await publisher.publish(revoke, topic=topic(topics.COLLAB_REVOKE_REQUESTED), key=revoke.key())
    [revoked] = await read_topic(
        kafka_bootstrap, topic(topics.COLLAB_REVOKED), match=_of(revoke), expect=1
    )
    assert json.loads(revoked.value)["collaborator_id"] == "c-2"
    for path in targets:
        members = _members(control, owner["email"], path)
        assert people[0].email.lower() in members
        assert people[1].email.lower() not in members


async def test_redelivered_request_publishes_no_second_grant(
    dropbox_service, owner, publisher, topic, kafka_bootstrap
):
    request = _request(owner["owner_id"], "folder", _people())
    for _ in range(3):
        await publisher.publish(
            request, topic=topic(topics.COLLAB_SHARE_REQUESTED), key=request.key()
        )
    granted = await read_topic(
        kafka_bootstrap, topic(topics.COLLAB_GRANTED), match=_of(request), expect=2, idle_s=3
    )
    assert len(granted) == 2


async def test_429_and_500_bursts_delay_but_do_not_lose_grants(
    dropbox_service, owner, control, publisher, topic, kafka_bootstrap
):
    control.post(
        "/_emulator/faults",
        json={"route": "sharing/add_folder_member", "status": 429, "count": 3, "retry_after": 1},
    )
    control.post(
        "/_emulator/faults", json={"route": "sharing/share_folder", "status": 500, "count": 2}
    )
    request = _request(owner["owner_id"], "folder", _people())
    await _share_and_wait(publisher, topic, kafka_bootstrap, request)
    assert await _failures(topic, kafka_bootstrap, request) == []


async def test_5xx_past_every_retry_of_a_call_is_redelivered_not_failed(
    dropbox_service, owner, control, publisher, topic, kafka_bootstrap
):
    # Three calls of one attempt (one and DROPBOX_MAX_5XX_RETRIES) fail, then two of the next.
    outage = {"route": "sharing/share_folder", "status": 503, "count": 5}
    control.post("/_emulator/faults", json=outage)
    request = _request(owner["owner_id"], "folder", _people())
    await _share_and_wait(publisher, topic, kafka_bootstrap, request)
    assert control.get("/_emulator/faults").json() == []  # the whole outage was met
    assert await _failures(topic, kafka_bootstrap, request) == []


async def test_a_token_expiring_on_its_way_is_refreshed_and_the_grant_retried(
    dropbox_service, owner, control, publisher, topic, kafka_bootstrap
):
    # A slow Dropbox: the token expired before the call arrived, twice (the SDK refreshes
    # and retries once itself). The owner stays connected; the grant goes through.
    expired = {"route": "sharing/add_folder_member", "status": 401, "count": 2}
    control.post("/_emulator/faults", json=expired)
    request = _request(owner["owner_id"], "folder", _people())
    await _share_and_wait(publisher, topic, kafka_bootstrap, request)
    assert control.get("/_emulator/faults").json() == []


async def test_persistent_5xx_ends_in_collab_failed(
    dropbox_service, owner, control, publisher, topic, kafka_bootstrap
):
    outage = {"route": "sharing/share_folder", "status": 503, "count": 50}
    control.post("/_emulator/faults", json=outage)
    try:
        request = _request(owner["owner_id"], "folder", _people())
        await publisher.publish(
            request, topic=topic(topics.COLLAB_SHARE_REQUESTED), key=request.key()
        )
        failed = await read_topic(
            kafka_bootstrap, topic(topics.COLLAB_FAILED), match=_of(request), expect=2
        )
    finally:
        control.delete("/_emulator/faults")
    assert {json.loads(r.value)["reason"] for r in failed} == {"dropbox_unavailable"}


async def test_owner_without_dropbox_gets_collab_failed(
    dropbox_service, publisher, topic, kafka_bootstrap, owner_id
):
    request = _request(owner_id, "files", _people())
    await publisher.publish(request, topic=topic(topics.COLLAB_SHARE_REQUESTED), key=request.key())
    failed = await read_topic(
        kafka_bootstrap, topic(topics.COLLAB_FAILED), match=_of(request), expect=2
    )
    assert {json.loads(r.value)["reason"] for r in failed} == {"dropbox_not_connected"}


async def test_malformed_request_goes_to_the_dlq(
    dropbox_service, publisher, topic, kafka_bootstrap
):
    poison = f'{{"owner_id": 1, "request_id": "{uuid4()}"}}'.encode()
    await publisher.publish(poison, topic=topic(topics.COLLAB_SHARE_REQUESTED), key=b"t-1")
    [dead] = await read_topic(
        kafka_bootstrap,
        topic(topics.dlq(topics.COLLAB_SHARE_REQUESTED)),
        expect=1,
        match=lambda record: record.value == poison,
    )
    assert dict(dead.headers)["x-dlq-error-type"] == b"ValidationError"


async def test_a_track_shared_in_both_modes_loses_both_accesses_on_removal(
    dropbox_service, owner, control, publisher, topic, kafka_bootstrap
):
    people = _people()
    for mode in ("files", "folder"):
        request = _request(owner["owner_id"], mode, people)
        await _share_and_wait(publisher, topic, kafka_bootstrap, request)
    bo = people[1].email.lower()
    assert all(bo in _members(control, owner["email"], path) for path in [FOLDER, *FILES])

    answer, _ = await _answer_to(
        publisher, topic, kafka_bootstrap, _revoke(owner["owner_id"], people[1])
    )

    assert answer == topics.COLLAB_REVOKED
    for path in [FOLDER, *FILES]:
        assert bo not in _members(control, owner["email"], path), path
        assert people[0].email.lower() in _members(control, owner["email"], path)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"status": 503}, "dropbox_unavailable"),
        ({"status": 429, "retry_after": 1}, "dropbox_rate_limited"),
    ],
)
async def test_a_removal_dropbox_keeps_refusing_is_reported_failed_then_can_be_retried(
    dropbox_service, owner, control, publisher, topic, kafka_bootstrap, fault, reason
):
    people = _people()
    await _share_and_wait(
        publisher, topic, kafka_bootstrap, _request(owner["owner_id"], "folder", people)
    )
    bo = people[1].email.lower()
    control.post(
        "/_emulator/faults", json={"route": "sharing/remove_folder_member", "count": 50, **fault}
    )
    try:
        answer, payload = await _answer_to(
            publisher, topic, kafka_bootstrap, _revoke(owner["owner_id"], people[1])
        )
    finally:
        control.delete("/_emulator/faults")
    assert (answer, payload["reason"]) == (topics.COLLAB_REVOKE_FAILED, reason)
    assert payload["collaborator_id"] == "c-2"
    assert bo in _members(control, owner["email"], FOLDER), "nothing was taken back"

    retried, _ = await _answer_to(
        publisher, topic, kafka_bootstrap, _revoke(owner["owner_id"], people[1])
    )
    assert retried == topics.COLLAB_REVOKED
    assert bo not in _members(control, owner["email"], FOLDER)


async def test_a_short_burst_of_429_and_5xx_during_a_removal_is_waited_out(
    dropbox_service, owner, control, publisher, topic, kafka_bootstrap
):
    people = _people()
    await _share_and_wait(
        publisher, topic, kafka_bootstrap, _request(owner["owner_id"], "files", people)
    )
    control.post(
        "/_emulator/faults",
        json={"route": "sharing/remove_file_member_2", "status": 429, "retry_after": 1, "count": 1},
    )
    # The SDK refreshes its 3-second tokens before each call: the token endpoint fails once.
    control.post("/_emulator/faults", json={"route": "oauth2/token", "status": 500, "count": 1})

    answer, _ = await _answer_to(
        publisher, topic, kafka_bootstrap, _revoke(owner["owner_id"], people[1])
    )

    assert answer == topics.COLLAB_REVOKED
    assert all(people[1].email.lower() not in _members(control, owner["email"], p) for p in FILES)


async def test_a_removal_for_an_owner_without_dropbox_is_reported_failed(
    dropbox_service, publisher, topic, kafka_bootstrap, owner, redis_url, module_prefix
):
    people = _people()
    await _share_and_wait(
        publisher, topic, kafka_bootstrap, _request(owner["owner_id"], "folder", people)
    )
    gone = httpx.delete(
        f"{dropbox_service.base_url}/v1/dropbox/connection", headers=bearer(owner["owner_id"])
    )
    assert gone.status_code == 200

    answer, payload = await _answer_to(
        publisher, topic, kafka_bootstrap, _revoke(owner["owner_id"], people[0])
    )

    assert (answer, payload["reason"]) == (topics.COLLAB_REVOKE_FAILED, "dropbox_not_connected")
