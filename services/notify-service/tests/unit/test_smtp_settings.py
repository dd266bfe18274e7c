"""SMTP_SECURITY follows SMTP_PORT unless set (issue 24): a relay on 587 is spoken to with
STARTTLS, one on 465 with implicit TLS, anything else in the clear; a set value wins."""

import pytest
from notify_service.settings import Settings


@pytest.mark.parametrize(
    ("port", "security"), [(587, "starttls"), (465, "tls"), (25, "none"), (1025, "none")]
)
def test_security_follows_the_port_when_unset(monkeypatch: pytest.MonkeyPatch, port, security):
    monkeypatch.delenv("SMTP_SECURITY", raising=False)
    monkeypatch.setenv("SMTP_PORT", str(port))
    assert Settings().smtp_security == security
    assert Settings(smtp_port=port).smtp_security == security


@pytest.mark.parametrize(("port", "security"), [(587, "none"), (465, "starttls"), (25, "tls")])
def test_a_security_that_is_set_wins(monkeypatch: pytest.MonkeyPatch, port, security):
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", security)
    assert Settings().smtp_security == security
    monkeypatch.delenv("SMTP_SECURITY")
    assert Settings(smtp_port=port, smtp_security=security).smtp_security == security


def test_the_development_sink_stays_in_the_clear(monkeypatch: pytest.MonkeyPatch):
    for name in ("SMTP_PORT", "SMTP_SECURITY"):
        monkeypatch.delenv(name, raising=False)
    assert (Settings().smtp_port, Settings().smtp_security) == (1025, "none")
