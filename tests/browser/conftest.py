"""Real Chromium for the browser suite (marked `browser`): the Debian package's binary, driven by Playwright.

`chromium` is one browser for the test session; `page` is a fresh context (its own cookies) per test; `axe` checks
a page for accessibility (tests/browser/axe.py).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.axe import Axe, install
from tests.servers import require_binary

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    executable = require_binary("browser", "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)  # expect() retries for 5 s by default: the same patience as every action
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe(chromium) -> Axe:
    return Axe(install().read_text(encoding="utf-8"))
