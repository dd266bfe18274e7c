"""The daily digest (DESIGN §16 "Owner alerts"): once a UTC day is over, each owner whose
links asked for `daily_digest` and saw activity that day gets one share.alert listing
each such link's views, plays and downloads of the day.

Counting notes which links each day saw (StatsStore.note_digest_days). Every instance
looks at the two days before today every `interval_s`: it stages one alert per owner, then
forgets the links it told of. The alert's event id follows from the owner and the day, so
two instances at once, a retry after a crash, or activity of the day counted late (after
the owner's digest went) make no second digest for that owner and day.
"""

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import uuid5

from contracts.events import AlertDigestLine, ShareAlert
from messaging.outbox import Outbox

from analytics_service.domain import ALERTS
from analytics_service.store import StatsStore

log = logging.getLogger(__name__)

# Days looked back: yesterday, and the day before should the service have been down when
# yesterday ended.
DAYS_LOOKED_BACK = 2


@dataclass(frozen=True)
class Digests:
    """Stages the owners' daily digests of the days that are over."""

    store: StatsStore  # and its clock
    outbox: Outbox
    interval_s: float

    async def run(self) -> None:
        """Send the digests that are due, every `interval_s`, until cancelled."""
        while True:
            try:
                await self.send_due()
            except Exception as error:  # Redis away: the next round tries again
                log.warning("daily digests not sent this round: %r", error)
            await asyncio.sleep(self.interval_s)

    async def send_due(self) -> int:
        """Stage the digests of the days looked back; how many were staged."""
        today = self.store.clock().date()
        days = [today - timedelta(days=back) for back in range(1, DAYS_LOOKED_BACK + 1)]
        return sum([await self.send_day(day) for day in days])

    async def send_day(self, day: date) -> int:
        """Stage one digest per owner with activity on `day`; how many were staged."""
        link_ids = await self.store.digest_links(day.isoformat())
        if not link_ids:
            return 0
        by_owner: dict[str, list[AlertDigestLine]] = defaultdict(list)
        addresses: dict[str, str | None] = {}
        for entry in await self.store.digest_entries(day.isoformat(), link_ids):
            line = entry.line
            if line.views or line.plays or line.downloads:
                by_owner[entry.owner_id].append(line)
                addresses[entry.owner_id] = addresses.get(entry.owner_id) or entry.owner_email
        for owner_id, lines in by_owner.items():
            digest = ShareAlert(
                event_id=uuid5(ALERTS, f"daily_digest|{owner_id}|{day.isoformat()}"),
                owner_id=owner_id,
                kind="daily_digest",
                owner_email=addresses[owner_id],
                day=day.isoformat(),
                digest=sorted(lines, key=lambda line: -(line.views + line.plays)),
            )
            await self.outbox.add(self.store.redis, digest)
        await self.store.digested(day.isoformat(), link_ids)
        if by_owner:
            log.info(
                "daily digests staged", extra={"day": day.isoformat(), "owners": len(by_owner)}
            )
        return len(by_owner)
