"""A link per recipient (DESIGN §16) over HTTP, on real Redis: each recipient's own token,
revoking one alone, the link's revoke revoking all, recipients only, adding later, the
events notify- and analytics-service read, the owner's alerts and the leak guard's
`disable`."""

from typing import Any

import pytest
from contracts import topics
from contracts.events import ShareAlert
from service_kit.testing import bearer, problem_of

pytestmark = pytest.mark.integration

LABEL = {"name": "Label X", "email": "ar@label.example"}
CURATOR = {"name": "Curator", "email": "curator@blog.example"}


async def _link_with_recipients(producer: Any, **body: Any) -> dict[str, Any]:
    await producer.put_track("t-1", "Night Drive")
    return await producer.create_link(tracks=["t-1"], recipients=[LABEL, CURATOR], **body)


async def test_each_recipient_gets_a_token_of_their_own_that_opens_the_link(producer, gateway):
    link = await _link_with_recipients(producer, title="Demo EP")

    label, curator = link["recipients"]
    assert (label["name"], label["email"], curator["email"]) == (
        "Label X",
        "ar@label.example",
        "curator@blog.example",
    )
    tokens = {link["token"], label["token"], curator["token"]}
    assert len(tokens) == 3 and all(len(t) == 32 for t in tokens)
    assert label["url"] == f"http://share.test/s/{label['token']}"
    assert label["recipient_id"].startswith("rcp_") and label["revoked_at"] is None
    opened = (await gateway(label["token"])).json()
    assert (opened["id"], opened["recipient_id"], opened["token"]) == (
        link["id"],
        label["recipient_id"],
        label["token"],
    )
    assert opened["url"] == label["url"] and opened["title"] == "Demo EP"
    own = (await gateway(link["token"])).json()
    assert (own["id"], own["recipient_id"]) == (link["id"], None)


async def test_revoking_one_recipient_leaves_the_others_and_the_link_open(producer, gateway):
    link = await _link_with_recipients(producer)
    label, curator = link["recipients"]

    answer = await producer.http.post(
        f"/v1/links/{link['id']}/recipients/{label['recipient_id']}/revoke",
        headers=producer.headers,
    )
    again = await producer.http.post(
        f"/v1/links/{link['id']}/recipients/{label['recipient_id']}/revoke",
        headers=producer.headers,
    )

    assert answer.status_code == 200, answer.text
    revoked = answer.json()["recipients"][0]
    assert revoked["revoked_at"] is not None and revoked["revoked_reason"] == "owner"
    assert again.json()["recipients"][0]["revoked_at"] == revoked["revoked_at"]
    assert answer.json()["status"] == "active"
    assert (await gateway(label["token"])).json()["revoked_at"] == revoked["revoked_at"]
    assert (await gateway(curator["token"])).json()["revoked_at"] is None
    assert (await gateway(link["token"])).json()["revoked_at"] is None


async def test_revoking_the_link_revokes_every_recipients_token(producer, gateway):
    link = await _link_with_recipients(producer)

    revoked = (await producer.revoke(link["id"])).json()

    assert all(r["revoked_at"] == revoked["revoked_at"] for r in revoked["recipients"])
    for recipient in link["recipients"]:
        assert (await gateway(recipient["token"])).json()["revoked_at"] == revoked["revoked_at"]


async def test_a_link_for_its_recipients_only_opens_with_none_but_theirs(producer, gateway):
    link = await _link_with_recipients(producer, recipients_only=True)

    assert link["recipients_only"] is True
    assert (await gateway(link["token"])).status_code == 404
    assert (await gateway(link["recipients"][0]["token"])).status_code == 200


async def test_recipients_are_added_later_each_with_a_token(producer, gateway, events):
    await producer.put_track("t-1", "Night Drive")
    link = await producer.create_link(tracks=["t-1"], recipients=[LABEL])

    answer = await producer.http.post(
        f"/v1/links/{link['id']}/recipients",
        json={"recipients": [CURATOR], "send_emails": True},
        headers=producer.headers,
    )

    assert answer.status_code == 201, answer.text
    label, curator = answer.json()["recipients"]
    assert (label["token"], curator["email"]) == (link["recipients"][0]["token"], CURATOR["email"])
    assert (await gateway(curator["token"])).json()["recipient_id"] == curator["recipient_id"]
    [updated] = await events(topics.SHARE_UPDATED, link["id"])
    assert updated["changed"] == ["recipients"] and updated["send_emails"] is True
    assert [r["url"] for r in updated["recipients_added"]] == [curator["url"]]
    assert updated["tracks"][0]["title"] == "Night Drive"


@pytest.mark.parametrize(
    "body, reason",
    [
        ({"recipients": [LABEL, LABEL | {"name": "Twice"}]}, "ar@label.example twice"),
        ({"recipients": [{"name": "", "email": "a@b.example"}]}, "name"),
        ({"recipients": [{"name": "No mail", "email": "not-an-address"}]}, "email"),
        ({"recipients_only": True}, "recipients_only needs at least one recipient"),
        ({"recipients": [{"name": f"R{n}", "email": f"r{n}@x.example"} for n in range(101)]}, ""),
    ],
)
async def test_bad_recipients_are_422_and_store_nothing(producer, body, reason):
    await producer.put_track("t-1", "Night Drive")

    answer = await producer.post_link({"tracks": ["t-1"], **body})

    assert answer.status_code == 422, answer.text
    assert reason in answer.text
    assert await producer.link_ids() == []


