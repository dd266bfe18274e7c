"""A recipient's token, plays and listening on the share page (DESIGN §16), in-process over
real Redis (conftest.py): who, where and on what each event tells; a recipient's revoke
within the cache's age or at once on share.recipient.revoked; listening reports checked,
rate-limited and turned into one event per milestone."""

from uuid import uuid4

import pytest
from contracts import topics
from service_kit.testing import BROWSER, bearer

pytestmark = pytest.mark.integration

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
PUBLIC_ADDRESS = "8.8.8.8"  # in the bundled GeoIP data as US


@pytest.fixture
async def link(running) -> dict:
    """A link to one track, sent to two recipients."""
    await running.put_track("t-1", "Night Drive")
    recipients = [
        {"name": "Label X", "email": "ar@label.example"},
        {"name": "Curator", "email": "c@blog.example"},
    ]
    return await running.share(tracks=["t-1"], downloads=["audio"], recipients=recipients)


def _report(event: str = "play", position_s: float = 0.0, **fields) -> dict:
    return {
        "listen_id": str(uuid4()),
        "file_id": "t-1-bounce",
        "position_s": position_s,
        "duration_s": 200.0,
        "event": event,
    } | fields


async def _listen(running, token: str, report: dict, agent: str = BROWSER):
    return await running.gateway.post(
        f"/s/{token}/listening", json=report, headers={"User-Agent": agent}
    )


async def test_a_recipients_view_and_download_carry_them_their_country_and_device(running, link):
    label = link["recipients"][0]
    headers = {"User-Agent": IPHONE, "X-Forwarded-For": PUBLIC_ADDRESS}

    page = await running.gateway.get(f"/s/{label['token']}", headers=headers)
    download = await running.gateway.get(
        f"/s/{label['token']}/files/t-1-bounce/download", headers=headers
    )

    assert page.status_code == 200 and "Night Drive" in page.text
    assert link["token"] not in page.text, "the recipient's page shows only their token"
    assert download.status_code == 302
    [viewed] = await running.staged("gateway", topics.SHARE_VIEWED, link["id"])
    [recorded] = await running.staged("gateway", topics.DOWNLOAD_RECORDED, link["id"])
    for event in (viewed, recorded):
        assert (event["recipient_id"], event["country"], event["device"]) == (
            label["recipient_id"],
            "US",
            "mobile",
        )
        assert PUBLIC_ADDRESS not in str(event)
    assert viewed["schema_version"] == 2 and recorded["schema_version"] == 3


async def test_the_links_own_token_is_counted_as_no_recipient(running, link):
    await running.page(link)

    [viewed] = await running.staged("gateway", topics.SHARE_VIEWED, link["id"])
    assert viewed["recipient_id"] is None and viewed["device"] == "desktop"


async def test_revoking_one_recipient_is_410_for_them_alone(running, link, cache_clock):
    label, curator = link["recipients"]
    assert (await running.gateway.get(f"/s/{label['token']}")).status_code == 200  # cached

    revoked = await running.links.post(
        f"/v1/links/{link['id']}/recipients/{label['recipient_id']}/revoke",
        headers=bearer(running.owner_id),
    )
    assert revoked.status_code == 200, revoked.text
    topic = topics.SHARE_RECIPIENT_REVOKED
    assert await running.relay("link-service", topic, link["id"], "gateway") == 1

    assert (await running.page({"token": label["token"]})).status_code == 410  # at once
    assert (await running.page({"token": curator["token"]})).status_code == 200
    assert (await running.page(link)).status_code == 200


async def test_each_milestone_of_a_listen_is_published_with_one_id(running, link):
    listen = _report()
    later = listen | {"event": "progress", "position_s": 31.0}
    end = listen | {"event": "ended", "position_s": 200.0}

    answers = [await _listen(running, link["token"], r) for r in (listen, later, later, end)]

    assert [a.status_code for a in answers] == [204] * 4
    played = await running.staged("gateway", topics.SHARE_PLAYED, link["id"])
    ids = {(p["milestone"], p["event_id"]) for p in played}
    assert {milestone for milestone, _ in ids} == {"started", "30s", "95pct"}
    assert len(ids) == 3, "every report of one milestone carries the same event id"
    assert {p["listen_id"] for p in played} == {listen["listen_id"]}
    assert {(p["track_id"], p["file_id"]) for p in played} == {("t-1", "t-1-bounce")}


async def test_a_bot_or_a_script_reporting_listening_counts_nothing(running, link):
    for agent in ("curl/8.5.0", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"):
        assert (await _listen(running, link["token"], _report(), agent)).status_code == 204
    assert await running.staged("gateway", topics.SHARE_PLAYED, link["id"]) == []


@pytest.mark.parametrize(
    "report, status",
    [
        (_report(file_id="t-1-stem"), 404),  # not the track's player file
        (_report(file_id="nope"), 404),
        (_report(event="skip"), 422),
        (_report(position_s=-1), 422),
        (_report(listen_id="not-a-uuid"), 422),
        (_report(extra="field"), 422),
        (_report(note="x" * 2000), 413),
    ],
)
async def test_a_bad_report_is_refused_and_publishes_nothing(running, link, report, status):
    assert (await _listen(running, link["token"], report)).status_code == status
    assert await running.staged("gateway", topics.SHARE_PLAYED, link["id"]) == []


async def test_a_revoked_links_listening_is_410(running, link, cache_clock):
    await running.revoke(link)
    assert await running.relay("link-service", topics.SHARE_REVOKED, link["id"], "gateway") == 1

    assert (await _listen(running, link["token"], _report())).status_code == 410


async def test_one_visitor_past_the_listening_burst_gets_429(running, link):
    burst = running.apps["gateway"].state.gateway.settings.listening_burst
    answers = [
        (await _listen(running, link["token"], _report())).status_code for _ in range(burst + 2)
    ]

    assert answers[:burst] == [204] * burst and answers[burst:] == [429, 429]
