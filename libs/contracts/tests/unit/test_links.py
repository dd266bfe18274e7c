"""The one rule of a link's status, and the link the gateway reads (DESIGN §5)."""

from datetime import UTC, datetime, timedelta

import pytest
from contracts.links import InternalLink, link_status

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expires_at", "revoked_at", "expected"),
    [
        (None, None, "active"),
        (NOW + timedelta(microseconds=1), None, "active"),
        (NOW, None, "expired"),  # the exact instant counts as expired
        (NOW - timedelta(days=1), None, "expired"),
        (NOW + timedelta(days=1), NOW - timedelta(seconds=1), "revoked"),
        (NOW - timedelta(days=1), NOW - timedelta(days=2), "revoked"),
    ],
)
def test_status_from_the_exact_instants(expires_at, revoked_at, expected):
    assert link_status(expires_at, revoked_at, NOW) == expected


def test_status_does_not_depend_on_the_time_zone_of_the_instants():
    tokyo = NOW.astimezone(timezone_tokyo())
    assert link_status(tokyo, None, NOW) == "expired"
    assert link_status(tokyo + timedelta(seconds=1), None, NOW) == "active"


def timezone_tokyo():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Tokyo")


def test_the_internal_link_answers_its_status_and_files_and_ignores_new_fields():
    link = InternalLink.model_validate(
        {
            "id": "lnk_1",
            "token": "T" * 32,
            "url": "http://x/s/T",
            "owner_id": "u-1",
            "kind": "single",
            "title": None,
            "message": None,
            "include": ["bounce"],
            "downloads": [],
            "created_at": NOW,
            "expires_at": NOW + timedelta(days=1),
            "revoked_at": None,
            "dropbox_connected": True,
            "added_later": 1,
            "tracks": [
                {
                    "track_id": "t-1",
                    "title": "T",
                    "artist": "A",
                    "version": 1,
                    "group_id": None,
                    "files": [
                        {
                            "file_id": "f-1",
                            "name": "a.wav",
                            "role": "bounce",
                            "type": "audio",
                            "format": "wav",
                            "size": 1,
                            "dropbox_path": "/a.wav",
                        }
                    ],
                }
            ],
        }
    )
    assert link.status(NOW) == "active" and link.status(NOW + timedelta(days=1)) == "expired"
    found = link.file("f-1")
    assert found is not None and found[1].dropbox_path == "/a.wav"
    assert link.file("f-2") is None
