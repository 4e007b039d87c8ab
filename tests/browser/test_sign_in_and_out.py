"""A person with Chromium: home -> Sign in -> the Hosted UI -> back signed in -> profile -> Sign out."""

from __future__ import annotations

import re
import uuid

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


def sign_in_at_the_hosted_ui(page, webapp, local_cognito, email: str, password: str) -> None:
    page.goto(webapp.url + "/profile")
    expect(page).to_have_url(re.compile(re.escape(local_cognito.url) + "/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()


def test_after_sign_out_everywhere_the_other_browser_asks_for_the_password(chromium, webapp, local_cognito):
    """Browser A keeps its Hosted UI session cookie (Cognito's GlobalSignOut does not end it), yet reloading its
    profile after browser B signed out everywhere shows the password form, not the profile."""
    email, password = f"everywhere-{uuid.uuid4().hex[:8]}@example.com", "Correct-Horse-9!"
    local_cognito.create_user(email, password)
    a, b = chromium.new_context().new_page(), chromium.new_context().new_page()
    try:
        sign_in_at_the_hosted_ui(a, webapp, local_cognito, email, password)
        sign_in_at_the_hosted_ui(b, webapp, local_cognito, email, password)
        expect(b.get_by_text("every browser will ask for your password again")).to_be_visible()
        b.get_by_role("button", name="Sign out everywhere").click()
        expect(b).to_have_url(webapp.url + "/signed-out")

        a.reload()
        expect(a).to_have_url(re.compile(re.escape(local_cognito.url) + "/login"))
        expect(a.get_by_label("Password")).to_be_visible()
        expect(a.get_by_label("Password")).to_be_empty()
        a.get_by_label("Email").fill(email)
        a.get_by_label("Password").fill(password)
        a.get_by_role("button", name="Sign in").click()
        expect(a.get_by_role("heading", name="Your profile")).to_be_visible()  # and the password signs in again
    finally:
        a.context.close()
        b.context.close()
