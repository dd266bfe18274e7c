"""Pure rules of the analytics: UTC day bucketing, what an event adds, the stats shape, the
alerts a link asked for and the share.alert of one the counting script raised."""

import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest
from analytics_service.domain import (
    RawRecipient,
    RawStats,
    Tally,
    activity_entry,
    alert_of,
    alerting_of,
    csv_line,
    daily_series,
    from_micros,
    link_stats,
    to_micros,
    utc_day,
)
from contracts.events import DownloadRecorded, LeakGuard, ShareCreated, SharePlayed, ShareViewed
from pydantic import ValidationError

BERLIN_WINTER = timezone(timedelta(hours=1))
NEW_YORK_WINTER = timezone(timedelta(hours=-5))


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 11, 27, 0, 30, tzinfo=BERLIN_WINTER), "2026-11-26"),
        (datetime(2026, 11, 27, 21, 0, tzinfo=NEW_YORK_WINTER), "2026-11-28"),
        (datetime(2026, 11, 27, 23, 59, 59, 999_999, tzinfo=UTC), "2026-11-27"),
        (datetime(2026, 11, 28, 0, 0, tzinfo=UTC), "2026-11-28"),
        (datetime(2026, 12, 31, 23, 30, tzinfo=NEW_YORK_WINTER), "2027-01-01"),
    ],
)
def test_day_bucket_is_the_utc_calendar_day_whatever_the_offset(moment: datetime, day: str):
    assert utc_day(moment) == day


def test_microsecond_timestamps_round_trip_exactly():
    moment = datetime(2026, 11, 27, 10, 11, 12, 987_654, tzinfo=BERLIN_WINTER)
    assert from_micros(to_micros(moment)) == moment
    assert from_micros(to_micros(moment)).utcoffset() == timedelta(0)


def test_view_tally_carries_its_instant_utc_day_and_visitor():
    at = datetime(2026, 11, 27, 0, 30, tzinfo=BERLIN_WINTER)
    view = ShareViewed(link_id="lnk_1", owner_id="u-1", visitor_id="v-9", occurred_at=at)
    tally = Tally.of(view)
    assert (tally.kind, tally.link_id, tally.event_id) == ("v", "lnk_1", view.event_id)
    assert tally.script_args()[:13] == (
        ("v", str(to_micros(at)), "2026-11-26", "v-9") + ("",) * 8 + ("link",)
    )
    entry = activity_entry(tally.at_us, tally.script_args()[13])
    assert (entry["kind"], entry["recipient_id"], entry["track_id"]) == ("view", None, None)
    assert entry["visitor"].startswith("v-") and "v-9" not in entry["visitor"][2:]


def test_view_tally_carries_its_recipient_country_and_device():
    view = ShareViewed(
        link_id="lnk_1",
        owner_id="u-1",
        visitor_id="v-9",
        recipient_id="rcp_1",
        country="DE",
        device="tablet",
    )
    assert Tally.of(view).script_args()[10:13] == ("DE", "tablet", "rcp_1")


def test_play_tally_carries_its_track_and_milestone():
    played = SharePlayed(
        link_id="lnk_1",
        owner_id="u-1",
        recipient_id=None,
        listen_id=uuid4(),
        track_id="t-2",
        group_id=None,
        file_id="f-1",
        visitor_id="v-1",
        milestone="95pct",
    )
    args = Tally.of(played).script_args()
    assert (args[0], args[6], args[9], args[12]) == ("p", "t-2", "95pct", "link")
    assert activity_entry(0, args[13])["kind"] == "completion"


def test_a_csv_cell_a_spreadsheet_would_run_is_made_inert():
    assert csv_line(["=HYPERLINK(1)", "+1", "ok", None, 'a "b"']) == (
        '\'=HYPERLINK(1),\'+1,ok,,"a ""b"""\r\n'
    )


