"""The shared browser fixtures (Chromium, a context, a page that fails on CSP violations)."""

from tests.browser.conftest import browser, context, page, page_problems  # noqa: F401
