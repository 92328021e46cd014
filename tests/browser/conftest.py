"""Playwright journeys in Debian's Chromium (/usr/bin/chromium; never `playwright install`).

Each test gets a fresh browser context at 1280x800 and a page that records console errors and
Content Security Policy violations; a test fails if the page broke the policy. `visit()` opens a
page, saves a screenshot to test-artifacts/screenshots/ and runs axe on it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread
# with a running loop unless told otherwise. The live server itself runs in its own thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright  # noqa: E402

from tests.browser.a11y import assert_accessible  # noqa: E402

CHROMIUM = os.environ.get("TEND_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(10_000)
    context.set_default_navigation_timeout(15_000)
    yield context
    context.close()


class PageProblems:
    """Console errors and CSP violations seen while the test ran."""

    def __init__(self) -> None:
        self.csp: list[str] = []
        self.errors: list[str] = []

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.csp.append(text)
        elif message.type == "error" and not re.search(r"status of (4\d\d|5\d\d)", text):
            # Failed requests (a 404 page on purpose, a 429 lockout) are the test's business.
            self.errors.append(text)


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(context: BrowserContext, page_problems: PageProblems) -> Iterator[Page]:
    page = context.new_page()
    page_problems.watch(page)
    yield page
    assert not page_problems.csp, "The page broke the Content Security Policy:\n" + "\n".join(
        page_problems.csp
    )
    assert not page_problems.errors, "JavaScript errors on the page:\n" + "\n".join(
        page_problems.errors
    )


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_page(page: Page, name: str) -> None:
    """Screenshot the page as it is now, then fail on serious accessibility problems or on a
    page wider than the window (nobody should scroll sideways to read a page)."""
    page.wait_for_load_state("load")
    screenshot(page, name)
    assert_accessible(page)
    overflow = page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            if (document.documentElement.scrollWidth <= width) return null;
            const wide = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width + 1)
                .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className);
            return {scrollWidth: document.documentElement.scrollWidth, width, wide};
        }"""
    )
    assert overflow is None, f"{page.url} is wider than the window: {overflow}"


@pytest.fixture
def visit(page: Page, live_server):
    """Open a path on the live server, screenshot it and check it with axe."""

    def _visit(path: str, name: str, *, check: bool = True) -> Page:
        page.goto(live_server.url + path)
        if check:
            check_page(page, name)
        return page

    return _visit
