"""The local Cognito's sign-up pages in real Chromium, with the keyboard only: focus starts in the right field,
Tab moves on, Enter submits, and an error takes focus back to the field it is about."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.local_cognito.accounts_support import PASSWORD, latest_code, new_email

CALLBACK = "http://localhost:5000/callback"  # the web client's registered callback: only the request is awaited

pytestmark = pytest.mark.browser


def test_sign_up_and_confirm_with_the_keyboard_alone(page, local_cognito):
    params = {"response_type": "code", "client_id": local_cognito.clients["web"].client_id,
              "redirect_uri": CALLBACK, "scope": "openid email", "state": "kb-state"}
    page.goto(f"{local_cognito.url}/login?{urlencode(params)}")
    page.get_by_role("link", name="Sign up").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/signup?**")

    email = new_email("keyboard")
    expect(page.locator("#username")).to_be_focused()  # autofocus lands after load: expect() waits for it
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type("weak")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#password")).to_be_focused()  # the field with the error
    expect(page.get_by_role("alert")).to_be_visible()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/confirm?**")

    expect(page.locator("#code")).to_be_focused()  # the email is already filled in
    page.keyboard.type(latest_code(local_cognito, email))
    with page.expect_request(lambda request: request.url.startswith(f"{CALLBACK}?")) as back_at_the_client:
        page.keyboard.press("Enter")
    assert "code=" in back_at_the_client.value.url and "state=kb-state" in back_at_the_client.value.url
