"""Share status dots and job progress (DESIGN §8), as pure rules."""

import pytest
from link_service.collab_domain import (
    answered,
    job_view,
    overall_status,
    pending,
    removal_applies,
    result_field,
    revoking,
    share_status_view,
)

ANA = {"collaborator_id": "c-1", "email": "ana@example.com", "name": "Ana", "user_id": "u-a"}
BO = {"collaborator_id": "c-2", "email": "bo@example.com", "name": "Bo", "user_id": None}


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["granted", "granted"], "all"),
        (["granted", "pending"], "partial"),
        (["granted", "not_shared"], "partial"),
        (["failed", "granted"], "partial"),
        (["pending", "not_shared"], "none"),
        (["failed"], "none"),
        ([], "none"),
    ],
)
def test_overall_dot_is_all_only_when_every_collaborator_is_granted(statuses, expected):
    assert overall_status(statuses) == expected


def test_collaborators_without_an_entry_are_not_shared():
    view = share_status_view("t-1", [ANA, BO], {"c-1": {"status": "granted", "request_id": "r"}})

    assert view["status"] == "partial"
    assert [(c["collaborator_id"], c["status"]) for c in view["collaborators"]] == [
        ("c-1", "granted"),
        ("c-2", "not_shared"),
    ]
    assert "user_id" not in view["collaborators"][0]


def test_grant_counts_only_for_the_request_that_is_the_current_intent():
    current = pending("r-2")

    assert answered(current, "r-1", "granted") is None  # an older request's late answer
    assert answered(current, "r-2", "granted") == {"status": "granted", "request_id": "r-2"}
    assert answered(None, "r-2", "granted") is None


def test_failure_keeps_its_reason():
    assert answered(pending("r-1"), "r-1", "failed", "dropbox_unavailable") == {
        "status": "failed",
        "request_id": "r-1",
        "reason": "dropbox_unavailable",
    }


def test_removal_keeps_the_status_until_dropbox_confirms_it():
    granted = {"status": "granted", "request_id": "r-1"}
    removing = revoking(granted, "v-1")

    assert removing["status"] == "granted" and removing["revoking"] is True
    assert answered(removing, "r-1", "granted") is None  # a late grant does not undo it
    assert removal_applies(removing, "v-1")
    assert not removal_applies(removing, "v-0")
    assert not removal_applies(pending("r-2"), "v-1")  # shared again since: keep the new intent


def _header(*tracks: tuple[str, list[dict]]) -> dict:
    return {
        "job_id": "job_1",
        "mode": "folder",
        "created_at": "2026-11-27T12:00:00+00:00",
        "skipped": [{"track_id": "t-9", "reason": "no_collaborators"}],
        "tracks": [
            {"track_id": t, "title": t.upper(), "request_id": f"r-{t}", "collaborators": people}
            for t, people in tracks
        ],
    }


def test_job_progress_counts_tracks_as_their_collaborators_answer():
    header = _header(("t-1", [ANA, BO]), ("t-2", [BO]), ("t-3", [ANA]))
    results: dict[str, dict] = {}

    def progress() -> tuple:
        view = job_view(header, results)
        return view["state"], view["total"], view["done"], view["failed"]

    assert progress() == ("running", 3, 0, 0)
    results[result_field("t-1", "c-1")] = {"status": "granted"}
    assert progress() == ("running", 3, 0, 0)  # t-1 still waits for Bo
    results[result_field("t-1", "c-2")] = {"status": "granted"}
    results[result_field("t-2", "c-2")] = {"status": "granted"}
    assert progress() == ("running", 3, 2, 0)
    results[result_field("t-3", "c-1")] = {"status": "failed", "reason": "dropbox_error:x"}
    assert progress() == ("failed", 3, 2, 1)


def test_job_where_every_track_is_granted_is_done_and_lists_skipped_tracks_apart():
    header = _header(("t-1", [ANA]))
    view = job_view(header, {result_field("t-1", "c-1"): {"status": "granted"}})

    assert (view["state"], view["done"], view["failed"]) == ("done", 1, 0)
    assert view["skipped"] == [{"track_id": "t-9", "reason": "no_collaborators"}]
    assert view["tracks"][0]["collaborators"][0]["status"] == "granted"


def test_job_with_nothing_queued_is_done_at_once():
    assert job_view(_header(), {})["state"] == "done"
