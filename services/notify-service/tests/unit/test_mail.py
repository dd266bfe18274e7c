"""The invitation mail: header injection, escaping, the two kinds of recipient."""

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from contracts.events import CollabGranted, Collaborator
from notify_service.domain import Sender, body_text, header_text, in_app_notification, web_url
from notify_service.mail import grant_mail, templates

SENDER = Sender("no-reply@share.test", "Producer Dashboard", "http://localhost:8000/console")


def _event(**changes) -> CollabGranted:
    person = changes.pop("collaborator", None) or Collaborator(
        collaborator_id="c-1", email="ana@example.com", name="Ana", user_id="u-ana"
    )
    fields = {
        "request_id": "r-1",
        "job_id": "job_1",
        "owner_id": "u-owner",
        "owner_name": "Mara Vale",
        "track_id": "t-1",
        "track_title": "Night Drive",
        "collaborator": person,
        "mode": "folder",
        "access_url": "https://www.dropbox.com/scl/fo/abc",
        "message": "Mixes v3, feedback welcome",
    }
    return CollabGranted(**(fields | changes))


SENT_AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _mail(event: CollabGranted) -> EmailMessage:
    return grant_mail(event, SENDER, templates(), sent_at=SENT_AT)


def _sent(event: CollabGranted) -> EmailMessage:
    """The message as a receiver parses it back from the wire."""
    raw = _mail(event).as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _parts(mail: EmailMessage) -> tuple[str, str]:
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


@pytest.mark.parametrize(
    "hostile",
    [
        "Mara\r\nBcc: victim@example.com",
        "Mara\nSubject: pwned",
        "Mara\x85Bcc: victim@example.com",  # NEL
        "Mara\u2028Bcc: victim@example.com",  # line separator
        "Mara\x00\x1b[31m",
    ],
)
def test_line_breaks_in_names_and_titles_cannot_add_headers(hostile):
    collaborator = Collaborator(collaborator_id="c-1", email="ana@example.com", name=hostile)
    mail = _sent(_event(owner_name=hostile, track_title=hostile, collaborator=collaborator))

    assert mail.get_all("Bcc") is None
    assert len(mail.get_all("Subject")) == 1
    assert [a.addr_spec for a in mail["To"].addresses] == ["ana@example.com"]
    assert [a.addr_spec for a in mail["From"].addresses] == ["no-reply@share.test"]
    for name in ("Subject", "From", "To"):
        assert not any(c in str(mail[name]) for c in "\r\n\x85\u2028\x00\x1b")


def test_invisible_and_bidi_characters_are_dropped_from_header_text():
    assert header_text("Night\u202eevird\u200b Drive\t\t2") == "Night evird Drive 2"


def test_a_name_that_looks_like_an_address_stays_a_display_name():
    collaborator = Collaborator(
        collaborator_id="c-1", email="ana@example.com", name='evil@attacker.test>, "x" <'
    )
    mail = _sent(_event(collaborator=collaborator))

    assert [a.addr_spec for a in mail["To"].addresses] == ["ana@example.com"]


def test_long_titles_are_cut_in_headers():
    assert len(header_text("x" * 1000)) == 120


def test_html_part_escapes_script_in_every_user_text():
    script = "<script>alert(1)</script>"
    collaborator = Collaborator(collaborator_id="c-1", email="ana@example.com", name=script)
    mail = _sent(
        _event(owner_name=script, track_title=script, message=script, collaborator=collaborator)
    )
    text, html = _parts(mail)

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert script in text  # plain text is not HTML: shown as written


def test_mail_to_a_dashboard_user_has_the_share_details():
    mail = _sent(_event())
    text, html = _parts(mail)

    assert str(mail["Subject"]) == "Mara Vale shared “Night Drive” with you"
    assert mail["To"].addresses[0].display_name == "Ana"
    for part in (text, html):
        assert "Mara Vale" in part and "Night Drive" in part
        assert "Mixes v3, feedback welcome" in part
        assert "http://localhost:8000/console" in part
        assert "https://www.dropbox.com/scl/fo/abc" in part


def test_mail_to_someone_without_an_account_says_how_to_reach_the_dropbox_content():
    bo = Collaborator(collaborator_id="c-2", email="bo@example.com", name="Bo")
    text, html = _parts(_sent(_event(collaborator=bo)))

    for part in (text, html):
        assert "How to get to it" in part
        assert "https://www.dropbox.com/scl/fo/abc" in part
        assert "bo@example.com" in part
        assert "localhost:8000/console" not in part


def test_files_mode_without_an_access_url_points_to_dropbox_shared_files():
    bo = Collaborator(collaborator_id="c-2", email="bo@example.com", name="Bo")
    text, _ = _parts(_sent(_event(collaborator=bo, mode="files", access_url=None)))

    assert "https://www.dropbox.com/share" in text
    assert "Shared > Files" in text


def test_only_http_urls_become_links():
    assert web_url("javascript:alert(1)") is None
    assert web_url('https://x.test/" onmouseover="x') is None
    assert web_url("https://x.test/a?b=1") == "https://x.test/a?b=1"


def test_message_keeps_its_lines_but_no_control_characters():
    assert body_text("line 1\r\nline 2\x07\n\nline 4") == "line 1\nline 2\n\nline 4"
    assert body_text("  ") is None


def test_the_same_event_and_recipient_get_the_same_message_id():
    event = _event()
    first = _mail(event)
    again = _mail(event)

    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"] != _mail(_event())["Message-ID"]


def test_in_app_notification_is_derived_from_the_event():
    event = _event(owner_name="Mara\nVale")
    notification = in_app_notification(event, SENDER)

    assert notification.id == "ntf_" + event.event_id.hex
    assert notification.title == "Mara Vale shared “Night Drive” with you"
    assert notification.read_at is None
