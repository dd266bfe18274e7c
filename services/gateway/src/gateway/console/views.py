"""What the console's pages show, computed from the services' answers (no I/O)."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from email.utils import parseaddr

from gateway.models import Day, Track

# Download permissions as the Files widget offers them, and the types each allows.
PERMISSIONS = {
    "audio": ["audio"],
    "project": ["project"],
    "all": ["audio", "project", "other"],
    "none": [],
}
ROLES = {"bounce": "Bounces", "stem": "Stems", "project": "Project files", "other": "Other files"}


@dataclass(frozen=True)
class Song:
    """A tile of the track grid: a group's latest version, or a track on its own."""

    track: Track
    versions: int


def songs_by_bucket(tracks: list[Track]) -> dict[str, list[Song]]:
    """Buckets by name, each with its songs by title; versions of a group collapse into
    one song showing the latest."""
    groups: dict[str, list[Track]] = defaultdict(list)
    for track in tracks:
        groups[track.group_id or f"track:{track.track_id}"].append(track)
    buckets: dict[str, list[Song]] = defaultdict(list)
    for versions in groups.values():
        latest = max(versions, key=lambda t: (t.version, t.track_id))
        buckets[latest.bucket or "No bucket"].append(Song(latest, len(versions)))
    return {
        name: sorted(songs, key=lambda s: s.track.title.casefold())
        for name, songs in sorted(buckets.items(), key=lambda item: item[0].casefold())
    }


def role_counts(tracks: list[Track]) -> dict[str, int]:
    """How many files of each role the selected tracks have, in the Files widget's order."""
    counts = dict.fromkeys(ROLES, 0)
    for track in tracks:
        for file in track.files:
            counts[file.role] += 1
    return counts


@dataclass(frozen=True)
class Chart:
    """A small bar chart of views and downloads per day, as SVG geometry."""

    width: int
    height: int
    bars: list[dict[str, float | str]]
    peak: int
    first: str  # the first and last day shown, for the axis
    last: str


def daily_chart(days: list[Day], today: date, span: int = 14) -> Chart:
    """The last `span` days up to `today`, three bars a day (views, plays, downloads),
    scaled to the busiest day; days without events are zero."""
    counts = {day.date: day for day in days}
    dates = [today - timedelta(days=span - 1 - i) for i in range(span)]
    peak = max([1, *(max(d.views, d.plays, d.downloads) for d in days if d.date in dates)])
    slot, height, plot = 24, 120, 100
    bars: list[dict[str, float | str]] = []
    for i, when in enumerate(dates):
        day = counts.get(when)
        for offset, kind in ((2, "views"), (9, "plays"), (16, "downloads")):
            value = getattr(day, kind) if day else 0
            bar_height = plot * value / peak
            bars.append(
                {
                    "x": i * slot + offset,
                    "y": plot - bar_height,
                    "height": bar_height,
                    "kind": kind,
                    "label": f"{when.isoformat()}: {value} {kind}",
                }
            )
    first, last = (f"{d.day} {d.strftime('%b')}" for d in (dates[0], dates[-1]))
    return Chart(width=span * slot, height=height, bars=bars, peak=peak, first=first, last=last)


# One recipient per row: "Name <address>", "Name, address" or the address alone.
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


class RecipientsProblem(ValueError):
    """Rows that are not recipients; the message says which, for the producer to fix."""


def recipients_of(rows: str) -> list[dict[str, str]]:
    """The recipients the Files widget's rows name, `{"name", "email"}` each; a row without
    a name is named by its address's local part. RecipientsProblem on a row that is not
    one (how many a link may have is link-service's rule: its 422 is shown as it says)."""
    recipients = []
    for row in filter(None, (line.strip() for line in rows.splitlines())):
        if "<" in row:
            name, address = parseaddr(row)
        else:  # the address is the last word; the words before it, the name
            name, _, address = row.replace(",", " ").rpartition(" ")
        if not _ADDRESS.match(address):
            raise RecipientsProblem(f"“{row}” is not a name and an e-mail address.")
        recipients.append({"name": name.strip() or address.split("@")[0], "email": address})
    return recipients
