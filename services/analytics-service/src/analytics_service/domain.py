"""Pure rules of the analytics: what one event adds, and the stats shape of DESIGN §10."""

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal, TypedDict
from uuid import UUID, uuid5

from contracts.events import DownloadRecorded, ShareAlert, ShareCreated, SharePlayed, ShareViewed
from contracts.ids import digest

DOWNLOAD_TYPES = ("audio", "project", "other")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
VIEW: Final = "v"
DOWNLOAD: Final = "d"
PLAY: Final = "p"
# The counters of what came through the link's own token ("anyone with the link").
LINK_ITSELF: Final = "link"
# What the activity log calls each event: by tally kind, a play by its milestone.
ACTIVITY_KIND = {
    VIEW: "view",
    DOWNLOAD: "download",
    PLAY: "",
    "started": "play",
    "30s": "listen",
    "95pct": "completion",
}


def utc_day(moment: datetime) -> str:
    """The UTC calendar day of an aware instant, as YYYY-MM-DD."""
    return moment.astimezone(UTC).date().isoformat()


def to_micros(moment: datetime) -> int:
    """Microseconds since the epoch of an aware instant (exact, unlike a float timestamp)."""
    since = moment - EPOCH
    return (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds


def from_micros(micros: int) -> datetime:
    """The UTC instant `micros` microseconds after the epoch."""
    return EPOCH + timedelta(microseconds=micros)


@dataclass(frozen=True)
class Tally:
    """What one view, download or play milestone adds to its link's counters."""

    kind: Literal["v", "d", "p"]
    link_id: str
    event_id: UUID
    at_us: int
    day: str  # the UTC day of at_us
    visitor_id: str
    file_type: str = ""
    file_format: str = ""
    track_id: str = ""
    song: str = ""
    title: str = ""
    milestone: str = ""
    country: str = ""
    device: str = ""
    recipient: str = LINK_ITSELF  # a recipient id, or the link's own token

    @classmethod
    def of(cls, event: ShareViewed | DownloadRecorded | SharePlayed) -> "Tally":
        """The tally of a share.viewed, download.recorded or share.played event."""
        at = event.occurred_at
        common: dict[str, Any] = {
            "link_id": event.link_id,
            "event_id": event.event_id,
            "at_us": to_micros(at),
            "day": utc_day(at),
            "visitor_id": event.visitor_id,
            "country": event.country or "",
            "device": event.device or "",
            "recipient": event.recipient_id or LINK_ITSELF,
        }
        if isinstance(event, ShareViewed):
            return cls(VIEW, **common)
        if isinstance(event, SharePlayed):
            return cls(PLAY, **common, track_id=event.track_id, milestone=event.milestone)
        return cls(
            DOWNLOAD,
            **common,
            file_type=event.file_type,
            file_format=event.file_format.strip().lower(),
            track_id=event.track_id,
            song=song_of(event),
            title=event.track_title or "",
        )

    def script_args(self) -> tuple[str, ...]:
        """The event's arguments to the counting script, in its order."""
        return (
            self.kind,
            str(self.at_us),
            self.day,
            self.visitor_id,
            self.file_type,
            self.file_format,
            self.track_id,
            self.song,
            self.title,
            self.milestone,
            self.country,
            self.device,
            self.recipient,
            self.activity(),
            self.event_id.hex,
        )

    def activity(self) -> str:
        """The event as its activity log entry holds it (the instant is the entry's score);
        unique per event."""
        kind = ACTIVITY_KIND[self.kind] or ACTIVITY_KIND[self.milestone]
        cells = (self.recipient, pseudonym(self.visitor_id), self.track_id, self.file_type)
        return json.dumps(
            [self.event_id.hex, kind, *cells, self.file_format, self.country, self.device]
        )


# The namespace of alerts' event ids: the same alert, raised again, is the same event.
ALERTS = UUID("5e1c9a57-3d8e-4c1b-9f39-a1e7c0d4b7a2")


class Alerting(TypedDict):
    """What the counting script needs of a link's alerts (from share.created v4)."""

    notify_owner: list[str]
    leak_guard: dict[str, Any] | None
    owner_email: str | None
    title: str | None


def alerting_of(event: ShareCreated) -> Alerting | None:
    """The link's alerts and leak guard; None when it asked for neither (or predates them)."""
    if not event.notify_owner and event.leak_guard is None:
        return None
    return {
        "notify_owner": list(event.notify_owner),
        "leak_guard": event.leak_guard.model_dump() if event.leak_guard else None,
        "owner_email": event.owner_email,
        "title": event.title,
    }


def alert_of(link_id: str, field: str, raised: str) -> ShareAlert:
    """The share.alert of one pending alert the counting script raised; its event id
    follows from the link and what it tells of (`field`, e.g. `first_open|rcp_…`)."""
    values = json.loads(raised)
    seen_at = from_micros(int(values.pop("seen_at_us")))
    identity = {"event_id": uuid5(ALERTS, f"{link_id}|{field}"), "link_id": link_id}
    return ShareAlert.model_validate(values | identity | {"seen_at": seen_at})


def pseudonym(visitor_id: str) -> str:
    """The activity log's name for a visitor: short, stable, not the visitor id itself."""
    return "v-" + digest(f"activity|{visitor_id}", 8)


def activity_entry(at_us: int, entry: str) -> dict[str, Any]:
    """One activity log entry as the API shows it (DESIGN §16)."""
    _, kind, recipient, visitor, track, file_type, file_format, country, device = json.loads(entry)
    return {
        "at": from_micros(at_us).isoformat(),
        "kind": kind,
        "recipient_id": None if recipient == LINK_ITSELF else recipient,
        "visitor": visitor,
        "track_id": track or None,
        "file_type": file_type or None,
        "file_format": file_format or None,
        "country": country or None,
        "device": device or None,
    }


def csv_line(cells: Sequence[Any]) -> str:
    """One CSV line (RFC 4180 quoting); a cell a spreadsheet would run as a formula is
    prefixed with ' (OWASP's CSV injection advice)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([_inert(cell) for cell in cells])
    return out.getvalue()


def _inert(cell: Any) -> str:
    text = "" if cell is None else str(cell)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def song_of(download: DownloadRecorded) -> str:
    """The song a download counts for: the track's group, else the track itself.

    A v1 event does not say the group, so its track counts as a song of its own.
    """
    return download.group_id or download.track_id


@dataclass(frozen=True)
class RawRecipient:
    """One recipient's counters (or the link's own token's) as Redis holds them."""

    recipient: str  # a recipient id, or LINK_ITSELF
    counters: Mapping[str, str]
    visitors: int
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class RawStats:
    """A link's counters as Redis holds them."""

    counters: Mapping[str, str]
    formats: Mapping[str, str]
    tracks: Mapping[str, str]
    visitors: int
    daily: Mapping[str, str]
    songs: Mapping[str, str]
    titles: Mapping[str, str]
    plays: Mapping[str, str] = field(default_factory=dict)
    countries: Mapping[str, str] = field(default_factory=dict)
    devices: Mapping[str, str] = field(default_factory=dict)
    recipients: Sequence[RawRecipient] = ()


def link_stats(link_id: str, raw: RawStats) -> dict[str, Any]:
    """The stats of one link in the shape of DESIGN §10 and §16."""
    counters = raw.counters
    return {
        "link_id": link_id,
        "views": int(counters.get("views", 0)),
        "downloads": int(counters.get("downloads", 0)),
        "downloads_by_type": {t: int(counters.get(f"type:{t}", 0)) for t in DOWNLOAD_TYPES},
        "downloads_by_format": _most_first(raw.formats),
        "downloads_by_track": _most_first(raw.tracks),
        "downloads_by_song": [
            {"song": song, "title": raw.titles.get(song), "downloads": count}
            for song, count in _most_first(raw.songs).items()
        ],
        "unique_visitors": raw.visitors,
        "last_viewed_at": _instant(counters.get("last_viewed_us")),
        "last_downloaded_at": _instant(counters.get("last_downloaded_us")),
        "plays": int(counters.get("plays", 0)),
        "listens": int(counters.get("listens", 0)),
        "completions": int(counters.get("completions", 0)),
        "plays_by_track": _most_first(_prefixed(raw.plays, "started|")),
        "listens_by_track": _most_first(_prefixed(raw.plays, "30s|")),
        "by_country": _most_first(raw.countries),
        "by_device": _most_first(raw.devices),
        "by_recipient": [_recipient_stats(r) for r in raw.recipients],
        "daily": daily_series(raw.daily),
    }


def _recipient_stats(raw: RawRecipient) -> dict[str, Any]:
    counters = raw.counters
    return {
        "recipient_id": None if raw.recipient == LINK_ITSELF else raw.recipient,
        "name": raw.name,
        "email": raw.email,
        "views": int(counters.get("views", 0)),
        "unique_visitors": raw.visitors,
        "plays": int(counters.get("plays", 0)),
        "listens": int(counters.get("listens", 0)),
        "downloads": int(counters.get("downloads", 0)),
        "downloads_by_track": _most_first(_prefixed(counters, "dl|")),
        "first_opened_at": _instant(counters.get("first_opened_us")),
        "last_seen_at": _instant(counters.get("last_seen_us")),
    }


def _prefixed(fields: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {k.removeprefix(prefix): v for k, v in fields.items() if k.startswith(prefix)}


_DAILY = {VIEW: "views", DOWNLOAD: "downloads", PLAY: "plays"}


def daily_series(fields: Mapping[str, str]) -> list[dict[str, Any]]:
    """`{"YYYY-MM-DD|v": n, "YYYY-MM-DD|d": m, "YYYY-MM-DD|p": k}` as [{"date", "views",
    "downloads", "plays"}] by date."""
    days: dict[str, dict[str, Any]] = {}
    for name, count in fields.items():
        day, _, kind = name.partition("|")
        entry = days.setdefault(day, {"date": day, "views": 0, "downloads": 0, "plays": 0})
        entry[_DAILY[kind]] += int(count)
    return [days[day] for day in sorted(days)]


def _most_first(counts: Mapping[str, str]) -> dict[str, int]:
    pairs = sorted(((name, int(n)) for name, n in counts.items()), key=lambda p: (-p[1], p[0]))
    return dict(pairs)


def _instant(micros: str | None) -> str | None:
    return from_micros(int(micros)).isoformat() if micros else None
