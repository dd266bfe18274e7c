"""The gateway's Jinja templates (share pages, message pages, the console), and share pages
rendered once per link and reused: rendering one and signing its previews was most of what a
share page cost (bench/README.md), and a link is opened by many people at once."""

from collections.abc import Callable
from pathlib import Path

from contracts.links import InternalLink
from fastapi.templating import Jinja2Templates
from service_kit.caching import Recent

from gateway.domain import page_of

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
# The templates ship with the code: no stat of the file on every render.
templates.env.auto_reload = False
# Pages kept: a 10-track page is ~5 KB, one of 50 tracks ~25 KB, so at most ~12 MB; links
# opened often stay (the longest since rendered go first).
PAGES_KEPT = 500


class SharePages:
    """Share pages' HTML by token, reused while the link is the same and for a tenth of the
    preview URLs' life (the player asks for fresh ones when they run out anyway)."""

    def __init__(self, preview_ttl_s: int, size: int = PAGES_KEPT) -> None:
        self.reuse_s = preview_ttl_s / 10
        self._pages: Recent[str, tuple[InternalLink, str]] = Recent(size)

    def html(self, link: InternalLink, preview_url: Callable[[str], str]) -> str:
        """The page of `link`; `preview_url` signs a player's address when it is rendered."""
        cached = self._pages.entry(link.token)
        if cached and cached.age_s < self.reuse_s and cached.value[0] == link:
            return cached.value[1]
        html = templates.get_template("share.html").render(page=page_of(link, preview_url))
        self._pages.put(link.token, (link, html))
        return html
