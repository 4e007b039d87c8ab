"""A person with Chromium: home -> Sign in -> the Hosted UI -> back signed in -> profile -> Sign out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_sign_in_profile_and_sign_out(page, webapp, local_cognito):
    user = local_cognito.demo_user
    console_errors = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)

    page.goto(webapp.url)
    page.get_by_role("link", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(local_cognito.url) + "/login"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(webapp.url + "/")
    expect(page.get_by_text(f"Hello, {user.email}")).to_be_visible()
    session_cookie = next(c for c in page.context.cookies() if c["name"] == "session")
    assert session_cookie["httpOnly"] and session_cookie["sameSite"] == "Lax"

    page.get_by_role("link", name="Profile").click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    expect(page.get_by_text(user.email).first).to_be_visible()

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(webapp.url + "/signed-out")
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
    assert not any(c["name"] == "session" for c in page.context.cookies())

    page.goto(webapp.url + "/profile")
    expect(page).to_have_url(re.compile(re.escape(local_cognito.url) + "/login"))
    # The CSP allows no inline script or style: a page breaking it would log a console error.
    assert console_errors == []
