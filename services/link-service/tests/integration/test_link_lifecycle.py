"""Listing, revoking and reading links (DESIGN §5), the gateway's view and the events (§11)."""

import asyncio
import base64
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from contracts import topics
from contracts.events import ShareCreated, ShareRevoked
from contracts.links import InternalLink
from service_kit.testing import problem_of

pytestmark = pytest.mark.integration


def _instant(value: str) -> datetime:
    instant = datetime.fromisoformat(value)
    assert instant.utcoffset() == timedelta(0), f"{value} is not UTC with an offset"
    return instant


async def _page(owner, **params: Any) -> dict[str, Any]:
    answer = await owner.list_links(**params)
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


async def _links(owner, count: int, **body: Any) -> list[dict[str, Any]]:
    """`count` links of `owner`'s track t-1, created one after the other."""
    await owner.put_track("t-1", "Night Drive")
    created = []
    for _ in range(count):
        created.append(await owner.create_link(tracks=["t-1"], **body))
        # Distinct creation instants, so "newest first" is one order: the routes run on
        # create_app(settings), which takes no clock to step (the core's tests use one).
        await asyncio.sleep(0.005)
    return created


async def test_list_is_newest_first_and_filters_by_status(producer):
    first, middle, last = await _links(producer, 3, expires_in_days=7)
    assert (await producer.revoke(middle["id"])).status_code == 200

    everything = await _page(producer)
    revoked = await _page(producer, status="revoked")
    active = await _page(producer, status="active")
    expired = await _page(producer, status="expired")

    assert [link["id"] for link in everything["items"]] == [last["id"], middle["id"], first["id"]]
    assert everything["next_cursor"] is None
    assert [link["id"] for link in revoked["items"]] == [middle["id"]]
    assert revoked["items"][0]["status"] == "revoked"
    assert [link["id"] for link in active["items"]] == [last["id"], first["id"]]
    assert expired == {"items": [], "next_cursor": None}
    assert everything["items"][0] == (await producer.get_link(last["id"])).json()


async def test_unknown_status_filter_and_limits_out_of_range_are_422(producer):
    for params in ({"status": "deleted"}, {"limit": 201}, {"limit": 0}, {"limit": "ten"}):
        answer = await producer.list_links(**params)
        assert answer.status_code == 422, (params, answer.text)
    assert (await producer.list_links(limit=200)).status_code == 200


@pytest.mark.parametrize(
    "cursor", ["not-a-cursor", base64.urlsafe_b64encode(b'[true, "x"]').decode()]
)
async def test_garbage_or_forged_cursor_is_422(producer, cursor):
    answer = await producer.list_links(cursor=cursor)
    assert problem_of(answer) == (422, "validation_failed")
    [issue] = answer.json()["errors"]
    assert issue["loc"] == ["query", "cursor"] and "handed out" in issue["msg"]


async def test_pagination_visits_every_link_once(producer):
    await producer.put_track("t-1", "Night Drive")
    # Created concurrently, so that several share a creation instant.
    created = await asyncio.gather(*(producer.create_link(tracks=["t-1"]) for _ in range(55)))
    expected = {link["id"] for link in created}

    default = await _page(producer)
    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 7}
    pages = 0
    while True:
        page = await _page(producer, **params)
        pages += 1
        assert len(page["items"]) <= 7
        seen += page["items"]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]

    assert len(default["items"]) == 50 and default["next_cursor"] is not None
    ids = [link["id"] for link in seen]
    assert len(ids) == len(set(ids)) == 55, "every link once"
    assert set(ids) == expected
    assert pages == 8
    instants = [_instant(link["created_at"]) for link in seen]
    # The order is by creation instant; allow a millisecond for links created together.
    assert all(
        newer >= older - timedelta(milliseconds=1)
        for newer, older in zip(instants, instants[1:], strict=False)
    ), "newest first"


async def test_pagination_within_a_status(producer):
    links = await _links(producer, 5)
    for link in links[::2]:
        await producer.revoke(link["id"])

    first = await _page(producer, status="revoked", limit=2)
    second = await _page(producer, status="revoked", limit=2, cursor=first["next_cursor"])

    assert [link["id"] for link in first["items"]] == [links[4]["id"], links[2]["id"]]
    assert [link["id"] for link in second["items"]] == [links[0]["id"]]
    assert second["next_cursor"] is None


async def test_revoke_is_immediate_and_idempotent(producer):
    [link] = await _links(producer, 1)

    revoked = await producer.revoke(link["id"])
    again = await producer.revoke(link["id"])

    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["status"], revoked.json()["revoked_reason"]) == ("revoked", "owner")
    revoked_at = _instant(revoked.json()["revoked_at"])
    assert abs(datetime.now().astimezone() - revoked_at) < timedelta(minutes=1)
    unrevoked = {"status": "active", "revoked_at": None, "revoked_reason": None}
    assert revoked.json() | unrevoked == link
    assert again.status_code == 200
    assert again.json() == revoked.json()
    assert (await producer.get_link(link["id"])).json() == revoked.json()


async def test_other_owner_gets_404_and_cannot_revoke(producer, make_producer):
    [link] = await _links(producer, 1)
    other = make_producer()
    await other.connect_dropbox()

    assert (await other.get_link(link["id"])).status_code == 404
    assert (await other.revoke(link["id"])).status_code == 404
    assert await other.link_ids() == []
    assert (await producer.get_link(link["id"])).json()["status"] == "active"
    assert (await producer.get_link("lnk_" + "f" * 24)).status_code == 404
    assert (await producer.revoke("lnk_" + "f" * 24)).status_code == 404


