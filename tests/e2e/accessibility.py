"""axe-core on every page the browser tests load (issue 25): WCAG 2.0, 2.1 and 2.2 A and AA
and axe's best practices; any violation fails the test that loaded the page."""

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, Page, Route

# Pinned in package.json and package-lock.json; `make install` (npm ci) puts it here.
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# How long a page may take to finish its check once the test leaves it.
CHECK_TIMEOUT_S = 30
# In every document: `__axeViolations()` runs axe-core and answers its findings as plain
# data; a top-level web page also runs it by itself once loaded and reports to the test
# through the `__axeReport` binding, "seen" as soon as it exists and "done" with the results.
IN_PAGE = """(() => {
  window.__axeViolations = () => axe.run(document, {runOnly: {type: "tag", values: TAGS}})
    .then(result => result.violations.map(v => ({
      rule: v.id, impact: v.impact, help: v.help, help_url: v.helpUrl,
      elements: v.nodes.map(node => [node.target.join(" "),
        [...node.any, ...node.all, ...node.none].map(check => check.message)[0] || ""])})));
  if (window !== window.top || !location.protocol.startsWith("http")) return;
  const doc = Math.random().toString(36).slice(2);
  const report = (phase, extra) => window.__axeReport({doc, phase, url: location.href, ...extra});
  report("seen", {});
  window.addEventListener("load", () => window.__axeViolations().then(
    violations => report("done", {violations, title: document.title}),
    error => report("done", {error: String(error)})));
})();""".replace("TAGS", json.dumps(AXE_TAGS))


@dataclass(frozen=True)
class Violation:
    """One axe rule broken on one page: the elements that break it (their CSS selectors) and
    what axe says of each (for colour contrast: both colours, the ratio and the one needed)."""

    page: str  # its URL and title
    rule: str
    impact: str
    help: str
    help_url: str
    elements: tuple[tuple[str, str], ...]

    @property
    def selectors(self) -> tuple[str, ...]:
        return tuple(selector for selector, _ in self.elements)

    def __str__(self) -> str:
        elements = "".join(f"\n      {where}\n        {what}" for where, what in self.elements)
        return f"  {self.rule} ({self.impact}): {self.help}\n    {self.help_url}{elements}"


def violations_of(url: str, found: list[dict[str, Any]]) -> list[Violation]:
    """`__axeViolations()`'s answer on the page at `url` as Violations."""
    return [
        Violation(
            url,
            v["rule"],
            v["impact"],
            v["help"],
            v["help_url"],
            tuple((where, what) for where, what in v["elements"]),
        )
        for v in found
    ]


def report(violations: list[Violation]) -> str:
    """The violations by page, each with its rule id, impact, elements and help URL; a page
    loaded several times (a polling loop) with the same findings is listed once."""
    found = dict.fromkeys(violations)
    pages = dict.fromkeys(v.page for v in found)
    return "\n".join(
        f"axe-core found on {url}:\n" + "\n".join(str(v) for v in found if v.page == url)
        for url in pages
    )


@dataclass
class AccessibilityWatch:
    """Checks every web page any tab of a browser context loads, so no test can forget one.

    Each page runs axe-core itself once loaded (IN_PAGE, an init script: the pages' CSP
    does not apply to it). A test may leave a page at once (a click, a form post, `goto` in
    a polling loop), and the check must not lose that race: the context's route holds every
    top-level navigation until the page being left has reported (other requests pass at
    once). The old page runs on, and finishes loading, until the new one commits; but
    Chromium runs no DevTools command in it while a navigation is pending (an `evaluate`
    from here hangs until the commit), hence the page reports by itself. A page is known
    from its first script on: one left before it even ran one was never seen by the test.
    A page that never reports (gone another way, or axe failed) fails the test too."""

    context: BrowserContext
    violations: list[Violation] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)  # pages gone before their check
    _checks: dict[str, tuple[Page, str, asyncio.Future[None]]] = field(default_factory=dict)

    @classmethod
    async def of(cls, context: BrowserContext) -> "AccessibilityWatch":
        """Watch every tab `context` opens from now on."""
        if not AXE_SCRIPT.is_file():
            raise FileNotFoundError(f"{AXE_SCRIPT} is missing: `make install` (npm ci) puts it")
        watch = cls(context)
        await context.expose_binding("__axeReport", watch._reported)
        await context.add_init_script(path=AXE_SCRIPT)
        await context.add_init_script(script=IN_PAGE)
        await context.route("**/*", watch._hold_navigation)
        return watch

    def _reported(self, source: dict[str, Any], news: dict[str, Any]) -> None:
        tab: Page = source["page"]
        if news["phase"] == "seen":
            for doc, (page, url, check) in list(self._checks.items()):
                if page == tab and not check.done():  # replaced before it finished
                    self._finish(doc, unchecked=url)
            future = asyncio.get_running_loop().create_future()
            self._checks[news["doc"]] = (tab, news["url"], future)
        elif news["doc"] in self._checks:
            if "error" in news:
                self._finish(news["doc"], unchecked=f"{news['url']} ({news['error']})")
            else:
                page = f"{news['url']} ({news['title']})"
                self.violations += violations_of(page, news["violations"])
                self._finish(news["doc"])

    def _finish(self, doc: str, unchecked: str | None = None) -> None:
        if unchecked is not None:
            self.unchecked.append(unchecked)
        future = self._checks[doc][2]
        if not future.done():
            future.set_result(None)

    async def _hold_navigation(self, route: Route) -> None:
        request = route.request
        if request.is_navigation_request() and request.frame.parent_frame is None:
            await self.settled(request.frame.page)
        await route.fallback()

    async def settled(self, tab: Page | None = None) -> None:
        """Wait for the checks of the pages loaded so far (in one tab, or in all)."""
        pending = {
            doc: check
            for doc, (page, _, check) in self._checks.items()
            if tab in (None, page) and not check.done()
        }
        if pending:
            await asyncio.wait(pending.values(), timeout=CHECK_TIMEOUT_S)
        for doc in pending:
            if not self._checks[doc][2].done():
                self._finish(doc, unchecked=f"{self._checks[doc][1]} (no report in time)")

    async def check(self, tab: Page) -> None:
        """Check `tab` as it is now too: a state the test reached without loading a page."""
        await self.settled(tab)
        found = await tab.evaluate("__axeViolations()")
        self.violations += violations_of(f"{tab.url} ({await tab.title()})", found)

    async def problems(self) -> str:
        """Once every check has finished: what axe found, and any page left unchecked."""
        await self.settled()
        unchecked = [f"left unchecked: {page}" for page in self.unchecked]
        return "\n".join([report(self.violations), *unchecked]).strip()
