"""Share status dots and job progress (DESIGN §8), as pure rules."""

from datetime import UTC, datetime

import pytest
from link_service.catalog.models import Track
from link_service.collaborators.domain import (
    answered,
    job_header,
    job_view,
    overall_status,
    pending,
    removal_applies,
    result_field,
    revoking,
    share_status,
)
from link_service.collaborators.models import Entry, JobHeader, JobResult, JobTrack, Person

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

ANA = {"collaborator_id": "c-1", "email": "ana@example.com", "name": "Ana", "user_id": "u-a"}
BO = {"collaborator_id": "c-2", "email": "bo@example.com", "name": "Bo", "user_id": None}
BOUNCE = {"file_id": "f", "name": "f.wav", "role": "bounce", "dropbox_path": "/x/f", "size": 1}


def _track(track_id: str, *people: dict) -> Track:
    return Track(
        track_id=track_id,
        title=track_id.upper(),
        artist="A",
        dropbox_folder="/x",
        files=[BOUNCE],
        collaborators=list(people),
    )


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
    granted = Entry(status="granted", request_id="r")
    view = share_status(_track("t-1", ANA, BO), {"c-1": granted})

    assert view.status == "partial"
    assert [(c.collaborator_id, c.status) for c in view.collaborators] == [
        ("c-1", "granted"),
        ("c-2", "not_shared"),
    ]
    assert "user_id" not in view.collaborators[0].model_dump()


def test_grant_counts_only_for_the_request_that_is_the_current_intent():
    current = pending("r-2")

    assert answered(current, "r-1", "granted", None) is None  # an older request's late answer
    assert answered(current, "r-2", "granted", None) == Entry(status="granted", request_id="r-2")
    assert answered(None, "r-2", "granted", None) is None


def test_failure_keeps_its_reason():
    failed = answered(pending("r-1"), "r-1", "failed", "dropbox_unavailable")
    assert failed == Entry(status="failed", request_id="r-1", reason="dropbox_unavailable")


def test_removal_keeps_the_status_until_dropbox_confirms_it():
    removing = revoking(Entry(status="granted", request_id="r-1"), "v-1")

    assert removing.status == "granted" and removing.revoking is True
    assert answered(removing, "r-1", "granted", None) is None  # a late grant does not undo it
    assert removal_applies(removing, "v-1")
    assert not removal_applies(removing, "v-0")
    assert not removal_applies(pending("r-2"), "v-1")  # shared again since: keep the new intent


def _header(*tracks: tuple[str, list[dict]]) -> JobHeader:
    return JobHeader(
        job_id="job_1",
        owner_id="u-1",
        mode="folder",
        message=None,
        created_at=datetime(2026, 11, 27, 12, tzinfo=UTC),
        skipped=[{"track_id": "t-9", "reason": "no_collaborators"}],
        tracks=[
            JobTrack(
                track_id=t,
                title=t.upper(),
                request_id=f"r-{t}",
                collaborators=[
                    Person(**{k: p[k] for k in ("collaborator_id", "email", "name")})
                    for p in people
                ],
            )
            for t, people in tracks
        ],
    )


def test_job_progress_counts_tracks_as_their_collaborators_answer():
    header = _header(("t-1", [ANA, BO]), ("t-2", [BO]), ("t-3", [ANA]))
    results: dict[str, JobResult] = {}

    def progress() -> tuple:
        view = job_view(header, results)
        return view.state, view.total, view.done, view.failed

    assert progress() == ("running", 3, 0, 0)
    results[result_field("t-1", "c-1")] = JobResult(status="granted")
    assert progress() == ("running", 3, 0, 0)  # t-1 still waits for Bo
    results[result_field("t-1", "c-2")] = JobResult(status="granted")
    results[result_field("t-2", "c-2")] = JobResult(status="granted")
    assert progress() == ("running", 3, 2, 0)
    results[result_field("t-3", "c-1")] = JobResult(status="failed", reason="dropbox_error:x")
    assert progress() == ("failed", 3, 2, 1)


def test_job_where_every_track_is_granted_is_done_and_lists_skipped_tracks_apart():
    header = _header(("t-1", [ANA]))
    view = job_view(header, {result_field("t-1", "c-1"): JobResult(status="granted")})

    assert (view.state, view.done, view.failed) == ("done", 1, 0)
    assert [s.model_dump() for s in view.skipped] == [
        {"track_id": "t-9", "reason": "no_collaborators"}
    ]
    assert view.tracks[0].collaborators[0].status == "granted"


def test_job_with_nothing_queued_is_done_at_once():
    assert job_view(_header(), {}).state == "done"


def test_a_new_job_skips_tracks_without_collaborators_or_with_a_removal_on_its_way():
    removing = {"c-1": revoking(Entry(status="granted", request_id="r"), "v")}
    tracks = [_track("t-1", ANA), _track("t-2"), _track("t-3", ANA)]

    header = job_header(
        "u-1", "files", None, tracks, [{}, {}, removing], now=NOW, new_id=lambda k: f"{k}_1"
    )

    assert [t.track_id for t in header.tracks] == ["t-1"]
    assert [(s.track_id, s.reason) for s in header.skipped] == [
        ("t-2", "no_collaborators"),
        ("t-3", "revoke_in_progress"),
    ]
    assert (header.job_id, header.tracks[0].request_id, header.created_at) == (
        "job_1",
        "req_1",
        NOW,
    )
