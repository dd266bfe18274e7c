"""notify-service as a process: collab.granted from real Kafka, mails in a real SMTP sink,
notifications over HTTP. The rules themselves are tested in-process (test_notifier.py,
test_api.py); these keep the wiring and the SMTP relay's outage honest."""

import re
from uuid import uuid4

import httpx
import pytest
from messaging.testing import wait_until
from service_kit.testing import ServiceProcess, bearer, free_port, infra_env, start_service
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
    headers = bearer(user, email=event.collaborator.email)
    answer = await http.get("/v1/notifications", params={"unread": "true"}, headers=headers)
    assert answer.status_code == 200
    [item] = answer.json()["items"]
    assert answer.json()["next_cursor"] is None
    assert (item["track_id"], item["owner_name"], item["read"]) == (
        event.track_id,
        "Mara Vale",
        False,
    )
    assert item["title"] == mail["subject"]
    read = await http.post(f"/v1/notifications/{item['id']}/read", headers=headers)
    assert read.status_code == 200 and read.json()["read"] is True


def _deferred_mails(service: ServiceProcess) -> float:
    """How many mails the process has put off for redelivery (its /metrics)."""
    metrics = httpx.get(f"{service.base_url}/metrics").text
    found = re.search(r'^mails_total\{outcome="deferred"\} (\S+)$', metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_mail_waits_out_an_smtp_outage(kafka_bootstrap, redis_url, publish, unique_prefix):
    prefix = unique_prefix
    smtp_port = free_port()  # nothing listens there yet
    service = start_service(
        "notify-service", infra_env(kafka_bootstrap, redis_url, prefix) | mail_env(smtp_port)
    )
    try:
        service.wait_ready()
        event = granted(None)
        await publish(event, prefix)

        async def put_off() -> bool:  # the relay is down: tried, then left for redelivery
            return _deferred_mails(service) >= 1

        await wait_until(put_off, timeout_s=30)
        with running_sink(smtp_port) as sink:
            [mail] = await _mails(sink, event.collaborator.email, timeout_s=45)
            assert mail["subject"] == "Mara Vale shared “Night Drive” with you"
            # Published after it on the same key (partition): once this one is mailed, every
            # copy of the first has been handled.
            after = granted(None, track_id=event.track_id)
            await publish(after, prefix)
            await _mails(sink, after.collaborator.email, timeout_s=45)
            assert len(sink.messages_to(event.collaborator.email)) == 1
        assert httpx.get(f"{service.base_url}/health/ready").status_code == 200
    finally:
        service.stop()
