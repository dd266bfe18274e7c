import json
from uuid import UUID

import pytest
from contracts import topics
from contracts.events import BY_TOPIC, EVENTS, DownloadRecorded, Event, ShareCreated, ShareRevoked
from contracts.snapshots import render, snapshot_path
from pydantic import ValidationError

REGENERATE = "regenerate with `make contracts-snapshot` if the change is additive"


def test_every_topic_has_exactly_one_model():
    assert set(BY_TOPIC) == set(topics.ALL)
    assert len(EVENTS) == len(topics.ALL)


def test_dlq_topic_name():
    assert topics.dlq(topics.SHARE_VIEWED) == "share.viewed.dlq"


def test_common_fields_are_filled_and_utc():
    event = ShareRevoked(link_id="lnk_1", owner_id="u-1", revoked_at="2026-11-27T10:00:00+00:00")
    assert isinstance(event.event_id, UUID)
    assert event.occurred_at.utcoffset() is not None
    assert event.schema_version == 1


def test_key_is_the_aggregate_id():
    event = DownloadRecorded(
        link_id="lnk_9",
        owner_id="u",
        track_id="t",
        file_id="f",
        file_type="audio",
        file_format="wav",
        visitor_id="v",
    )
    assert event.key() == b"lnk_9"


def test_events_are_frozen():
    event = ShareRevoked(link_id="l", owner_id="o", revoked_at="2026-11-27T10:00:00Z")
    with pytest.raises(ValidationError):
        event.link_id = "other"  # type: ignore[misc]


def test_unknown_fields_are_ignored_so_producers_can_add_fields():
    payload = {"link_id": "l", "owner_id": "o", "revoked_at": "2026-11-27T10:00:00Z", "new": 1}
    assert ShareRevoked.model_validate(payload).link_id == "l"


def test_naive_timestamps_are_refused():
    with pytest.raises(ValidationError):
        ShareRevoked(link_id="l", owner_id="o", revoked_at="2026-11-27T10:00:00")


def test_roundtrip_through_json():
    event = ShareCreated(
        link_id="l",
        owner_id="o",
        kind="single",
        track_ids=["t"],
        include=["bounce"],
        downloads=[],
        expires_at=None,
        url="http://localhost:8000/s/x",
    )
    assert ShareCreated.model_validate_json(event.model_dump_json()) == event


@pytest.mark.parametrize("model", EVENTS, ids=lambda m: m.topic)
def test_schema_snapshot_exists(model: type[Event]):
    path = snapshot_path(model)
    assert path.exists(), f"missing {path.name}: {REGENERATE}"


@pytest.mark.parametrize("model", EVENTS, ids=lambda m: m.topic)
def test_schema_evolution_is_additive(model: type[Event]):
    old = json.loads(snapshot_path(model).read_text())
    new = json.loads(render(model))
    removed = set(old["properties"]) - set(new["properties"])
    assert not removed, f"{model.topic}: fields removed {removed}; bump schema_version instead"
    for name, schema in old["properties"].items():
        assert new["properties"][name] == schema, (
            f"{model.topic}.{name} changed type; bump schema_version instead"
        )
    added_required = set(new.get("required", [])) - set(old.get("required", []))
    assert not added_required, (
        f"{model.topic}: new required fields {added_required}; new fields must be optional"
    )
    assert new == old, f"{model.topic}: additive change not yet snapshotted; {REGENERATE}"
