"""The sink's HTTP side: the kept messages as JSON, a small HTML view, health."""

from html import escape
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from smtp_sink.mailbox import Mailbox

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SMTP sink</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }}
article {{ border: 1px solid #ccc; border-radius: 6px; padding: 1rem; margin: 1rem 0; }}
pre {{ white-space: pre-wrap; background: #f6f6f6; padding: .5rem; }}
iframe {{ width: 100%; height: 22rem; border: 1px solid #ddd; }}
.meta {{ color: #666; }}
</style></head>
<body><h1>SMTP sink</h1>
<p class="meta">{count} message(s), newest first. JSON: <a href="/messages">/messages</a>;
<code>DELETE /messages</code> clears them.</p>
{articles}
</body></html>
"""


def create_web_app(mailbox: Mailbox) -> FastAPI:
    """The HTTP app over `mailbox`."""
    app = FastAPI(title="SMTP sink")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/messages")
    async def messages() -> list[dict[str, Any]]:
        return mailbox.all()

    @app.delete("/messages")
    async def clear() -> dict[str, int]:
        return {"deleted": mailbox.clear()}

    @app.get("/", response_class=HTMLResponse)
    async def view() -> HTMLResponse:
        shown = list(reversed(mailbox.all()))
        page = PAGE.format(count=len(shown), articles="\n".join(map(_article, shown)))
        # The mails' own HTML runs in sandboxed frames: no script, no same-origin access.
        headers = {
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "frame-src 'self'; img-src data:",
            "Cache-Control": "no-store",
        }
        return HTMLResponse(page, headers=headers)

    return app


def _article(message: dict[str, Any]) -> str:
    html = message["html"]
    frame = f'<iframe sandbox="" srcdoc="{escape(html)}"></iframe>' if html else ""
    return (
        f"<article><h2>{escape(message['subject'] or '(no subject)')}</h2>"
        f'<p class="meta">#{message["id"]} · {escape(message["received_at"])} · from '
        f"{escape(message['mail_from'])} to {escape(', '.join(message['to']))}</p>"
        f"<pre>{escape(message['text'] or '')}</pre>{frame}</article>"
    )
