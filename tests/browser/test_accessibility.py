"""axe-core in Chromium on every page a person meets: the demo signed out and signed in (its error pages too), the
sign-in extension's own layout, and the local Hosted UI. A serious or critical violation fails the test; the
others are printed for the record (`-s` shows them)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from tests.local_cognito.accounts_support import (
    PASSWORD,
    cognito_idp,
    confirmed_user,
    new_email,
    with_totp,
)
from tests.local_cognito.conftest import mfa_on_pool  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
CALLBACK = "http://localhost:5000/callback"  # the web client's registered callback: only the request is awaited


@pytest.fixture(scope="module")
def weather_app(webapp_factory, weather_api):
    return webapp_factory(weather_api_url=weather_api.url)


def check(axe, page: Page, name: str) -> None:
    expect(page.locator("main")).to_be_visible()
    others = axe.assert_no_serious_violations(page)
    print(f"\naxe {name}: {len(others)} moderate or minor", *(f"\n  {v}" for v in others))


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("device", VIEWPORTS)
def test_the_demo_signed_out(page, axe, weather_app, device):
    page.set_viewport_size(VIEWPORTS[device])
    page.goto(weather_app.url)
    check(axe, page, "home, signed out")
    page.goto(f"{weather_app.url}/no-such-page")
    check(axe, page, "404, signed out")
    page.goto(f"{weather_app.url}/callback?code=x&state=y")  # no sign-in under way: the extension's error page
    expect(page.get_by_role("link", name="Sign in again")).to_be_visible()
    check(axe, page, "sign-in error")
    page.goto(f"{weather_app.url}/signed-out")
    check(axe, page, "signed out")


@pytest.mark.parametrize("device", VIEWPORTS)
def test_the_demo_signed_in(page, axe, weather_app, local_cognito, device):
    page.set_viewport_size(VIEWPORTS[device])
    email = confirmed_user(local_cognito, "axe")
    page.goto(weather_app.url)
    page.get_by_role("link", name="Sign in", exact=True).click()
    check(axe, page, "Hosted UI sign-in")
    sign_in(page, email)
    expect(page.get_by_text(f"Hello, {email}")).to_be_attached()
    check(axe, page, "home, signed in")
    page.goto(f"{weather_app.url}/weather")
    check(axe, page, "weather")
    page.goto(f"{weather_app.url}/profile")
    check(axe, page, "profile")
    page.get_by_role("link", name="Manage two-step sign-in").click()
    check(axe, page, "two-step sign-in")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Turn on two-step sign-in")
    check(axe, page, "two-step setup")
    page.get_by_label("6-digit code").fill("12")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check(axe, page, "two-step setup, wrong code")
    page.goto(f"{weather_app.url}/no-such-page")
    check(axe, page, "404, signed in")


def test_the_extensions_own_layout(page, axe, example_app):
    page.goto(f"{example_app.url}/signed-out")
    check(axe, page, "extension layout: signed out")
    page.goto(f"{example_app.url}/callback?code=x&state=y")
    check(axe, page, "extension layout: sign-in error")


def hosted_ui(pool, path: str, **extra) -> str:
    params = {"response_type": "code", "client_id": pool.clients["web"].client_id, "redirect_uri": CALLBACK,
              "scope": "openid email", "state": "axe-state", **extra}
    return f"{pool.url}{path}?{urlencode(params)}"


def test_the_local_hosted_ui(page, axe, local_cognito):
    page.goto(hosted_ui(local_cognito, "/login"))
    check(axe, page, "local: sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check(axe, page, "local: sign-in with errors")
    page.goto(hosted_ui(local_cognito, "/signup"))
    check(axe, page, "local: sign-up")
    page.get_by_label("Email").fill(new_email("axe-signup"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/confirm?**")
    check(axe, page, "local: confirm account")
    page.goto(hosted_ui(local_cognito, "/resendcode"))
    check(axe, page, "local: resend code")
    page.goto(hosted_ui(local_cognito, "/forgotPassword"))
    check(axe, page, "local: forgot password")
    page.goto(hosted_ui(local_cognito, "/confirmForgotPassword"))
    check(axe, page, "local: reset password")
    page.goto(f"{local_cognito.url}/oauth2/authorize?client_id=nobody")
    check(axe, page, "local: error page")
    page.goto(f"{local_cognito.url}/_dev/outbox")
    check(axe, page, "local: development outbox")


def test_the_local_hosted_ui_authenticator_steps(page, axe, local_cognito, mfa_on_pool):  # noqa: F811
    email = confirmed_user(local_cognito, "axe-totp")
    with_totp(local_cognito, cognito_idp(local_cognito), local_cognito.clients["cli"].client_id, email)
    page.goto(hosted_ui(local_cognito, "/login"))
    sign_in(page, email)
    page.wait_for_url(f"{local_cognito.url}/mfa?**")
    check(axe, page, "local: MFA code")

    page.goto(hosted_ui(mfa_on_pool, "/login"))
    sign_in(page, confirmed_user(mfa_on_pool, "axe-setup"))
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    check(axe, page, "local: MFA setup")
