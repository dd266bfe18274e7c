"""The accessibility check itself (accessibility.py), on small pages served by the test: it
fails on what axe-core finds, says what to fix, and checks a page left at once. No services."""

import asyncio
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Route

from .accessibility import AccessibilityWatch, report

pytestmark = pytest.mark.e2e

SITE = "http://a11y.test"
# As strict as the gateway's: no inline script or style, so axe must run all the same.
CSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:"
PAGES = {
    "/inaccessible": """<!doctype html><html><head><title>Bad</title>
      <link rel="stylesheet" href="/pale.css"></head><body><main><h1>Bad</h1>
      <p class="pale">Grey on white</p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
      <input type="text"></main></body></html>""",
    "/accessible": """<!doctype html><html lang="en"><head><title>Good</title></head>
      <body><main><h1>Good</h1><label>Name <input type="text"></label></main></body></html>""",
    "/pale.css": ".pale { color: #b0b0b0; background: #ffffff; }",
    "/slow": """<!doctype html><html lang="en"><head><title>Slow</title>
      <link rel="stylesheet" href="/slow.css"></head><body><main><h1>Slow</h1>
      <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></body></html>""",
    "/slow.css": "h1 { font-weight: 700; }",
}


async def _serve(route: Route) -> None:
    path = urlsplit(route.request.url).path
    if path == "/slow.css":
        await asyncio.sleep(1)  # the page's load comes a second after it commits
    kind = "text/css" if path.endswith(".css") else "text/html"
    await route.fulfill(
        body=PAGES[path], headers={"Content-Type": kind, "Content-Security-Policy": CSP}
    )


@pytest.fixture
async def watched(browser: Browser):
    """A context whose pages come from PAGES, watched as the browser tests' are."""
    context = await browser.new_context()
    await context.route(f"{SITE}/**", _serve)  # registered first, so the watch's runs first
    yield await AccessibilityWatch.of(context)
    await context.close()


async def test_an_inaccessible_page_fails_with_each_rule_impact_element_and_help(watched):
    page = await watched.context.new_page()
    await page.goto(f"{SITE}/inaccessible")

    problems = await watched.problems()

    found = {v.rule: v for v in watched.violations}
    assert {"color-contrast", "image-alt", "label", "html-has-lang"} <= found.keys(), problems
    assert found["image-alt"].impact == "critical" and found["image-alt"].selectors == ("img",)
    assert f"axe-core found on {SITE}/inaccessible (Bad):" in problems
    assert "  image-alt (critical): Images must have alternative text" in problems
    assert "https://dequeuniversity.com/rules/axe/4.14/image-alt" in problems
    contrast = "\n      p\n        Element has insufficient color contrast of 2.16 (foreground"
    assert contrast + " color: #b0b0b0, background color: #ffffff" in problems, problems


async def test_an_accessible_page_passes(watched):
    page = await watched.context.new_page()
    await page.goto(f"{SITE}/accessible")

    await watched.check(page)  # and once more, asked for

    assert await watched.problems() == ""


async def test_a_page_left_as_soon_as_it_loaded_is_checked_before_it_goes(watched):
    page = await watched.context.new_page()
    await page.goto(f"{SITE}/inaccessible")
    await page.goto(f"{SITE}/accessible")
    await page.goto(f"{SITE}/inaccessible?again")

    await watched.problems()

    assert [v.page for v in watched.violations if v.rule == "image-alt"] == [
        f"{SITE}/inaccessible (Bad)",
        f"{SITE}/inaccessible?again (Bad)",
    ]
    assert watched.unchecked == []


async def test_a_page_left_before_it_loaded_is_checked_once_loaded(watched):
    page = await watched.context.new_page()
    await page.goto(f"{SITE}/slow", wait_until="domcontentloaded")
    await page.goto(f"{SITE}/accessible")

    await watched.problems()

    assert [v.rule for v in watched.violations] == ["image-alt"]
    assert watched.unchecked == []


async def test_a_state_reached_without_a_load_is_checked_on_demand(watched):
    page = await watched.context.new_page()
    await page.goto(f"{SITE}/accessible")
    await page.evaluate("const l = document.querySelector('label'); l.replaceWith(l.lastChild)")

    await watched.check(page)

    assert [v.rule for v in watched.violations] == ["label"]
    assert report(watched.violations).startswith(f"axe-core found on {SITE}/accessible (Good):")
