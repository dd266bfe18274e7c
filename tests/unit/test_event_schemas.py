"""The committed event schemas (libs/contracts/schemas/<topic>.v<N>.json) read by a JSON
Schema validator, as a consumer or producer in another language reads them: every event
our code publishes validates, exactly as the outbox relay writes it to Kafka; a foreign
event validates when complete and is refused without its envelope (decision 0003)."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from contracts.events import (
    EVENTS,
    AlertDigestLine,
    CollabGranted,
    Collaborator,
    DownloadRecorded,
    Event,
    LeakGuard,
    LinkedTrack,
    RecipientLink,
    SharedFile,
    ShareViewed,
)
from contracts.snapshots import SCHEMA_DIR, snapshot_path
from jsonschema import Draft202012Validator
from messaging.outbox import Outbox

pytestmark = pytest.mark.unit

PERSON = Collaborator(collaborator_id="c-1", email="ana@example.com", name="Ana", user_id="u-ana")
RECIPIENT = RecipientLink(
    recipient_id="rcp_1", name="Label X", email="ar@label.example", url="https://share.example/s/y"
)
COMMON = {"owner_id": "u-1", "track_id": "t-1", "request_id": "r-1", "job_id": "j-1"}
FIELDS: dict[str, dict[str, Any]] = {
    "share.created": {
        "link_id": "lnk_1",
        "kind": "playlist",
        "track_ids": ["t-1", "t-2"],
        "include": ["bounce", "stem"],
        "downloads": ["audio"],
        "expires_at": datetime(2026, 12, 9, tzinfo=UTC),
        "url": "https://share.example/s/x",
        "tracks": [LinkedTrack(track_id="t-1", group_id="g-1", title="Song")],
        "title": "Demo EP",
        "recipients": [RECIPIENT],
        "send_emails": True,
        "notify_owner": ["first_open", "daily_digest"],
        "leak_guard": LeakGuard(action="disable"),
        "owner_email": "mara@example.com",
    },
    "share.revoked": {"link_id": "lnk_1", "revoked_at": datetime.now(UTC), "reason": "leak_guard"},
    "share.alert": {
        "kind": "daily_digest",
        "owner_email": "mara@example.com",
        "day": "2026-12-02",
        "digest": [
            AlertDigestLine(link_id="lnk_1", title=None, views=3, plays=2, downloads=1),
        ],
    },
    "share.updated": {
        "link_id": "lnk_1",
        "changed": ["recipients"],
        "recipients_added": [RECIPIENT],
        "send_emails": False,
    },
    "share.recipient.revoked": {
        "link_id": "lnk_1",
        "recipient_id": "rcp_1",
        "revoked_at": datetime.now(UTC),
        "reason": "leak_guard",
    },
    "share.viewed": {
        "link_id": "lnk_1",
        "visitor_id": "v-1",
        "recipient_id": "rcp_1",
        "country": "DE",
        "device": "mobile",
    },
    "share.played": {
        "link_id": "lnk_1",
        "recipient_id": None,
        "listen_id": "0b7e8c1e-58c4-4b57-9a8e-0d5e3f1c2a4b",
        "group_id": None,
        "file_id": "f-1",
        "visitor_id": "v-1",
        "milestone": "30s",
    },
    "download.recorded": {
        "link_id": "lnk_1",
        "group_id": None,
        "track_title": "Song",
        "file_id": "f-1",
        "file_type": "audio",
        "file_format": "wav",
        "visitor_id": "v-1",
    },
    "collab.share.requested": {
        "track_title": "Song",
        "mode": "files",
        "folder": "/Song",
        "files": [SharedFile(file_id="f-1", name="a.wav", dropbox_path="/Song/a.wav")],
        "collaborators": [PERSON],
        "message": None,
    },
    "collab.granted": {
        "owner_name": "Mara",
        "track_title": "Song",
        "collaborator": PERSON,
        "mode": "folder",
        "access_url": "https://www.dropbox.com/home/Song",
    },
    "collab.failed": {"collaborator_id": "c-1", "reason": "dropbox_not_connected"},
    "collab.revoke.requested": {"collaborator": PERSON},
    "collab.revoked": {"collaborator_id": "c-1"},
    "collab.revoke.failed": {"collaborator_id": "c-1", "reason": "rate_limited"},
    "dropbox.connected": {"account_email": "mara@example.com"},
    "dropbox.disconnected": {"account_email": "mara@example.com"},
}


def _validator(file: str) -> Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / file).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _event(model: type[Event]) -> Event:
    names = model.model_fields
    return model(**{k: v for k, v in (COMMON | FIELDS[model.topic]).items() if k in names})


@pytest.mark.parametrize("model", EVENTS, ids=lambda m: m.topic)
def test_every_event_as_the_relay_publishes_it_fits_its_committed_schema(model: type[Event]):
    value = Outbox(service="test").fields(_event(model))["value"]  # the Kafka record's bytes
    errors = list(_validator(snapshot_path(model).name).iter_errors(json.loads(value)))
    assert not errors, [error.message for error in errors]


FOREIGN_VIEW = {
    "event_id": "5f0c1d3e-8a4b-4c2d-9e1f-2a3b4c5d6e7f",
    "occurred_at": "2026-12-02T10:00:00+01:00",
    "schema_version": 1,
    "link_id": "lnk_1",
    "owner_id": "u-1",
    "visitor_id": "v-1",
    "sent_by": "a producer in Go",  # unknown fields are allowed, and ignored
}
FOREIGN_DOWNLOAD_V1 = {
    "event_id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    "occurred_at": "2026-12-02T09:00:00Z",
    "schema_version": 1,
    "link_id": "lnk_1",
    "owner_id": "u-1",
    "track_id": "t-1",
    "file_id": "f-1",
    "file_type": "audio",
    "file_format": "wav",
    "visitor_id": "v-1",
}
FOREIGN_GRANT = {
    "event_id": "0d6f5a8e-3c1b-4f7a-8e2d-6b9c0a1f2e3d",
    "occurred_at": "2026-12-02T09:30:00.123456Z",
    "schema_version": 1,
    "request_id": "r-1",
    "job_id": "j-1",
    "owner_id": "u-1",
    "owner_name": "Mara",
    "track_id": "t-1",
    "track_title": "Song",
    "collaborator": {"collaborator_id": "c-1", "email": "ana@example.com", "name": "Ana"},
    "mode": "files",
}
FOREIGN = {
    "share.viewed.v1.json": (FOREIGN_VIEW, ShareViewed),
    "download.recorded.v1.json": (FOREIGN_DOWNLOAD_V1, DownloadRecorded),
    "download.recorded.v2.json": (FOREIGN_DOWNLOAD_V1 | {"schema_version": 2}, DownloadRecorded),
    "collab.granted.v1.json": (FOREIGN_GRANT, CollabGranted),
}


@pytest.mark.parametrize("file", FOREIGN)
def test_a_complete_foreign_event_fits_and_our_consumers_read_it(file: str):
    event, model = FOREIGN[file]
    assert not list(_validator(file).iter_errors(event))
    assert str(model.model_validate(event).event_id) == event["event_id"]


@pytest.mark.parametrize("file", FOREIGN)
@pytest.mark.parametrize("missing", ["event_id", "occurred_at", "schema_version"])
def test_a_foreign_event_without_its_envelope_is_refused(file: str, missing: str):
    event = {k: v for k, v in FOREIGN[file][0].items() if k != missing}
    messages = [error.message for error in _validator(file).iter_errors(event)]
    assert messages == [f"'{missing}' is a required property"]


WRONG = {
    "schema_version": [2, 0, "1", None],
    "event_id": ["42", "5f0c1d3e-8a4b-4c2d-9e1f", 7],
    "occurred_at": ["yesterday", "2026-12-02", "2026-12-02T10:00:00", 1764669600],
}


@pytest.mark.parametrize(("field", "value"), [(f, v) for f, vs in WRONG.items() for v in vs])
def test_a_foreign_event_with_a_wrong_envelope_value_is_refused(field: str, value: Any):
    # A naive timestamp is refused too: occurred_at is UTC with its offset (DESIGN §11).
    event = FOREIGN_VIEW | {field: value}
    assert list(_validator("share.viewed.v1.json").iter_errors(event))


def test_each_version_refuses_the_other_versions_events():
    v2 = FOREIGN_DOWNLOAD_V1 | {"schema_version": 2}
    assert list(_validator("download.recorded.v1.json").iter_errors(v2))
    assert list(_validator("download.recorded.v2.json").iter_errors(FOREIGN_DOWNLOAD_V1))


def test_a_malformed_email_is_refused():
    person = FOREIGN_GRANT["collaborator"] | {"email": "not an address"}
    assert list(
        _validator("collab.granted.v1.json").iter_errors(FOREIGN_GRANT | {"collaborator": person})
    )
