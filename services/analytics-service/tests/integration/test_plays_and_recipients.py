"""Plays, listens and completions counted once per listen, and the stats by recipient, by
country and by device (DESIGN §16), through real Kafka and Redis."""

from uuid import uuid4

import pytest
from contracts.events import RecipientLink

from .conftest import assert_matches, expected_stats

pytestmark = pytest.mark.integration


async def test_each_milestone_of_a_listen_counts_once_however_often_it_comes(owner, feed):
    created = owner.created()
    link = created.link_id
    first, second = uuid4(), uuid4()
    reports = [
        owner.played(link, first, "started"),
        owner.played(link, first, "30s"),
        owner.played(link, first, "95pct"),
        owner.played(link, second, "started", track_id="t-2"),
    ]
    # Reported again (the same event id from another gateway instance) and redelivered.
    await feed.send([created, *reports, *reports, reports[1]])
    sentinel = owner.created()
    await feed.send([sentinel, owner.view(sentinel.link_id)])

    # The link is listed once its share.created came (another partition than the sentinel's).
    stats = await owner.wait_for(
        lambda s: (
            s.get(sentinel.link_id, {}).get("views") == 1 and s.get(link, {}).get("plays", 0) >= 2
        )
    )

    assert (stats[link]["plays"], stats[link]["listens"], stats[link]["completions"]) == (2, 1, 1)
    assert stats[link]["plays_by_track"] == {"t-1": 1, "t-2": 1}
    assert stats[link]["listens_by_track"] == {"t-1": 1}
    assert sum(day["plays"] for day in stats[link]["daily"]) == 2
    assert_matches(stats[link], expected_stats(reports)[link])


async def test_stats_by_recipient_name_each_and_count_the_link_itself_apart(owner, feed):
    label = RecipientLink(
        recipient_id="rcp_" + "1" * 24, name="Label X", email="ar@label.example", url="http://x"
    )
    created = owner.created(recipients=[label])
    link = created.link_id
    events = [
        owner.view(link, "v-1", recipient_id=label.recipient_id, country="DE", device="mobile"),
        owner.view(link, "v-2", recipient_id=label.recipient_id, country="DE", device="desktop"),
        owner.view(link, "v-3", country="US", device="desktop"),
        owner.download(link, recipient_id=label.recipient_id, track_id="t-2"),
        owner.played(link, uuid4(), "started", recipient_id=label.recipient_id),
    ]
    await feed.send([created, *events])

    stats = await owner.wait_for(lambda s: s.get(link, {}).get("downloads") == 1)
    stats = await owner.wait_for(lambda s: s[link]["views"] == 3 and s[link]["plays"] == 1)

    anyone, recipient = stats[link]["by_recipient"]
    assert (anyone["recipient_id"], anyone["views"], anyone["unique_visitors"]) == (None, 1, 1)
    assert (recipient["name"], recipient["email"]) == ("Label X", "ar@label.example")
    assert (recipient["views"], recipient["unique_visitors"], recipient["plays"]) == (2, 2, 1)
    assert recipient["downloads_by_track"] == {"t-2": 1}
    assert stats[link]["by_country"] == {"DE": 2, "US": 1}
    assert stats[link]["by_device"] == {"desktop": 2, "mobile": 1}
