"""A person with Chromium in the README's example app: Sign in -> the Hosted UI -> back signed in -> the forecast
as JSON -> Sign out."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_sign_in_forecast_and_sign_out(page, example_app, local_cognito):
    user = local_cognito.demo_user
    page.goto(example_app.url)
    page.get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(local_cognito.url) + "/login"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_text(f"Signed in as {user.email}")).to_be_visible()
    page.get_by_role("link", name="Forecast").click()
    expect(page).to_have_url(example_app.url + "/forecast")
    assert len(json.loads(page.locator("body").inner_text())) == 5

    page.goto(example_app.url)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(example_app.url + "/signed-out")
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
