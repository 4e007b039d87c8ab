"""A person in Chromium: sign in through the Hosted UI, read the forecast and its chart, pick a city, sign out.
(The README's screenshots come from test_layout.py.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
# A laptop-sized window.
VIEWPORT = {"width": 1024, "height": 900}


@pytest.fixture(scope="module")
def weather_app(webapp_factory, weather_api):
    return webapp_factory(weather_api_url=weather_api.url)


def sign_in_through_hosted_ui(page: Page, app_url: str, email: str, password: str) -> None:
    page.goto(app_url)
    page.get_by_role("link", name="Sign in", exact=True).click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Hello, {email}")).to_be_visible()
    page.wait_for_load_state("load")  # the text shows before the stylesheet arrives: layouts are measured after it


def test_sign_in_see_the_forecast_pick_a_city_and_sign_out(page: Page, weather_app, local_cognito):
    page.set_viewport_size(VIEWPORT)
    user = local_cognito.demo_user
    console_errors = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    sign_in_through_hosted_ui(page, weather_app.url, user.email, user.password)

    page.get_by_role("link", name="Weather", exact=True).click()
    expect(page).to_have_url(f"{weather_app.url}/weather")
    page.wait_for_load_state("load")  # one chart is hidden by the stylesheet: look once it is applied
    expect(page.get_by_role("heading", level=1)).to_have_text("Weather in Seattle")
    table = page.get_by_role("table")
    expect(table.get_by_role("columnheader")).to_have_text(["Date", "Summary", "°C", "°F"])
    expect(table.locator("tbody tr")).to_have_count(5)
    chart = page.get_by_role("img", name="Temperature in Seattle, next 5 days")
    expect(chart).to_be_visible()
    expect(chart.locator("circle")).to_have_count(5)
    assert chart.bounding_box()["width"] > 300  # drawn at a readable size, styled by the stylesheet

    page.get_by_label("City").select_option(label="Tokyo")
    page.get_by_role("button", name="Show forecast").click()
    expect(page).to_have_url(f"{weather_app.url}/weather?city=tokyo")
    page.wait_for_load_state("load")  # one chart is hidden by the stylesheet: look once it is applied
    expect(page.get_by_role("heading", level=1)).to_have_text("Weather in Tokyo")
    expect(page.get_by_role("img", name="Temperature in Tokyo, next 5 days")).to_be_visible()
    expect(page.get_by_label("City")).to_have_value("tokyo")

    # The CSP allows no inline script or style: a chart breaking it would have logged a console error.
    assert console_errors == []

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(f"{weather_app.url}/signed-out")
    expect(page.get_by_role("heading", level=1)).to_contain_text("signed out")
    page.goto(f"{weather_app.url}/weather")
    expect(page).to_have_url(re.compile(re.escape(local_cognito.url) + "/login"))  # signed out: sign in again
