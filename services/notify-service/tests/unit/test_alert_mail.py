"""What a link's owner is told of each alert (DESIGN §16): the headline and detail of each
kind, names cleaned, the digest in both parts of its mail and once."""

from datetime import UTC, datetime

import pytest
from contracts.events import AlertDigestLine, ShareAlert
from notify_service.alert_mail import alert_context, alert_mail, alert_notification
from notify_service.domain import Sender
from notify_service.mail import templates

SENDER = Sender("no-reply@share.test", "Producer Dashboard", "http://localhost:8000/console")
SENT_AT = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def _alert(**fields) -> ShareAlert:
    values = {"owner_id": "u-1", "kind": "first_open", "link_id": "lnk_1", "title": "Demo EP"}
    return ShareAlert(**(values | fields))


@pytest.mark.parametrize(
    ("fields", "headline", "detail"),
    [
        (
            {"recipient_name": "Label\nX", "recipient_id": "rcp_1"},
            "Label X opened “Demo EP”",
            None,
        ),
        ({"title": None}, "Someone with the link opened your link", None),
        (
            {"kind": "download", "file_type": "project", "recipient_name": "Bo"},
            "Bo downloaded the project files of “Demo EP”",
            None,
        ),
        (
            {"kind": "leak_suspected", "visitors": 101, "action": "alert"},
            "“Demo EP” may have been passed on",
            "101 different people opened “Demo EP”. It still works; revoke it from the link's "
            "page if it should not.",
        ),
    ],
)
def test_each_kind_says_what_happened(fields, headline, detail):
    context = alert_context(_alert(**fields), SENDER)
    assert (context["headline"], context["detail"]) == (headline, detail)
    assert context["link_url"] == "http://localhost:8000/console/links/lnk_1"


def test_the_digest_lists_each_link_once_in_each_part_of_its_mail():
    digest = _alert(
        kind="daily_digest",
        link_id=None,
        day="2026-12-02",
        digest=[AlertDigestLine(link_id="lnk_1", title="<b>EP</b>", views=3, plays=2, downloads=1)],
    )
    mail = alert_mail(digest, "ana@example.com", SENDER, templates(), sent_at=SENT_AT)
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()

    assert mail["Subject"] == "Yesterday on your share links (2026-12-02)"
    assert text.count("<b>EP</b>: 3 views, 2 plays, 1 downloads") == 1
    assert "&lt;b&gt;EP&lt;/b&gt;" in html and "<b>EP</b>" not in html
    told = alert_notification(digest, SENDER)
    assert told.message == "<b>EP</b>: 3 views, 2 plays, 1 downloads" and told.link_id is None
