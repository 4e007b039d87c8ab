"""The local Cognito's authenticator steps in real Chromium: the code page after the password (a user with TOTP on)
and, in a pool with MFA ON, the setup page with the secret and its QR code; pyotp plays the authenticator app."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.local_cognito.accounts_support import PASSWORD, cognito_idp, confirmed_user, totp_code, with_totp
from tests.local_cognito.conftest import mfa_on_pool  # noqa: F401 (a fixture)

CALLBACK = "http://localhost:5000/callback"  # the web client's registered callback: only the request is awaited

pytestmark = pytest.mark.browser


def open_sign_in(page, pool, state: str) -> None:
    params = {"response_type": "code", "client_id": pool.clients["web"].client_id, "redirect_uri": CALLBACK,
              "scope": "openid email", "state": state}
    page.goto(f"{pool.url}/login?{urlencode(params)}")


def enter_password(page, email: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_a_user_with_totp_on_enters_a_code_after_the_password(page, local_cognito):
    email = confirmed_user(local_cognito, "browser-totp")
    secret, _ = with_totp(local_cognito, cognito_idp(local_cognito), local_cognito.clients["cli"].client_id, email)
    open_sign_in(page, local_cognito, "totp-state")
    enter_password(page, email)
    page.wait_for_url(f"{local_cognito.url}/mfa?**")
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()

    wrong = f"{(int(totp_code(local_cognito, secret, 1)) + 1) % 10**6:06d}"
    page.get_by_label("Code").fill(wrong)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#code-error")).to_have_text("Invalid code received for user")
    expect(page.locator("#code")).to_be_focused()

    page.get_by_label("Code").fill(totp_code(local_cognito, secret, 1))
    with page.expect_request(lambda request: request.url.startswith(f"{CALLBACK}?")) as back_at_the_client:
        page.get_by_role("button", name="Sign in").click()
    assert "code=" in back_at_the_client.value.url and "state=totp-state" in back_at_the_client.value.url


def test_mfa_on_shows_the_secret_and_its_qr_code_and_asks_for_a_first_code(page, mfa_on_pool):  # noqa: F811
    email = confirmed_user(mfa_on_pool, "browser-setup")
    open_sign_in(page, mfa_on_pool, "setup-state")
    enter_password(page, email)
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    qr_code = page.get_by_role("img", name="QR code of the secret key for your authenticator app")
    assert qr_code.get_attribute("src").startswith("data:image/svg+xml")
    assert qr_code.evaluate("image => image.naturalWidth") > 0  # the CSP let the browser draw it
    secret = page.locator("#secret-key").inner_text()
    assert len(secret) == 32

    page.get_by_label("Code").fill(totp_code(mfa_on_pool, secret))
    with page.expect_request(lambda request: request.url.startswith(f"{CALLBACK}?")) as back_at_the_client:
        page.get_by_role("button", name="Verify and sign in").click()
    assert "code=" in back_at_the_client.value.url and "state=setup-state" in back_at_the_client.value.url
    user = cognito_idp(mfa_on_pool).admin_get_user(UserPoolId=mfa_on_pool.pool_id, Username=email)
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
