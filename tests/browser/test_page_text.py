"""What the demo's pages say, signed out and signed in: the home page's invitation fits who reads it, the footer
says "Signed in" only to someone who is, and the profile does not show the user id twice."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_weather_flow import sign_in_through_hosted_ui

pytestmark = pytest.mark.browser
SIGNED_IN_FOOTER = "Signed in through Amazon Cognito's Hosted UI"


def test_signed_out_pages_do_not_say_signed_in(page, webapp):
    for path in ("/", "/no-such-page", "/signed-out"):
        page.goto(webapp.url + path)
        footer = page.get_by_role("contentinfo")
        expect(footer).to_contain_text("Amazon Cognito's Hosted UI")
        expect(footer).not_to_contain_text(SIGNED_IN_FOOTER)
    page.goto(webapp.url)
    expect(page.get_by_role("main")).to_contain_text("Sign in with your Cognito account")


def test_signed_in_pages_say_who_and_show_each_fact_once(page, webapp, local_cognito):
    user = local_cognito.demo_user
    sign_in_through_hosted_ui(page, webapp.url, user.email, user.password)
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"You are signed in as {user.email}.")
    expect(main).not_to_contain_text("Sign in")
    expect(page.get_by_role("contentinfo")).to_contain_text(SIGNED_IN_FOOTER)

    page.get_by_role("link", name="Profile").click()
    facts = page.locator("#who ~ dl dt")
    # The pool signs in by email, so Cognito's username is the user id: shown once, as the user id.
    expect(facts).to_have_text(["Email", "Groups", "User id"])
    sub = page.locator("#who ~ dl code").inner_text()
    expect(page.get_by_role("main")).to_contain_text(sub)
    assert page.get_by_role("main").inner_text().count(sub) == 1
