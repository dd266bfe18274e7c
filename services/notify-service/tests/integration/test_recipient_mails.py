"""A share link mailed to its recipients (DESIGN §16), notify-service as a process: each
recipient gets one mail with their own URL, HTML and text, from share.created and
share.updated on real Kafka, however often the event is delivered; nobody is mailed unless
the producer asked."""

from uuid import uuid4

import pytest
from contracts.events import LinkedTrack, RecipientLink, ShareCreated, ShareUpdated
from messaging.testing import wait_until

pytestmark = pytest.mark.integration


def _recipient(name: str) -> RecipientLink:
    token = uuid4().hex
    return RecipientLink(
        recipient_id=f"rcp_{token[:24]}",
        name=name,
        email=f"{name.lower()}-{token[:6]}@label.example",
        url=f"http://share.test/s/{token}",
    )


def _created(recipients: list[RecipientLink], send_emails: bool = True) -> ShareCreated:
    return ShareCreated(
        link_id=f"lnk_{uuid4().hex[:24]}",
        owner_id="u-mara",
        kind="playlist",
        track_ids=["t-1", "t-2"],
        include=["bounce"],
        downloads=["audio"],
        expires_at=None,
        url="http://share.test/s/own-token",
        tracks=[
            LinkedTrack(track_id="t-1", title="Night Drive"),
            LinkedTrack(track_id="t-2", title="Afterglow"),
        ],
        title="Demo EP <b>",
        message="Feedback welcome\nby Friday",
        owner_name="Mara Vale",
        recipients=recipients,
        send_emails=send_emails,
    )


async def _mails(sink, address: str, count: int = 1) -> list[dict]:
    async def arrived() -> bool:
        return len(sink.messages_to(address)) >= count

    await wait_until(arrived, timeout_s=30)
    return sink.messages_to(address)


async def test_each_recipient_gets_one_mail_with_their_own_url(notify_service, sink, publish):
    label, curator = _recipient("Ana"), _recipient("Bo")
    created = _created([label, curator])

    for _ in range(3):  # delivered again and again: still one mail each
        await publish(created)

    [to_label] = await _mails(sink, label.email)
    [to_curator] = await _mails(sink, curator.email)
    assert to_label["subject"] == "Mara Vale sent you “Demo EP <b>”"
    assert label.url in to_label["text"] and label.url in to_label["html"]
    assert curator.url in to_curator["text"] and label.url not in to_curator["text"]
    assert created.url not in to_label["text"], "the link's own token stays the owner's"
    assert "Demo EP &lt;b&gt;" in to_label["html"], "escaped"
    assert "Feedback welcome" in to_label["text"] and "Afterglow" in to_label["html"]
    marker = _recipient("Marker")  # a later mail: everything before it was handled
    await publish(_created([marker]))
    await _mails(sink, marker.email)
    assert len(sink.messages_to(label.email)) == 1


async def test_recipients_added_later_are_mailed_and_unasked_ones_are_not(
    notify_service, sink, publish
):
    quiet, added = _recipient("Quiet"), _recipient("Later")
    created = _created([quiet], send_emails=False)
    await publish(created)
    await publish(
        ShareUpdated(
            link_id=created.link_id,
            owner_id=created.owner_id,
            changed=["recipients"],
            recipients_added=[added],
            send_emails=True,
            title="Demo EP",
            owner_name="Mara Vale",
            tracks=created.tracks,
        )
    )

    [mail] = await _mails(sink, added.email)
    assert added.url in mail["text"]
    assert sink.messages_to(quiet.email) == []
