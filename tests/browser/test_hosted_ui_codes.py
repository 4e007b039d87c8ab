"""The local Hosted UI's pages that wait for an emailed code, in Chromium: the development outbox is one click
away (in a new tab, so the form keeps what was typed), and after a password reset the sign-in page says so, with
the email filled in."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from tests.local_cognito.accounts_support import PASSWORD, new_email

CALLBACK = "http://localhost:5000/callback"  # the web client's registered callback: only the request is awaited
NEW_PASSWORD = "Another-Passw0rd!"

pytestmark = pytest.mark.browser


def open_page(page: Page, pool, path: str, **extra: str) -> None:
    params = {"response_type": "code", "client_id": pool.clients["web"].client_id, "redirect_uri": CALLBACK,
              "scope": "openid email", "state": "codes-state", **extra}
    page.goto(f"{pool.url}{path}?{urlencode(params)}")


def code_from_the_outbox(page: Page, email: str, subject: str) -> str:
    """Follow the page's outbox link to its new tab, read `email`'s newest `subject` there, close the tab."""
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="development outbox").click()
    outbox = opened.value
    message = outbox.get_by_role("article").filter(has_text=f"To {email}").filter(has_text=subject).first
    code = message.locator(".message-body").inner_text().rstrip(".").split()[-1]
    outbox.close()
    assert code.isdigit() and len(code) == 6
    return code


def test_sign_up_and_confirm_with_the_code_from_the_outbox(page, local_cognito):
    email = new_email("outbox-link")
    open_page(page, local_cognito, "/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/confirm?**")

    page.get_by_label("Verification code").fill(code_from_the_outbox(page, email, "Your verification code"))
    with page.expect_request(lambda request: request.url.startswith(f"{CALLBACK}?")) as back_at_the_client:
        page.get_by_role("button", name="Confirm account").click()
    assert "code=" in back_at_the_client.value.url


def test_after_a_password_reset_the_sign_in_page_says_so_with_the_email_filled_in(page, local_cognito):
    email = new_email("reset-feedback")
    local_cognito.create_user(email, PASSWORD)
    open_page(page, local_cognito, "/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Reset my password").click()
    page.wait_for_url("**/confirmForgotPassword?**")

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)  # typed first: the new tab must not lose it
    page.get_by_label("Enter new password again").fill(NEW_PASSWORD)
    page.get_by_label("Verification code").fill(code_from_the_outbox(page, email, "Your password reset code"))
    page.get_by_role("button", name="Change password").click()

    page.wait_for_url("**/login?**")
    expect(page.get_by_role("status")).to_have_text("Your password was changed. Sign in with the new one.")
    expect(page.get_by_label("Email")).to_have_value(email)
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(NEW_PASSWORD)
    with page.expect_request(lambda request: request.url.startswith(f"{CALLBACK}?")) as back_at_the_client:
        page.keyboard.press("Enter")
    assert "code=" in back_at_the_client.value.url and "state=codes-state" in back_at_the_client.value.url

    again = page.context.new_page()  # this one is still on its way to the (absent) client
    open_page(again, local_cognito, "/login", prompt="login")  # said once, not on every later visit
    expect(again.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(again.get_by_role("status")).to_have_count(0)