async def test_an_address_already_on_the_link_or_a_revoked_link_refuses_more(producer):
    link = await _link_with_recipients(producer)
    add = f"/v1/links/{link['id']}/recipients"

    twice = await producer.http.post(
        add, json={"recipients": [LABEL | {"email": "AR@label.example"}]}, headers=producer.headers
    )
    await producer.revoke(link["id"])
    revoked = await producer.http.post(
        add, json={"recipients": [{"name": "N", "email": "n@x.example"}]}, headers=producer.headers
    )

    assert problem_of(twice) == (422, "invalid_recipients")
    assert problem_of(revoked) == (409, "link_revoked")
    assert len((await producer.get_link(link["id"])).json()["recipients"]) == 2


async def test_another_owners_link_and_recipient_are_404(producer, make_producer):
    link = await _link_with_recipients(producer)
    stranger = bearer(make_producer().owner_id)
    recipient = link["recipients"][0]["recipient_id"]

    revoke = await producer.http.post(
        f"/v1/links/{link['id']}/recipients/{recipient}/revoke", headers=stranger
    )
    add = await producer.http.post(
        f"/v1/links/{link['id']}/recipients", json={"recipients": [CURATOR]}, headers=stranger
    )
    unknown = await producer.http.post(
        f"/v1/links/{link['id']}/recipients/rcp_{'0' * 24}/revoke", headers=producer.headers
    )

    assert problem_of(revoke) == (404, "recipient_not_found")
    assert problem_of(add) == (404, "link_not_found")
    assert problem_of(unknown) == (404, "recipient_not_found")
    assert (await producer.get_link(link["id"])).json()["recipients"][0]["revoked_at"] is None


async def test_the_events_carry_each_recipients_url_and_the_revocation(producer, events):
    link = await _link_with_recipients(producer, send_emails=True, message="Feedback welcome")
    label = link["recipients"][0]

    await producer.http.post(
        f"/v1/links/{link['id']}/recipients/{label['recipient_id']}/revoke",
        headers=producer.headers,
    )

    [created] = await events(topics.SHARE_CREATED, link["id"])
    assert created["schema_version"] == 4 and created["send_emails"] is True
    assert created["message"] == "Feedback welcome"
    assert [(r["email"], r["url"]) for r in created["recipients"]] == [
        (r["email"], r["url"]) for r in link["recipients"]
    ]
    [revoked] = await events(topics.SHARE_RECIPIENT_REVOKED, link["id"])
    assert (revoked["recipient_id"], revoked["reason"]) == (label["recipient_id"], "owner")


async def test_alerts_and_the_leak_guard_default_as_designed_and_reach_analytics(producer, events):
    await producer.put_track("t-1", "Night Drive")
    headers = bearer(producer.owner_id, name="Ana", email="ana@example.com")
    plain = await producer.create_link(tracks=["t-1"])
    sent = await producer.http.post(
        "/v1/links",
        json={"tracks": ["t-1"], "recipients": [LABEL]},
        headers=headers,
    )
    chosen = await producer.create_link(
        tracks=["t-1"],
        notify_owner=["download", "daily_digest", "download"],
        leak_guard={"unique_visitors": 20, "action": "disable"},
    )
    unguarded = await producer.create_link(tracks=["t-1"], leak_guard=None, notify_owner=None)
    refused = await producer.http.post(
        "/v1/links",
        json={"tracks": ["t-1"], "notify_owner": ["everything"], "leak_guard": {"window_hours": 0}},
        headers=producer.headers,
    )

    assert (plain["notify_owner"], plain["leak_guard"]["unique_visitors"]) == ([], 100)
    assert sent.json()["notify_owner"] == ["first_open"]
    assert chosen["notify_owner"] == ["download", "daily_digest"]
    assert chosen["leak_guard"] == {
        "unique_visitors": 20,
        "window_hours": 48,
        "per_recipient": 5,
        "action": "disable",
    }
    assert unguarded["leak_guard"] is None
    assert refused.status_code == 422
    [created] = await events(topics.SHARE_CREATED, sent.json()["id"])
    assert created["owner_email"] == "ana@example.com" and created["notify_owner"] == ["first_open"]
    assert created["leak_guard"]["per_recipient"] == 5


async def test_the_leak_guard_disables_the_token_that_leaked_and_only_that(
    producer, announce, gateway, events
):
    link = await _link_with_recipients(producer, leak_guard={"action": "disable"})
    label, curator = link["recipients"]

    def leaked(recipient_id: str | None, **fields: Any) -> ShareAlert:
        values = {
            "owner_id": producer.owner_id,
            "kind": "leak_suspected",
            "link_id": link["id"],
            "recipient_id": recipient_id,
            "visitors": 6,
            "action": "disable",
        }
        return ShareAlert(**(values | fields))

    await announce(leaked(label["recipient_id"]))
    await announce(leaked(label["recipient_id"]))  # redelivered: revoked once
    await announce(leaked(curator["recipient_id"], action="alert"))  # only told
    await announce(leaked(None, owner_id="u-somebody-else"))  # not their link

    assert (await gateway(label["token"])).json()["revoked_at"] is not None
    assert (await gateway(curator["token"])).json()["revoked_at"] is None
    shown = (await producer.get_link(link["id"])).json()
    assert (shown["status"], shown["revoked_reason"]) == ("active", None)
    assert shown["recipients"][0]["revoked_reason"] == "leak_guard"
    [revoked] = await events(topics.SHARE_RECIPIENT_REVOKED, link["id"])
    assert revoked["reason"] == "leak_guard"

    await announce(leaked(None))  # the link's own token leaked: the link goes
    shown = (await producer.get_link(link["id"])).json()
    assert (shown["status"], shown["revoked_reason"]) == ("revoked", "leak_guard")
    [gone] = await events(topics.SHARE_REVOKED, link["id"])
    assert gone["reason"] == "leak_guard"
