"""The keyboard's way past the header: the first Tab shows a "Skip to main content" link, and following it puts the
next Tab inside the page's content, on the demo and on the local Hosted UI."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
CALLBACK = "http://localhost:5000/callback"  # the web client's registered callback


def skip_to_content(page: Page, name: str = "Skip to main content", key: str = "Tab") -> None:
    page.keyboard.press(key)
    link = page.get_by_role("link", name=name)
    expect(link).to_be_focused()
    box = link.bounding_box()
    assert box and box["y"] >= 0 and box["width"] > 0  # on screen while it has the focus
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('main') !== null"), "the next Tab is not in <main>"


def test_the_demo_skips_its_header(page, webapp):
    page.goto(webapp.url)
    assert page.get_by_role("link", name="Skip to main content").bounding_box()["y"] < 0  # hidden until focused
    skip_to_content(page)
    expect(page.get_by_role("link", name="Sign in to see the forecast")).to_be_focused()


def test_the_local_hosted_ui_has_one_too_in_the_pages_language(page, local_cognito):
    params = urlencode({"response_type": "code", "client_id": local_cognito.clients["web"].client_id,
                        "redirect_uri": CALLBACK, "lang": "fr"})
    page.goto(f"{local_cognito.url}/login?{params}")
    expect(page.get_by_label("E-mail")).to_be_focused()  # autofocus: the link is one Shift+Tab back
    skip_to_content(page, "Aller au contenu principal", key="Shift+Tab")
    expect(page.get_by_label("E-mail")).to_be_focused()
