import json
from pathlib import Path
from uuid import UUID

import pytest
from contracts import topics
from contracts.events import BY_TOPIC, EVENTS, DownloadRecorded, Event, ShareCreated, ShareRevoked
from contracts.snapshots import SCHEMA_DIR, render, snapshot_path, version_of
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


def _older_snapshots(model: type[Event]) -> list[Path]:
    current = snapshot_path(model)
    return [p for p in sorted(SCHEMA_DIR.glob(f"{model.topic}.v*.json")) if p != current]


@pytest.mark.parametrize("model", EVENTS, ids=lambda m: m.topic)
def test_schema_evolution_is_additive(model: type[Event]):
    new = json.loads(render(model))
    for older in [*_older_snapshots(model), snapshot_path(model)]:
        old = json.loads(older.read_text())
        removed = set(old["properties"]) - set(new["properties"])
        assert not removed, f"{older.name}: fields removed {removed}; every version stays readable"
        for name, schema in old["properties"].items():
            if name != "schema_version":  # its default is the version itself
                assert new["properties"][name] == schema, f"{older.name}: {name} changed type"
        added_required = set(new.get("required", [])) - set(old.get("required", []))
        assert not added_required, (
            f"{older.name}: new required fields {added_required}; new fields must be optional"
        )
    assert new == json.loads(snapshot_path(model).read_text()), (
        f"{model.topic}: additive change not yet snapshotted; {REGENERATE}"
    )


@pytest.mark.parametrize("path", sorted(SCHEMA_DIR.glob("*.json")), ids=lambda p: p.name)
def test_every_snapshot_requires_the_envelope_with_its_own_version(path: Path):
    # Our producers always sent all three; a foreign producer must too (decision 0003).
    schema = json.loads(path.read_text())
    assert set(schema["required"]) >= {"event_id", "occurred_at", "schema_version"}
    assert schema["properties"]["schema_version"]["const"] == version_of(path)
    assert "default" not in schema["properties"]["schema_version"]


V1_DOWNLOAD = {
    "event_id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    "occurred_at": "2026-11-27T10:00:00Z",
    "schema_version": 1,
    "link_id": "lnk_1",
    "owner_id": "u-1",
    "track_id": "t-1",
    "file_id": "f-1",
    "file_type": "audio",
    "file_format": "wav",
    "visitor_id": "v",
}


def test_version_1_events_are_still_read_without_the_added_fields():
    download = DownloadRecorded.model_validate(V1_DOWNLOAD)
    assert (download.schema_version, download.group_id, download.track_title) == (1, None, None)
    created = ShareCreated.model_validate(
        {
            "link_id": "l",
            "owner_id": "o",
            "kind": "single",
            "track_ids": ["t"],
            "include": [],
            "downloads": [],
            "expires_at": None,
            "url": "http://x/s/y",
            "schema_version": 1,
        }
    )
    assert (created.schema_version, created.tracks) == (1, [])


def test_new_events_carry_the_current_version():
    assert DownloadRecorded.model_validate(V1_DOWNLOAD | {"schema_version": 2}).schema_version == 2
    assert (
        DownloadRecorded(
            **{k: v for k, v in V1_DOWNLOAD.items() if k != "schema_version"}
        ).schema_version
        == 3
    )
