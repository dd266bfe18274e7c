"""The Notifier in-process on the real test Redis: reading is atomic and idempotent, lists
page fully, a notification is only its reader's, and one mail goes to each recipient."""

import asyncio
import dataclasses
import json
from datetime import timedelta
from uuid import uuid4

import pytest
from messaging.delivery import RetryLater
from messaging.testing import wait_until
from notify_service.domain import address_digest
from service_kit.pagination import PageParams, decode_cursor

from .conftest import START, RecordingMailer, granted

pytestmark = pytest.mark.integration


def _user() -> str:
    return f"u-{uuid4().hex[:8]}"


async def _all_pages(notifier, user, email, *, unread, limit):
    """Every page of the reader's list, walked by cursor."""
    pages, after = [], None
    while True:
        items, cursor = await notifier.notifications(
            user, email, PageParams(limit, after), unread=unread
        )
        pages.append(items)
        if cursor is None:
            return pages
        after = decode_cursor(cursor)


async def test_concurrent_mark_reads_commit_once_and_all_answer_the_first_read(core):
    notifier, user = core.notifier, _user()
    event = granted(user)
    await notifier.notify_in_app(event)
    email, notification_id = event.collaborator.email, "ntf_" + event.event_id.hex
    # Twenty connections open first, so that the twenty calls' reads all go out before any
    # answer is back: a read-then-write would then let each caller write its own time.
    await asyncio.gather(*(core.runtime.redis.ping() for _ in range(20)))

    answers = await asyncio.gather(
        *(notifier.mark_read(user, email, notification_id) for _ in range(20))
    )

    read_times = {answer.read_at for answer in answers}
    assert len(read_times) == 1 and None not in read_times  # every caller saw the same read
    [stored] = (await notifier.notifications(user, email, PageParams(10, None)))[0]
    assert stored.read_at in read_times
    for reader in (email, None):  # off both unread indexes, in the same commit
        assert (await notifier.notifications(user, reader, PageParams(10, None), unread=True))[
            0
        ] == []
    again = await notifier.mark_read(user, email, notification_id)
    assert again is not None and again.read_at == stored.read_at


async def test_unread_pages_are_full_while_more_unread_remain(core):
    notifier, user = core.notifier, _user()
    mine, other = "reader@example.com", "someone.else@example.com"  # same user id, two addresses
    events = []
    for i in range(24):
        person = granted(user).collaborator.model_copy(update={"email": (mine, other)[i % 2]})
        events.append(granted(user, collaborator=person, occurred_at=START + timedelta(seconds=i)))
    for event in events:
        await notifier.notify_in_app(event)
    ids_of_mine = [
        "ntf_" + e.event_id.hex for e in reversed(events) if e.collaborator.email == mine
    ]
    for read in ids_of_mine[::3]:  # 4 of my 12 read
        assert await notifier.mark_read(user, mine, read) is not None
    unread_of_mine = [i for i in ids_of_mine if i not in ids_of_mine[::3]]

    pages = await _all_pages(notifier, user, mine, unread=True, limit=3)
    assert [len(p) for p in pages] == [3, 3, 2]
    assert [n.id for p in pages for n in p] == unread_of_mine  # newest first, none twice
    everything = await _all_pages(notifier, user, mine, unread=False, limit=5)
    assert [len(p) for p in everything] == [5, 5, 2]
    assert [n.id for p in everything for n in p] == ids_of_mine
    no_address = await _all_pages(notifier, user, None, unread=True, limit=7)
    assert [len(p) for p in no_address] == [7, 7, 6]  # a token without e-mail: all 20 unread


async def test_notifications_stored_before_the_address_indexes_are_listed_and_markable(core):
    notifier, user, address = core.notifier, _user(), "old@example.com"
    redis, prefix = core.runtime.redis, core.notifier.store.prefix
    key = f"{prefix}notif:{{notif:{user}}}:"
    ids = []
    for i in range(3):  # as the store wrote them until now: record, all, unread
        record = {
            "id": "ntf_" + uuid4().hex,
            "type": "collab.granted",
            "title": f"Mara Vale shared “Old {i}” with you",
            "owner_id": "u-owner",
            "owner_name": "Mara Vale",
            "track_id": f"t-{i}",
            "track_title": f"Old {i}",
            "mode": "folder",
            "message": None,
            "access_url": None,
            "created_at": (START + timedelta(seconds=i)).isoformat(),
            "read_at": None,
            "recipient": address_digest(address),
        }
        at_ms = int((START + timedelta(seconds=i)).timestamp() * 1000)
        await redis.hset(key + "data", record["id"], json.dumps(record))
        await redis.zadd(key + "all", {record["id"]: at_ms})
        await redis.zadd(key + "unread", {record["id"]: at_ms})
        ids.insert(0, record["id"])

    assert await notifier.mark_read(user, address, ids[0]) is not None
    pages = await _all_pages(notifier, user, address, unread=True, limit=1)
    assert [n.id for p in pages for n in p] == ids[1:]
    listed = await _all_pages(notifier, user, "OLD@example.com", unread=False, limit=2)
    assert [n.id for p in listed for n in p] == ids


async def test_another_owners_or_another_addresses_notification_is_not_found(core):
    notifier, user = core.notifier, _user()
    event = granted(user)
    await notifier.notify_in_app(event)
    notification_id = "ntf_" + event.event_id.hex

    assert await notifier.mark_read(_user(), None, notification_id) is None
    assert await notifier.mark_read(user, "someone.else@example.com", notification_id) is None
    assert (await notifier.notifications(user, "someone.else@example.com", PageParams(5, None)))[
        0
    ] == []
    [untouched] = (await notifier.notifications(user, None, PageParams(5, None), unread=True))[0]
    assert untouched.id == notification_id and untouched.read_at is None


async def test_a_redelivered_grant_mails_each_recipient_once(core, deliver, mailer):
    user = _user()
    event, no_account = granted(user), granted(None)
    for _ in range(3):
        await deliver(event)
        await deliver(no_account)

    assert len(mailer.to(event.collaborator.email)) == 1
    assert len(mailer.to(no_account.collaborator.email)) == 1
    assert (
        "How to get to it"
        in mailer.to(no_account.collaborator.email)[0].get_body(("plain",)).get_content()
    )
    items, _ = await core.notifier.notifications(user, None, PageParams(10, None))
    assert [n.id for n in items] == ["ntf_" + event.event_id.hex]


async def test_a_copy_delivered_while_the_mail_is_being_sent_sends_nothing(core):
    mailer = RecordingMailer(held=True)  # each send waits for `release`
    notifier, event = dataclasses.replace(core.notifier, mailer=mailer), granted(None)
    first = asyncio.create_task(notifier.send_mail_once(event))

    async def sending() -> bool:
        return mailer.sending == 1

    await wait_until(sending, timeout_s=5, interval_s=0.01)
    async with asyncio.timeout(5):  # a second send would wait for `release`: fail, not hang
        with pytest.raises(RetryLater):  # another instance's copy: redelivered later
            await notifier.send_mail_once(event)
    mailer.release.set()
    async with asyncio.timeout(5):
        assert await first is True
        assert await notifier.send_mail_once(event) is False  # the later redelivery
    assert len(mailer.to(event.collaborator.email)) == 1
