"""The alerts a link's owner asked for (DESIGN §16), notify-service as a process on real
Kafka, Redis and SMTP: each share.alert is one notification under the owner's bell and one
mail to them, however often it is delivered; names are escaped; an owner without an address
is only told in the app."""

from uuid import uuid4

import httpx
import pytest
from contracts.events import ShareAlert
from messaging.testing import wait_until
from service_kit.testing import bearer

pytestmark = pytest.mark.integration


def _alert(owner_id: str, email: str | None, **fields) -> ShareAlert:
    values = {
        "owner_id": owner_id,
        "kind": "first_open",
        "link_id": f"lnk_{uuid4().hex[:24]}",
        "title": "For A&R",
        "owner_email": email,
        "recipient_id": f"rcp_{uuid4().hex[:24]}",
        "recipient_name": "Label <X>",
    }
    return ShareAlert(**(values | fields))


async def _bell(http: httpx.AsyncClient, owner_id: str, count: int) -> list[dict]:
    async def items() -> list[dict]:
        return (await http.get("/v1/notifications", headers=bearer(owner_id))).json()["items"]

    return await wait_until(items, until=lambda found: len(found) >= count, timeout_s=30)


async def test_an_alert_is_one_notification_and_one_mail_however_often_it_comes(
    notify_service, http, sink, publish
):
    owner, address = f"u-{uuid4().hex[:8]}", f"ana-{uuid4().hex[:6]}@example.com"
    opened = _alert(owner, address)
    for _ in range(3):
        await publish(opened)
    leaked = _alert(
        owner, address, kind="leak_suspected", visitors=6, action="disable", link_id=opened.link_id
    )
    await publish(leaked)

    bell = await _bell(http, owner, 2)
    mails = await wait_until(
        lambda: sink.messages_to(address), until=lambda m: len(m) >= 2, timeout_s=30
    )

    assert len(bell) == 2 and len(mails) == 2
    by_subject = {mail["subject"]: mail for mail in mails}
    first = by_subject["Label <X> opened “For A&R”"]
    assert f"http://dashboard.test/console/links/{opened.link_id}" in first["text"]
    assert "Label &lt;X&gt;" in first["html"], "escaped"
    leak = by_subject["“For A&R” may have been passed on"]
    assert "6 different people opened their link (sent to Label <X>)" in leak["text"]
    assert "It has been disabled" in leak["text"]
    newest, oldest = bell
    assert (newest["type"], newest["link_id"], newest["read"]) == (
        "share.alert",
        opened.link_id,
        False,
    )
    assert oldest["title"] == "Label <X> opened “For A&R”"


async def test_an_owner_without_an_address_is_told_in_the_app_alone(
    notify_service, http, sink, publish
):
    owner = f"u-{uuid4().hex[:8]}"
    await publish(_alert(owner, None, kind="download", file_type="project", recipient_name=None))

    [told] = await _bell(http, owner, 1)
    assert told["title"] == "Someone with the link downloaded the project files of “For A&R”"
    marker = f"marker-{uuid4().hex[:6]}@example.com"  # everything before it was handled
    await publish(_alert(f"u-{uuid4().hex[:8]}", marker))
    await wait_until(lambda: sink.messages_to(marker), timeout_s=30)
    assert not [m for m in sink.messages() if "project files" in m["subject"]]
