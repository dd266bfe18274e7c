"""Collaborator sharing through link-service (DESIGN §8), dropbox-service played by the test:
requests leave through the outbox, answers from Kafka move the dots and the jobs."""

from typing import Any

import pytest
from contracts import topics
from contracts.events import (
    CollabFailed,
    CollabGranted,
    Collaborator,
    CollabRevoked,
    CollabRevokeFailed,
    Event,
)
from messaging.testing import wait_until
from service_kit.testing import bearer, problem_of

pytestmark = pytest.mark.integration


async def _post(producer, path: str, body: Any) -> Any:
    return await producer.http.post(path, json=body, headers=producer.headers)


async def _get(producer, path: str) -> Any:
    answer = await producer.http.get(path, headers=producer.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _share(producer, track_id: str, mode: str = "folder", **body: Any) -> str:
    answer = await _post(
        producer, f"/v1/tracks/{track_id}/collaborators/share", {"mode": mode, **body}
    )
    assert answer.status_code == 202, answer.text
    job_id: str = answer.json()["job_id"]
    return job_id


async def _requests(producer, events, name: str, expect: int = 1) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await events(name, owner_id=producer.owner_id, expect=expect)
    return found


async def _answer(producer, event: Event) -> None:
    await producer.announce(event)


def _granted(request: dict[str, Any], person: dict[str, Any]) -> CollabGranted:
    return CollabGranted(
        request_id=request["request_id"],
        job_id=request["job_id"],
        owner_id=request["owner_id"],
        owner_name="Mara Vale",
        track_id=request["track_id"],
        track_title=request["track_title"],
        collaborator=Collaborator(**person),
        mode=request["mode"],
    )


def _failed(request: dict[str, Any], person: dict[str, Any], reason: str) -> CollabFailed:
    return CollabFailed(
        request_id=request["request_id"],
        job_id=request["job_id"],
        owner_id=request["owner_id"],
        track_id=request["track_id"],
        collaborator_id=person["collaborator_id"],
        reason=reason,
    )


async def _shared_with_both(producer, events) -> None:
    """Track t-1 shared with its two collaborators, both granted (green dots)."""
    await producer.put_track("t-1", "Night Drive")
    await _share(producer, "t-1")
    [request] = await _requests(producer, events, topics.COLLAB_SHARE_REQUESTED)
    for person in request["collaborators"]:
        await _answer(producer, _granted(request, person))
    await _until(lambda: _is(producer, "t-1", ("all", {"c-1": "granted", "c-2": "granted"})))


def _removed(producer, removal: dict[str, Any]) -> CollabRevoked:
    """dropbox-service's answer: Bo's access to t-1 is gone."""
    return CollabRevoked(
        request_id=removal["request_id"],
        owner_id=producer.owner_id,
        track_id="t-1",
        collaborator_id="c-2",
    )


async def _statuses(producer, track_id: str) -> tuple[str, dict[str, str]]:
    view = await _get(producer, f"/v1/tracks/{track_id}/share-status")
    return view["status"], {c["collaborator_id"]: c["status"] for c in view["collaborators"]}


async def _until(predicate) -> None:
    await wait_until(predicate, timeout_s=20)


async def test_share_publishes_one_request_and_starts_a_running_job(producer, events):
    await producer.put_track("t-1", "Night Drive")

    job_id = await _share(producer, "t-1", "files", message="Mixes v3")

    [request] = await _requests(producer, events, topics.COLLAB_SHARE_REQUESTED)
    assert request["job_id"] == job_id and request["track_id"] == "t-1"
    assert (request["mode"], request["message"], request["folder"]) == (
        "files",
        "Mixes v3",
        "/Producer Dashboard/Night Drive",
    )
    assert [f["file_id"] for f in request["files"]] == ["f-1", "f-2", "f-3"]
    assert [c["user_id"] for c in request["collaborators"]] == ["u-a", None]
    assert await _statuses(producer, "t-1") == ("none", {"c-1": "pending", "c-2": "pending"})
    job = await _get(producer, f"/v1/jobs/{job_id}")
    assert (job["state"], job["total"], job["done"], job["failed"]) == ("running", 1, 0, 0)
    assert job["tracks"][0]["state"] == "pending"


async def test_grants_turn_the_dots_green_and_finish_the_job(producer, events):
    await producer.put_track("t-1", "Night Drive")
    job_id = await _share(producer, "t-1")
    [request] = await _requests(producer, events, topics.COLLAB_SHARE_REQUESTED)
    ana, bo = request["collaborators"]

    await _answer(producer, _granted(request, ana))
    await _until(lambda: _is(producer, "t-1", ("partial", {"c-1": "granted", "c-2": "pending"})))
    assert (await _get(producer, f"/v1/jobs/{job_id}"))["state"] == "running"
    await _answer(producer, _granted(request, bo))
    await _until(lambda: _is(producer, "t-1", ("all", {"c-1": "granted", "c-2": "granted"})))

    job = await _get(producer, f"/v1/jobs/{job_id}")
    assert (job["state"], job["done"], job["failed"]) == ("done", 1, 0)
    assert {c["status"] for c in job["tracks"][0]["collaborators"]} == {"granted"}


async def test_a_failure_shows_with_its_reason_and_fails_the_job(producer, events):
    await producer.put_track("t-1", "Night Drive")
    job_id = await _share(producer, "t-1")
    [request] = await _requests(producer, events, topics.COLLAB_SHARE_REQUESTED)
    ana, bo = request["collaborators"]

    await _answer(producer, _granted(request, ana))
    await _answer(producer, _failed(request, bo, "dropbox_unavailable"))
    await _until(lambda: _job_state(producer, job_id, "failed"))

    job = await _get(producer, f"/v1/jobs/{job_id}")
    assert (job["done"], job["failed"]) == (0, 1)
    assert job["tracks"][0]["collaborators"][1]["reason"] == "dropbox_unavailable"
    view = await _get(producer, "/v1/tracks/t-1/share-status")
    assert view["status"] == "partial"
    assert (view["collaborators"][0]["status"], view["collaborators"][1]["revoking"]) == (
        "granted",
        False,
    )
    assert (view["collaborators"][1]["status"], view["collaborators"][1]["reason"]) == (
        "failed",
        "dropbox_unavailable",
    )


async def test_late_answer_to_an_older_request_does_not_override_the_newer_one(producer, events):
    await producer.put_track("t-1", "Night Drive")
    await _share(producer, "t-1")
    await _share(producer, "t-1")
    first, second = await _requests(producer, events, topics.COLLAB_SHARE_REQUESTED, expect=2)
    ana = first["collaborators"][0]

    await _answer(producer, _granted(first, ana))
    await _answer(producer, _granted(second, second["collaborators"][1]))
    await _until(lambda: _is(producer, "t-1", ("partial", {"c-1": "pending", "c-2": "granted"})))


async def test_bulk_share_queues_each_track_and_skips_those_without_collaborators(producer, events):
    await producer.put_track("t-1", "One")
    await producer.put_track("t-2", "Two", collaborators=[])
    await producer.put_track("t-3", "Three")

    answer = await _post(
        producer,
        "/v1/collaborators/share-bulk",
        {"track_ids": ["t-1", "t-2", "t-3", "t-1"], "mode": "folder"},
    )

    assert answer.status_code == 202, answer.text
    started = answer.json()
    assert (started["total"], started["queued"]) == (2, ["t-1", "t-3"])
    assert started["skipped"] == [{"track_id": "t-2", "reason": "no_collaborators"}]
    requests = await _requests(producer, events, topics.COLLAB_SHARE_REQUESTED, expect=2)
    assert sorted(r["track_id"] for r in requests) == ["t-1", "t-3"]
    assert {r["job_id"] for r in requests} == {started["job_id"]}
    job = await _get(producer, f"/v1/jobs/{started['job_id']}")
    assert (job["total"], job["skipped"]) == (2, started["skipped"])


async def test_removing_access_publishes_a_request_and_ends_not_shared(producer, events):
    await _shared_with_both(producer, events)

    answer = await producer.http.delete(
        "/v1/tracks/t-1/collaborators/c-2/access", headers=producer.headers
    )

    assert answer.status_code == 202, answer.text
    [removal] = await _requests(producer, events, topics.COLLAB_REVOKE_REQUESTED)
    assert removal["collaborator"]["email"] == "bo@example.com"
    view = await _get(producer, "/v1/tracks/t-1/share-status")
    assert view["collaborators"][1]["revoking"] is True  # granted until Dropbox confirms
    await _answer(producer, _removed(producer, removal))
    await _until(lambda: _is(producer, "t-1", ("partial", {"c-1": "granted", "c-2": "not_shared"})))


async def test_a_refused_removal_shows_failed_with_the_reason_and_can_be_retried(producer, events):
    await _shared_with_both(producer, events)
    remove = "/v1/tracks/t-1/collaborators/c-2/access"

    assert (await producer.http.delete(remove, headers=producer.headers)).status_code == 202
    [first] = await _requests(producer, events, topics.COLLAB_REVOKE_REQUESTED)
    await _answer(
        producer,
        CollabRevokeFailed(
            request_id=first["request_id"],
            owner_id=producer.owner_id,
            track_id="t-1",
            collaborator_id="c-2",
            reason="dropbox_unavailable",
        ),
    )
    await _until(lambda: _is(producer, "t-1", ("partial", {"c-1": "granted", "c-2": "failed"})))
    [bo] = [
        c
        for c in (await _get(producer, "/v1/tracks/t-1/share-status"))["collaborators"]
        if c["collaborator_id"] == "c-2"
    ]
    assert (bo["reason"], bo["revoking"]) == ("remove_failed:dropbox_unavailable", False)

    assert (await producer.http.delete(remove, headers=producer.headers)).status_code == 202
    [_, retry] = await _requests(producer, events, topics.COLLAB_REVOKE_REQUESTED, expect=2)
    assert retry["request_id"] != first["request_id"]
    await _answer(producer, _removed(producer, retry))
    await _until(lambda: _is(producer, "t-1", ("partial", {"c-1": "granted", "c-2": "not_shared"})))


async def test_removing_access_while_the_share_is_on_its_way_is_409(producer):
    await producer.put_track("t-1", "Night Drive")
    await _share(producer, "t-1")

    answer = await producer.http.delete(
        "/v1/tracks/t-1/collaborators/c-1/access", headers=producer.headers
    )

    assert problem_of(answer) == (409, "share_in_progress")


async def test_refusals_are_clear_and_change_nothing(producer, make_producer, events):
    await producer.put_track("t-1", "Night Drive")
    await producer.put_track("t-0", "Alone", collaborators=[])
    stranger = make_producer()
    await stranger.put_track("t-1", "Theirs")

    no_people = await _post(producer, "/v1/tracks/t-0/collaborators/share", {"mode": "folder"})
    unknown = await _post(producer, "/v1/tracks/t-9/collaborators/share", {"mode": "folder"})
    bad_mode = await _post(producer, "/v1/tracks/t-1/collaborators/share", {"mode": "link"})
    extra = await _post(
        producer, "/v1/tracks/t-1/collaborators/share", {"mode": "folder", "cc": "x"}
    )
    unconnected = await _post(stranger, "/v1/tracks/t-1/collaborators/share", {"mode": "files"})
    bulk_unknown = await _post(
        producer, "/v1/collaborators/share-bulk", {"track_ids": ["t-1", "t-9"], "mode": "folder"}
    )
    bulk_empty = await _post(
        producer, "/v1/collaborators/share-bulk", {"track_ids": [], "mode": "folder"}
    )
    no_person = await producer.http.delete(
        "/v1/tracks/t-1/collaborators/c-9/access", headers=producer.headers
    )

    assert problem_of(no_people) == (422, "no_collaborators")
    assert "collaborators" in no_people.json()["detail"]
    assert problem_of(unknown) == (404, "track_not_found")
    assert problem_of(bad_mode) == problem_of(extra) == (422, "validation_failed")
    assert [e["loc"] for e in extra.json()["errors"]] == [["body", "cc"]]
    assert problem_of(unconnected) == (409, "dropbox_not_connected")
    assert problem_of(bulk_unknown) == (422, "unknown_tracks")
    assert "t-9" in bulk_unknown.json()["detail"]
    assert problem_of(bulk_empty) == (422, "validation_failed")
    assert problem_of(no_person) == (404, "collaborator_not_found")
    assert await events(topics.COLLAB_SHARE_REQUESTED, owner_id=producer.owner_id, expect=0) == []
    assert await _statuses(producer, "t-1") == ("none", {"c-1": "not_shared", "c-2": "not_shared"})


async def test_jobs_and_status_are_owner_scoped(producer, make_producer):
    await producer.put_track("t-1", "Night Drive")
    job_id = await _share(producer, "t-1")
    stranger = make_producer()

    job = await stranger.http.get(f"/v1/jobs/{job_id}", headers=stranger.headers)
    status = await stranger.http.get("/v1/tracks/t-1/share-status", headers=stranger.headers)
    anonymous = await producer.http.get(f"/v1/jobs/{job_id}")

    assert job.status_code == status.status_code == 404
    assert anonymous.status_code == 401
    unknown = await producer.http.get("/v1/jobs/job_" + "0" * 24, headers=bearer("x"))
    assert unknown.status_code == 404


async def test_ids_of_the_wrong_shape_are_422_and_never_reach_redis(producer):
    await producer.put_track("t-1", "Night Drive")
    job_id = await _share(producer, "t-1")
    # A job id naming another key of the job (its results hash) once answered 500.
    for path in (
        f"/v1/jobs/{job_id}:results",
        "/v1/jobs/job_nope",
        "/v1/tracks/t%20x/share-status",
        "/v1/links/lnk_x",
        "/v1/catalog/tracks/t%0A1",
    ):
        answer = await producer.http.get(path, headers=producer.headers)
        assert answer.status_code == 422, (path, answer.text)


async def _is(producer, track_id: str, expected: tuple[str, dict[str, str]]) -> bool:
    return await _statuses(producer, track_id) == expected


async def _job_state(producer, job_id: str, state: str) -> bool:
    return (await _get(producer, f"/v1/jobs/{job_id}"))["state"] == state
