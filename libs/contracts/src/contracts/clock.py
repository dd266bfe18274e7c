"""The clock, once: code that needs the time takes a `Clock` (tests pass a stepping one);
only the edges that build a service read the real time, with `utc_now`."""

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""A source of aware UTC datetimes."""


def utc_now() -> datetime:
    """Now, in UTC (the real clock)."""
    return datetime.now(UTC)


def unix_s(moment: datetime) -> int:
    """`moment` in whole seconds since the epoch (JWT `exp`, signed URLs, cookies)."""
    return int(moment.timestamp())