async def test_revoke_is_immediate_for_the_gateway(producer, gateway):
    [link] = await _links(producer, 1)
    assert InternalLink.model_validate((await gateway(link["token"])).json()).revoked_at is None

    revoked = await producer.revoke(link["id"])
    seen = await gateway(link["token"])

    assert seen.status_code == 200
    gone = InternalLink.model_validate(seen.json())
    assert gone.status(datetime.now(UTC)) == "revoked"
    assert gone.revoked_at == _instant(revoked.json()["revoked_at"])


async def test_gateway_sees_the_link_with_owner_and_dropbox_paths(producer, gateway):
    await producer.put_track("t-1", "Night Drive")
    await producer.put_track("t-2", "Afterglow")
    link = await producer.create_link(
        tracks=["t-2", "t-1"], include=["bounce", "stem"], downloads=["audio"], expires_in_days=3
    )

    answer = await gateway(link["token"])

    assert answer.status_code == 200, answer.text
    seen = answer.json()
    assert seen["owner_id"] == producer.owner_id
    assert [[f["dropbox_path"] for f in track["files"]] for track in seen["tracks"]] == [
        ["/Producer Dashboard/Afterglow/Afterglow (Master).wav"]
        + ["/Producer Dashboard/Afterglow/Afterglow Stems.zip"],
        ["/Producer Dashboard/Night Drive/Night Drive (Master).wav"]
        + ["/Producer Dashboard/Night Drive/Night Drive Stems.zip"],
    ]
    assert seen["dropbox_connected"] is True
    assert [t["group_id"] for t in seen["tracks"]] == [None, None]
    internals = {"owner_id", "dropbox_connected", "recipient_id"}
    assert seen["recipient_id"] is None  # the link's own token
    without_internals = {k: v for k, v in seen.items() if k not in internals}
    without_internals["status"] = "active"  # the gateway computes it (contracts.links)
    owner_alone = {"recipients", "recipients_only", "notify_owner", "leak_guard", "revoked_reason"}
    without_internals |= {k: v for k, v in link.items() if k in owner_alone}
    without_internals["tracks"] = [
        {
            **{k: v for k, v in t.items() if k != "group_id"},
            "files": [{k: v for k, v in f.items() if k != "dropbox_path"} for f in t["files"]],
        }
        for t in seen["tracks"]
    ]
    assert without_internals == link


async def test_unknown_or_malformed_token_is_404_for_the_gateway(producer, gateway):
    [link] = await _links(producer, 1)
    for token in (
        secrets.token_urlsafe(24),
        link["token"][:-1],
        link["token"] + "A",
        link["id"],
        "x",
        "A" * 500,
        "%00",
    ):
        answer = await gateway(token)
        assert answer.status_code == 404, (token, answer.text)


async def test_gateway_endpoint_needs_the_internal_token(producer, gateway):
    [link] = await _links(producer, 1)

    missing = await gateway(link["token"], headers={})
    wrong = await gateway(link["token"], headers={"X-Internal-Token": "guess"})
    producer_jwt = await gateway(link["token"], headers=producer.headers)

    assert (missing.status_code, wrong.status_code, producer_jwt.status_code) == (401, 401, 401)


async def test_events_match_the_contract(producer, events):
    await producer.put_track("t-1", "Night Drive", bucket="EP 2026")
    await producer.put_track("t-2", "Afterglow", bucket="EP 2026")
    link = await producer.create_link(
        tracks=["t-1"], buckets=["EP 2026"], include=["bounce"], downloads=[], expires_in_days=30
    )
    revoked = (await producer.revoke(link["id"])).json()
    await producer.revoke(link["id"])

    [created_payload] = await events(topics.SHARE_CREATED, link["id"])
    [revoked_payload] = await events(topics.SHARE_REVOKED, link["id"], idle_s=2.0)

    created = ShareCreated.model_validate(created_payload)
    assert (created.link_id, created.owner_id, created.kind) == (
        link["id"],
        producer.owner_id,
        "playlist",
    )
    assert created.track_ids == ["t-1", "t-2"]
    assert created.schema_version == 4
    assert [(t.track_id, t.group_id, t.title) for t in created.tracks] == [
        ("t-1", None, "Night Drive"),
        ("t-2", None, "Afterglow"),
    ]
    assert (created.include, created.downloads) == (["bounce"], [])
    assert created.expires_at == _instant(link["expires_at"])
    assert created.url == link["url"]
    gone = ShareRevoked.model_validate(revoked_payload)
    assert (gone.link_id, gone.owner_id) == (link["id"], producer.owner_id)
    assert gone.revoked_at == _instant(revoked["revoked_at"])


async def test_refused_requests_publish_nothing(producer, events):
    await producer.put_track("t-1", "Night Drive")
    link = await producer.create_link(tracks=["t-1"])
    assert (await producer.post_link({"tracks": ["t-1"], "expires_in_days": 0})).status_code == 422
    assert (await producer.post_link({"tracks": ["t-nope"]})).status_code == 422
    assert (await producer.revoke("lnk_" + "f" * 24)).status_code == 404

    created = await events(topics.SHARE_CREATED, owner_id=producer.owner_id, idle_s=2.0)
    revoked = await events(topics.SHARE_REVOKED, owner_id=producer.owner_id, expect=0)

    assert [payload["link_id"] for payload in created] == [link["id"]]
    assert revoked == []
