"""The owner's alerts and the leak guard (DESIGN §16) through real Kafka and Redis: each
alert is published once on share.alert however often its event comes, and a link that
asked for none raises none. Alerts start once share.created is counted (another topic
than the views': the tests wait for it, as a recipient's click follows their mail)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from contracts import topics
from contracts.events import LeakGuard, RecipientLink, ShareAlert
from messaging.testing import read_topic
from service_kit.testing import ServiceProcess

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def analytics(start_module_service) -> ServiceProcess:
    """The module's service, looking for daily digests due twice a second."""
    return start_module_service("analytics-service", ANALYTICS_DIGEST_INTERVAL_S="0.5")


def _alerts_of(link_id: str) -> Any:
    return lambda record: ShareAlert.model_validate_json(record.value).link_id == link_id


async def test_each_alert_is_published_once_however_often_its_event_comes(
    owner, feed, kafka, module_prefix
):
    label = RecipientLink(
        recipient_id="rcp_" + "a" * 24, name="Label X", email="ar@label.example", url="http://x"
    )
    guard = LeakGuard(per_recipient=2, action="disable")
    created = owner.created(
        recipients=[label],
        title="For A&R",
        notify_owner=["first_open", "download"],
        leak_guard=guard,
        owner_email="ana@example.com",
    )
    link, rcp = created.link_id, label.recipient_id
    views = [owner.view(link, f"v-{n}", recipient_id=rcp) for n in range(3)]  # forwarded
    download = owner.download(link, recipient_id=rcp, track_id="t-2")
    await feed.send([created])
    await owner.wait_for(lambda stats: link in stats)
    # Each event twice, as a redelivery or a second gateway instance would send it.
    await feed.send([*views, download, *views, download])

    records = await read_topic(
        kafka, module_prefix + topics.SHARE_ALERT, expect=3, idle_s=2.0, match=_alerts_of(link)
    )

    # Views and downloads are counted by two consumers at once: each may stage the other's
    # pending alert as well, under the same event id, which consumers act on once.
    published = [ShareAlert.model_validate_json(r.value) for r in records]
    alerts = {a.kind: a for a in published}
    assert set(alerts) == {"first_open", "download", "leak_suspected"}
    assert len({a.event_id for a in published}) == 3, "one event id per alert"
    assert all(r.key == owner.owner_id.encode() for r in records)
    opened, leaked = alerts["first_open"], alerts["leak_suspected"]
    assert (opened.recipient_id, opened.recipient_name, opened.title) == (rcp, "Label X", "For A&R")
    assert opened.owner_email == "ana@example.com"
    assert (leaked.recipient_id, leaked.visitors, leaked.action) == (rcp, 3, "disable")
    assert (alerts["download"].track_id, alerts["download"].file_type) == ("t-2", "audio")


async def test_a_link_that_asked_for_no_alerts_raises_none(owner, feed, kafka, module_prefix):
    quiet = owner.created()  # no notify_owner, no leak guard: as links made before alerts
    told = owner.created(notify_owner=["first_open"])
    await feed.send([quiet, told])
    await owner.wait_for(lambda stats: {quiet.link_id, told.link_id} <= set(stats))
    await feed.send([owner.view(quiet.link_id), owner.view(told.link_id)])

    [record] = await read_topic(
        kafka, module_prefix + topics.SHARE_ALERT, expect=1, match=_alerts_of(told.link_id)
    )
    assert ShareAlert.model_validate_json(record.value).kind == "first_open"
    assert not await read_topic(
        kafka, module_prefix + topics.SHARE_ALERT, expect=0, match=_alerts_of(quiet.link_id)
    )


async def test_yesterdays_activity_reaches_the_owner_as_a_digest(owner, feed, kafka, module_prefix):
    created = owner.created(title="Demo EP", notify_owner=["daily_digest"])
    await feed.send([created])
    await owner.wait_for(lambda stats: created.link_id in stats)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    await feed.send(
        [owner.view(created.link_id, f"v-{n}", occurred_at=yesterday) for n in range(2)]
    )

    def digest_of_owner(record: Any) -> bool:
        alert = ShareAlert.model_validate_json(record.value)
        return alert.owner_id == owner.owner_id and alert.kind == "daily_digest"

    records = await read_topic(
        kafka, module_prefix + topics.SHARE_ALERT, expect=1, match=digest_of_owner
    )
    digests = [ShareAlert.model_validate_json(r.value) for r in records]
    assert len({d.event_id for d in digests}) == 1, "one digest, however often staged"
    assert digests[0].day == yesterday.date().isoformat()
    [line] = digests[0].digest
    assert (line.link_id, line.title) == (created.link_id, "Demo EP") and line.views >= 1
