"""A link's activity log (DESIGN §16), analytics-service as a process on real Kafka and
Redis: every counted event once, newest first, paged, its visitor a pseudonym; the CSV of
10,000 events streamed page by page with the process's memory flat; another owner's 404."""

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from service_kit.testing import problem_of

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 30, 12, tzinfo=UTC)


def _rss_mib(pid: int) -> float:
    """The process's resident memory now (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


async def test_the_log_holds_each_event_once_newest_first_in_pages(owner, feed, make_owner):
    created = owner.created()
    link = created.link_id
    listen = uuid4()
    events = [
        owner.view(
            link, "v-secret", occurred_at=T0, recipient_id="rcp_1", country="DE", device="mobile"
        ),
        owner.played(link, listen, "started", occurred_at=T0 + timedelta(seconds=1)),
        owner.played(link, listen, "30s", occurred_at=T0 + timedelta(seconds=31)),
        owner.download(link, file_format="WAV", occurred_at=T0 + timedelta(minutes=1)),
    ]
    for event in events:  # in order, each delivered twice
        await feed.send([created, event, event], partition=0)
    await owner.wait_for(lambda s: s.get(link, {}).get("downloads") == 1)

    first = await owner.http.get(
        f"/v1/stats/links/{link}/activity", params={"limit": 3}, headers=owner.headers
    )
    rest = await owner.http.get(
        f"/v1/stats/links/{link}/activity",
        params={"limit": 3, "cursor": first.json()["next_cursor"]},
        headers=owner.headers,
    )
    stranger = await owner.http.get(
        f"/v1/stats/links/{link}/activity", headers=make_owner().headers
    )

    assert first.status_code == 200, first.text
    shown = first.json()["items"] + rest.json()["items"]
    assert [e["kind"] for e in shown] == ["download", "listen", "play", "view"]
    assert rest.json()["next_cursor"] is None
    view = shown[-1]
    assert (view["recipient_id"], view["country"], view["device"]) == ("rcp_1", "DE", "mobile")
    assert view["visitor"].startswith("v-") and "secret" not in view["visitor"]
    assert datetime.fromisoformat(view["at"]) == T0
    assert (shown[0]["file_format"], shown[0]["recipient_id"]) == ("wav", None)
    assert problem_of(stranger) == (404, "link_not_found")


async def test_ten_thousand_events_stream_as_csv_with_flat_memory(owner, feed, analytics):
    created = owner.created()
    link = created.link_id
    views = [
        owner.view(link, f"v-{n % 300}", occurred_at=T0 + timedelta(seconds=n), device="desktop")
        for n in range(10_000)
    ]
    await feed.send([created, *views])
    await owner.wait_for(lambda s: s.get(link, {}).get("views") == 10_000, timeout_s=120)
    before = _rss_mib(analytics.process.pid)

    chunks, peak, text = 0, before, io.StringIO()
    url = f"/v1/stats/links/{link}/activity"
    async with owner.http.stream(
        "GET", url, params={"format": "csv"}, headers=owner.headers
    ) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        assert f'filename="activity-{link}.csv"' in answer.headers["content-disposition"]
        async for chunk in answer.aiter_text():
            chunks += 1
            text.write(chunk)
            peak = max(peak, _rss_mib(analytics.process.pid))

    rows = list(csv.DictReader(io.StringIO(text.getvalue())))
    assert len(rows) == 10_000 and rows[0]["kind"] == "view"
    assert rows[0]["at"] > rows[-1]["at"], "newest first"
    assert chunks >= 10, "written a page at a time, not as one body"
    # The whole log as one string and its entries in memory would be several times this.
    assert peak - before < 15, (before, peak)
