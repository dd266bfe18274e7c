"""collab.granted consumed for real: mails in the SMTP sink, notifications over HTTP."""

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest
from messaging.testing import wait_until
from service_kit.testing import bearer, free_port, infra_env, start_service
from smtp_sink.testing import running_sink

from .conftest import granted, mail_env

pytestmark = pytest.mark.integration


async def _mails(sink, address: str, count: int = 1, timeout_s: float = 30) -> list[dict]:
    async def arrived() -> bool:
        return len(sink.messages_to(address)) >= count

    await wait_until(arrived, timeout_s=timeout_s)
    return sink.messages_to(address)


async def test_dashboard_user_gets_a_notification_and_a_mail(notify_service, sink, http, publish):
    user = f"u-{uuid4().hex[:8]}"
    event = granted(user)
    await publish(event)

    [mail] = await _mails(sink, event.collaborator.email)
    assert mail["subject"] == "Mara Vale shared “Night Drive” with you"
    assert "Mixes v3" in mail["text"] and "Mixes v3" in mail["html"]
    assert "http://dashboard.test/console" in mail["text"]
    answer = await http.get("/v1/notifications", headers=bearer(user))
    assert answer.status_code == 200
    [item] = answer.json()["items"]
    assert answer.json()["next_cursor"] is None
    assert (item["track_id"], item["owner_name"], item["read"]) == (
        event.track_id,
        "Mara Vale",
        False,
    )
    assert item["title"] == mail["subject"]


async def test_collaborator_without_an_account_gets_instructions_and_no_notification(
    notify_service, sink, http, publish
):
    event = granted(None, access_url="https://dropbox.test/fo/xyz")
    await publish(event)

    [mail] = await _mails(sink, event.collaborator.email)
    assert "How to get to it" in mail["text"]
    assert "https://dropbox.test/fo/xyz" in mail["html"]
    assert "dashboard.test" not in mail["text"]


async def test_redelivered_grant_sends_no_second_mail(notify_service, sink, http, publish):
    user = f"u-{uuid4().hex[:8]}"
    event = granted(user)
    for _ in range(3):
        await publish(event)
    later = granted(None)  # published after the copies: once it is mailed, they were handled
    await publish(later)

    await _mails(sink, later.collaborator.email)
    await asyncio.sleep(1)
    assert len(sink.messages_to(event.collaborator.email)) == 1
    items = (await http.get("/v1/notifications", headers=bearer(user))).json()["items"]
    assert len(items) == 1


async def test_unread_filter_and_mark_read_are_per_user(notify_service, sink, http, publish):
    user, stranger = f"u-{uuid4().hex[:8]}", f"u-{uuid4().hex[:8]}"
    start = datetime.now(UTC)
    events = [
        granted(user, track_title=f"Track {i}", occurred_at=start + timedelta(seconds=i))
        for i in range(3)
    ]
    for event in events:
        await publish(event)
        await _mails(sink, event.collaborator.email)

    page = (await http.get("/v1/notifications", params={"limit": 2}, headers=bearer(user))).json()
    rest = await http.get(
        "/v1/notifications", params={"cursor": page["next_cursor"]}, headers=bearer(user)
    )
    titles = [n["track_title"] for n in page["items"] + rest.json()["items"]]
    assert titles == ["Track 2", "Track 1", "Track 0"]  # newest first
    assert rest.json()["next_cursor"] is None

    newest = page["items"][0]["id"]
    assert (
        await http.post(f"/v1/notifications/{newest}/read", headers=bearer(stranger))
    ).status_code == 404
    read = await http.post(f"/v1/notifications/{newest}/read", headers=bearer(user))
    assert read.status_code == 200 and read.json()["read"] is True
    again = await http.post(f"/v1/notifications/{newest}/read", headers=bearer(user))
    assert again.json()["read_at"] == read.json()["read_at"]
    unread = await http.get("/v1/notifications", params={"unread": "true"}, headers=bearer(user))
    assert [n["track_title"] for n in unread.json()["items"]] == ["Track 1", "Track 0"]
    assert (await http.get("/v1/notifications", headers=bearer(stranger))).json()["items"] == []


async def test_notifications_need_a_token_and_a_valid_cursor(notify_service, http):
    assert (await http.get("/v1/notifications")).status_code == 401
    forged = base64.urlsafe_b64encode(b'[true, "x"]').decode()
    for cursor in ("nope", forged):
        bad = await http.get("/v1/notifications", params={"cursor": cursor}, headers=bearer("u-x"))
        assert bad.status_code == 422 and "cursor" in bad.text
    for wrong in ("x", "ntf_" + "0" * 31, "ntf_" + "Z" * 32):
        read = await http.post(f"/v1/notifications/{wrong}/read", headers=bearer("u-x"))
        assert read.status_code == 422, wrong


async def test_mail_waits_out_an_smtp_outage(kafka_bootstrap, redis_url, publish):
    prefix = f"t{uuid4().hex[:10]}."
    smtp_port = free_port()  # nothing listens there yet
    service = start_service(
        "notify-service", infra_env(kafka_bootstrap, redis_url, prefix) | mail_env(smtp_port)
    )
    try:
        service.wait_ready()
        event = granted(None)
        await publish(event, prefix)
        await asyncio.sleep(3)  # the relay is down: retries, then redelivery
        with running_sink(smtp_port) as sink:
            [mail] = await _mails(sink, event.collaborator.email, timeout_s=45)
            assert mail["subject"] == "Mara Vale shared “Night Drive” with you"
            await asyncio.sleep(1)
            assert len(sink.messages_to(event.collaborator.email)) == 1
        assert httpx.get(f"{service.base_url}/health/ready").status_code == 200
    finally:
        service.stop()


async def test_a_notification_shows_only_to_a_reader_with_the_address_it_was_sent_to(
    notify_service, sink, http, publish
):
    # A producer's catalog names the collaborator: user_id and e-mail. Naming somebody
    # else's user_id with another address does not reach that user's bell.
    user = f"u-{uuid4().hex[:8]}"
    event = granted(user)
    await publish(event)
    await _mails(sink, event.collaborator.email)
    address = event.collaborator.email

    theirs = (await http.get("/v1/notifications", headers=bearer(user, email=address))).json()
    [notification] = theirs["items"]
    other_address = bearer(user, email="someone.else@example.com")
    assert (await http.get("/v1/notifications", headers=other_address)).json()["items"] == []
    refused = await http.post(f"/v1/notifications/{notification['id']}/read", headers=other_address)
    assert refused.status_code == 404
    same_address = bearer(user, email=address.upper())  # addresses compare case-blind
    assert len((await http.get("/v1/notifications", headers=same_address)).json()["items"]) == 1
