"""What the sink keeps of a message, and how it shows it."""

from email.message import EmailMessage

import httpx
from devstack import services
from smtp_sink.mailbox import Mailbox, parse_message
from smtp_sink.web import create_web_app


def _raw(subject: str = "Hello", html: str | None = "<p>Hi <b>there</b></p>") -> bytes:
    message = EmailMessage()
    message["From"] = "Mara <no-reply@share.test>"
    message["To"] = "Ana <ana@example.com>"
    message["Subject"] = subject
    message.set_content("Hi there\n")
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


def test_message_is_kept_with_envelope_recipients_subject_text_and_html():
    kept = parse_message(_raw("Héllo “x”"), "no-reply@share.test", ["ana@example.com"])

    assert kept["to"] == ["ana@example.com"]
    assert kept["subject"] == "Héllo “x”"
    assert kept["text"] == "Hi there\n"
    assert kept["html"] == "<p>Hi <b>there</b></p>\n"
    assert ["To", "Ana <ana@example.com>"] in kept["headers"]


def test_plain_text_only_message_has_no_html():
    assert parse_message(_raw(html=None), "a@b.test", ["c@d.test"])["html"] is None


def test_mailbox_lists_oldest_first_forgets_the_oldest_past_its_limit_and_clears():
    mailbox = Mailbox(limit=2)
    for subject in ("one", "two", "three"):
        mailbox.add(_raw(subject), "a@b.test", ["c@d.test"])

    assert [m["subject"] for m in mailbox.all()] == ["two", "three"]
    assert [m["id"] for m in mailbox.all()] == [2, 3]
    assert mailbox.clear() == 2 and mailbox.all() == []


async def test_web_view_escapes_mails_and_sandboxes_their_html():
    mailbox = Mailbox()
    mailbox.add(_raw("<script>alert(1)</script>", "<script>x()</script>"), "a@b.test", ["c@d.test"])
    transport = httpx.ASGITransport(app=create_web_app(mailbox))
    async with httpx.AsyncClient(transport=transport, base_url="http://sink") as client:
        page = await client.get("/")
        listed = (await client.get("/messages")).json()
        cleared = (await client.delete("/messages")).json()
        after = (await client.get("/messages")).json()
        health = (await client.get("/health")).json()

    assert page.status_code == 200
    assert "<script>" not in page.text
    assert 'sandbox=""' in page.text
    assert listed[0]["subject"] == "<script>alert(1)</script>"
    assert cleared == {"deleted": 1} and after == []
    assert health == {"status": "ok"}


def test_devstack_starts_the_sink_and_points_notify_service_at_it():
    [row] = [s for s in services.SERVICES if s.module == "smtp_sink"]
    names = [s.name for s in services.SERVICES]
    env = services.service_env({}, "k:1", "redis://r")
    moved = services.service_env({"SMTP_SINK_PORT": "2025"}, "k:1", "redis://r")

    assert names.index("smtp-sink") < names.index("notify-service")
    assert (row.url(env), row.ready_path) == ("http://127.0.0.1:8025", "/health")
    assert (env["SMTP_HOST"], env["SMTP_PORT"]) == ("127.0.0.1", "1025")
    assert moved["SMTP_PORT"] == "2025"
