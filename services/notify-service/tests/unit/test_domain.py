"""Notifications' pure rules: the one address digest, whom a notification reaches, reading."""

import hashlib
from datetime import UTC, datetime, timedelta

from contracts.events import CollabGranted, Collaborator
from notify_service.domain import (
    Sender,
    address_digest,
    addressed_to,
    in_app_notification,
    marked_read,
)
from notify_service.mail import grant_mail, templates
from notify_service.service import MARKER_DIGEST_LENGTH

SENDER = Sender("no-reply@share.test", "Producer Dashboard", "http://localhost:8000/console")
AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _event(email: str = "Ana@Example.com") -> CollabGranted:
    return CollabGranted(
        request_id="r-1",
        job_id="job_1",
        owner_id="u-owner",
        owner_name="Mara Vale",
        track_id="t-1",
        track_title="Night Drive",
        collaborator=Collaborator(collaborator_id="c-1", email=email, name="Ana", user_id="u-a"),
        mode="folder",
    )


def test_every_use_of_an_address_is_a_prefix_of_one_digest_as_stored_before():
    # Stored notifications (32), mail markers (24) and Message-IDs (16) keep their values.
    full = hashlib.sha256(b"ana@example.com").hexdigest()
    assert address_digest(" Ana@Example.com ") == full[:32]
    assert address_digest("ana@example.com", MARKER_DIGEST_LENGTH) == full[:24]
    event = _event()
    mail = grant_mail(event, SENDER, templates(), sent_at=AT)
    assert mail["Message-ID"] == f"<{event.event_id.hex}.{full[:16]}@share.test>"
    assert in_app_notification(event, SENDER).recipient == full[:32]


def test_a_notification_reaches_only_a_reader_with_its_address_when_the_token_names_one():
    notification = in_app_notification(_event(), SENDER)

    assert addressed_to(notification, "ANA@example.com")
    assert addressed_to(notification, None)
    assert not addressed_to(notification, "someone.else@example.com")


def test_reading_again_keeps_the_first_time():
    notification = in_app_notification(_event(), SENDER)
    read = marked_read(notification, AT)

    assert (notification.read, read.read, read.read_at) == (False, True, AT)
    assert marked_read(read, AT + timedelta(hours=1)).read_at == AT