def test_download_tally_carries_type_lower_case_format_and_track():
    download = DownloadRecorded(
        link_id="lnk_1",
        owner_id="u-1",
        track_id="t-7",
        file_id="f-2",
        file_type="project",
        file_format=" ALS ",
        visitor_id="v-1",
        occurred_at=datetime(2026, 11, 27, 12, tzinfo=UTC),
    )
    assert Tally.of(download).script_args()[0] == "d"
    assert Tally.of(download).script_args()[2:9] == (
        "2026-11-27",
        "v-1",
        "project",
        "als",
        "t-7",
        "t-7",
        "",
    )


def test_download_tally_counts_for_the_tracks_song_with_its_title():
    download = DownloadRecorded(
        link_id="lnk_1",
        owner_id="u-1",
        track_id="t-3",
        group_id="grp-nd",
        track_title="Night Drive",
        file_id="f-2",
        file_type="audio",
        file_format="wav",
        visitor_id="v-1",
    )
    assert Tally.of(download).script_args()[6:9] == ("t-3", "grp-nd", "Night Drive")


def test_stats_of_a_link_without_events_has_every_field_and_every_download_type():
    empty = RawStats(counters={}, formats={}, tracks={}, visitors=0, daily={}, songs={}, titles={})
    assert link_stats("lnk_1", empty) == {
        "link_id": "lnk_1",
        "views": 0,
        "downloads": 0,
        "downloads_by_type": {"audio": 0, "project": 0, "other": 0},
        "downloads_by_format": {},
        "downloads_by_track": {},
        "downloads_by_song": [],
        "unique_visitors": 0,
        "last_viewed_at": None,
        "last_downloaded_at": None,
        "plays": 0,
        "listens": 0,
        "completions": 0,
        "plays_by_track": {},
        "listens_by_track": {},
        "by_country": {},
        "by_device": {},
        "by_recipient": [],
        "daily": [],
    }


def test_stats_by_recipient_name_the_link_itself_as_none():
    raw = RawStats(
        counters={"plays": "3", "listens": "2", "completions": "1"},
        formats={},
        tracks={},
        visitors=2,
        daily={},
        songs={},
        titles={},
        plays={"started|t-1": "2", "started|t-2": "1", "30s|t-1": "2"},
        countries={"US": "1", "DE": "4"},
        devices={"mobile": "5"},
        recipients=[
            RawRecipient("link", {"views": "1"}, 1),
            RawRecipient(
                "rcp_1",
                {"views": "4", "plays": "3", "dl|t-1": "2", "first_opened_us": "1000000"},
                2,
                "Label X",
                "ar@label.example",
            ),
        ],
    )
    stats = link_stats("lnk_1", raw)
    assert (stats["plays"], stats["listens"], stats["completions"]) == (3, 2, 1)
    assert list(stats["plays_by_track"].items()) == [("t-1", 2), ("t-2", 1)]
    assert stats["listens_by_track"] == {"t-1": 2}
    assert list(stats["by_country"].items()) == [("DE", 4), ("US", 1)]
    anyone, label = stats["by_recipient"]
    assert (anyone["recipient_id"], anyone["name"], anyone["views"]) == (None, None, 1)
    assert (label["recipient_id"], label["name"], label["plays"]) == ("rcp_1", "Label X", 3)
    assert label["downloads_by_track"] == {"t-1": 2}
    assert label["first_opened_at"] == "1970-01-01T00:00:01+00:00"


