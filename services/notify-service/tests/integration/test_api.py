"""notify-service's routes in-process (create_app over ASGI) on the real test Redis."""

import base64
from datetime import timedelta
from uuid import uuid4

import pytest
from service_kit.testing import bearer, problem_of

from .conftest import START, granted

pytestmark = pytest.mark.integration


async def test_marking_another_owners_notification_is_404_problem_details(api):
    http, context = api
    user, stranger = f"u-{uuid4().hex[:8]}", f"u-{uuid4().hex[:8]}"
    event = granted(user)
    await context.notifier.notify_in_app(event)
    notification_id = "ntf_" + event.event_id.hex

    for headers in (bearer(stranger), bearer(user, email="someone.else@example.com")):
        refused = await http.post(f"/v1/notifications/{notification_id}/read", headers=headers)
        assert problem_of(refused) == (404, "notification_not_found")
        assert refused.headers["content-type"] == "application/problem+json"
    [still_unread] = (await http.get("/v1/notifications", headers=bearer(user))).json()["items"]
    assert still_unread["read"] is False
    assert (await http.get("/v1/notifications", headers=bearer(stranger))).json()["items"] == []

    read = await http.post(f"/v1/notifications/{notification_id}/read", headers=bearer(user))
    again = await http.post(f"/v1/notifications/{notification_id}/read", headers=bearer(user))
    assert read.status_code == again.status_code == 200
    assert read.json()["read"] is True and again.json()["read_at"] == read.json()["read_at"]
    assert "recipient" not in read.json()


async def test_unread_pages_over_http_are_full_and_walk_to_the_end(api):
    http, context = api
    user, address = f"u-{uuid4().hex[:8]}", "ana@example.com"
    events = []
    for i in range(9):
        email = address if i % 3 else "somebody@example.com"  # 6 of 9 sent to the reader
        person = granted(user).collaborator.model_copy(update={"email": email})
        events.append(granted(user, collaborator=person, occurred_at=START + timedelta(hours=i)))
        await context.notifier.notify_in_app(events[-1])
    newest_of_mine = "ntf_" + events[-1].event_id.hex
    headers = bearer(user, email=address)
    assert (await http.post(f"/v1/notifications/{newest_of_mine}/read", headers=headers)).is_success

    seen, cursor, sizes = [], None, []
    while True:
        params = {"unread": "true", "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await http.get("/v1/notifications", params=params, headers=headers)).json()
        sizes.append(len(page["items"]))
        seen += [n["track_id"] for n in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    mine = [e for e in reversed(events) if e.collaborator.email == address][1:]
    assert sizes == [2, 2, 1]  # 5 unread of mine: full pages, then the rest
    assert seen == [e.track_id for e in mine]


async def test_notifications_need_a_token_and_a_valid_cursor(api):
    http, _ = api
    assert problem_of(await http.get("/v1/notifications")) == (401, "not_authenticated")
    forged = base64.urlsafe_b64encode(b'[true, "x"]').decode()
    for cursor in ("nope", forged):
        bad = await http.get("/v1/notifications", params={"cursor": cursor}, headers=bearer("u-x"))
        assert bad.status_code == 422 and "cursor" in bad.text
    for wrong in ("x", "ntf_" + "0" * 31, "ntf_" + "Z" * 32):
        read = await http.post(f"/v1/notifications/{wrong}/read", headers=bearer("u-x"))
        assert read.status_code == 422, wrong
