"""The sink as `python -m smtp_sink`: real SMTP in, JSON and HTML out."""

import smtplib
from email.message import EmailMessage

import httpx
import pytest
from smtp_sink.testing import running_sink

pytestmark = pytest.mark.integration


def test_mail_sent_over_smtp_is_listed_shown_and_cleared():
    with running_sink() as sink:
        message = EmailMessage()
        message["From"] = "no-reply@share.test"
        message["To"] = "ana@example.com"
        message["Subject"] = "Night Drive"
        message.set_content("plain part")
        message.add_alternative("<p>html part</p>", subtype="html")
        with smtplib.SMTP(sink.host, sink.smtp_port, timeout=10) as client:
            client.send_message(message, to_addrs=["ana@example.com", "bo@example.com"])

        [kept] = sink.messages()
        page = httpx.get(sink.web_url + "/", trust_env=False)
        sink.clear()

        assert kept["to"] == ["ana@example.com", "bo@example.com"]
        assert (kept["subject"], kept["text"], kept["html"]) == (
            "Night Drive",
            "plain part\n",
            "<p>html part</p>\n",
        )
        assert "Night Drive" in page.text
        assert sink.messages() == []