def test_stats_shape_counts_types_formats_tracks_and_times():
    viewed = datetime(2026, 11, 27, 10, tzinfo=UTC)
    downloaded = datetime(2026, 11, 28, 9, 30, 0, 5, tzinfo=UTC)
    raw = RawStats(
        counters={
            "views": "12",
            "downloads": "5",
            "type:audio": "4",
            "type:project": "1",
            "last_viewed_us": str(to_micros(viewed)),
            "last_downloaded_us": str(to_micros(downloaded)),
            "owner_id": "u-1",
        },
        formats={"mp3": "1", "als": "1", "wav": "3"},
        tracks={"t-7": "1", "t-1": "4"},
        visitors=3,
        daily={"2026-11-28|d": "5", "2026-11-27|v": "12"},
        songs={"t-7": "1", "grp-1": "4"},
        titles={"grp-1": "Night Drive"},
    )
    stats = link_stats("lnk_1", raw)
    assert stats["downloads_by_type"] == {"audio": 4, "project": 1, "other": 0}
    assert list(stats["downloads_by_format"].items()) == [("wav", 3), ("als", 1), ("mp3", 1)]
    assert list(stats["downloads_by_track"].items()) == [("t-1", 4), ("t-7", 1)]
    assert stats["downloads_by_song"] == [
        {"song": "grp-1", "title": "Night Drive", "downloads": 4},
        {"song": "t-7", "title": None, "downloads": 1},
    ]
    assert (stats["views"], stats["downloads"], stats["unique_visitors"]) == (12, 5, 3)
    assert datetime.fromisoformat(stats["last_viewed_at"]) == viewed
    assert stats["last_downloaded_at"] == "2026-11-28T09:30:00.000005+00:00"
    assert "owner_id" not in stats


def test_daily_series_is_sorted_by_date_with_views_and_downloads_on_every_day():
    fields = {"2026-12-01|v": "2", "2026-11-30|d": "1", "2026-11-29|v": "4", "2026-11-29|d": "3"}
    fields["2026-11-30|p"] = "7"
    assert daily_series(fields) == [
        {"date": "2026-11-29", "views": 4, "downloads": 3, "plays": 0},
        {"date": "2026-11-30", "views": 0, "downloads": 1, "plays": 7},
        {"date": "2026-12-01", "views": 2, "downloads": 0, "plays": 0},
    ]


def test_tallies_of_distinct_events_are_distinct():
    view = ShareViewed(link_id="lnk_1", owner_id="u-1", visitor_id="v-1")
    again = view.model_copy(update={"event_id": uuid4()})
    assert Tally.of(view) != Tally.of(again)


def _created(**fields) -> ShareCreated:
    values = {
        "link_id": "lnk_1",
        "owner_id": "u-1",
        "kind": "single",
        "track_ids": ["t-1"],
        "include": ["bounce"],
        "downloads": ["audio"],
        "expires_at": None,
        "url": "https://share.example/s/x",
    }
    return ShareCreated(**(values | fields))


def test_a_link_asking_for_nothing_has_no_alerting_and_one_asking_has_its_settings():
    assert alerting_of(_created()) is None
    guarded = alerting_of(_created(leak_guard=LeakGuard(per_recipient=2), title="EP"))
    assert guarded is not None
    assert (guarded["notify_owner"], guarded["leak_guard"]["per_recipient"]) == ([], 2)
    told = alerting_of(_created(notify_owner=["download"], owner_email="a@b.example"))
    assert told == {
        "notify_owner": ["download"],
        "leak_guard": None,
        "owner_email": "a@b.example",
        "title": None,
    }


def test_a_raised_alert_has_the_same_id_however_often_it_is_read():
    raised = json.dumps(
        {"kind": "first_open", "owner_id": "u-1", "recipient_id": None, "seen_at_us": 1_000_000}
    )
    alert = alert_of("lnk_1", "first_open|link", raised)
    assert alert.event_id == alert_of("lnk_1", "first_open|link", raised).event_id
    assert alert.event_id != alert_of("lnk_2", "first_open|link", raised).event_id
    assert (alert.link_id, alert.seen_at) == ("lnk_1", from_micros(1_000_000))


def test_a_raised_alert_without_an_owner_is_refused():
    with pytest.raises(ValidationError):
        alert_of(
            "lnk_1",
            "download|x",
            json.dumps({"kind": "download", "owner_id": False, "seen_at_us": 1}),
        )
