"""Pure rules of the analytics: what one event adds, and the stats shape of DESIGN §10."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal
from uuid import UUID

from contracts.events import DownloadRecorded, ShareViewed

DOWNLOAD_TYPES = ("audio", "project", "other")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
VIEW: Final = "v"
DOWNLOAD: Final = "d"


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
    """What one view or download adds to its link's counters."""

    kind: Literal["v", "d"]
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

    @classmethod
    def of(cls, event: ShareViewed | DownloadRecorded) -> "Tally":
        """The tally of a share.viewed or download.recorded event."""
        at = event.occurred_at
        when = (to_micros(at), utc_day(at))
        if isinstance(event, ShareViewed):
            return cls(VIEW, event.link_id, event.event_id, *when, event.visitor_id)
        return cls(
            DOWNLOAD,
            event.link_id,
            event.event_id,
            *when,
            event.visitor_id,
            event.file_type,
            event.file_format.strip().lower(),
            event.track_id,
            song_of(event),
            event.track_title or "",
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
        )


def song_of(download: DownloadRecorded) -> str:
    """The song a download counts for: the track's group, else the track itself.

    A v1 event does not say the group, so its track counts as a song of its own.
    """
    return download.group_id or download.track_id


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


def link_stats(link_id: str, raw: RawStats) -> dict[str, Any]:
    """The stats of one link in the shape of DESIGN §10."""
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
        "daily": daily_series(raw.daily),
    }


def daily_series(fields: Mapping[str, str]) -> list[dict[str, Any]]:
    """`{"YYYY-MM-DD|v": n, "YYYY-MM-DD|d": m}` as [{"date", "views", "downloads"}] by date."""
    days: dict[str, dict[str, Any]] = {}
    for field, count in fields.items():
        day, _, kind = field.partition("|")
        entry = days.setdefault(day, {"date": day, "views": 0, "downloads": 0})
        entry["views" if kind == VIEW else "downloads"] += int(count)
    return [days[day] for day in sorted(days)]


def _most_first(counts: Mapping[str, str]) -> dict[str, int]:
    pairs = sorted(((name, int(n)) for name, n in counts.items()), key=lambda p: (-p[1], p[0]))
    return dict(pairs)


def _instant(micros: str | None) -> str | None:
    return from_micros(int(micros)).isoformat() if micros else None
