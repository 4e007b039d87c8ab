"""The weather page through real servers on loopback: local Cognito, the weather API and the web app.

Failures the real API cannot be made to show on demand (slow, malformed, refusing one token) come from the
loopback stand-ins in `weather_doubles.py`; everything else is the real thing.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from jinja2 import ChoiceLoader, DictLoader

from tests.demo.weather_doubles import Gatekeeper, ScriptedApi
from tests.fixtures.weather_api import WeatherApiServer
from tests.fixtures.webapp import close_circuits, sign_in
from tests.servers import HungServer
from webapp.forecast import CITIES, five_day_forecast
from webapp.weather_api.settings import ApiSettings

SVG = "{http://www.w3.org/2000/svg}"
ROW = re.compile(
    r'<tr>\s*<td><time datetime="([0-9-]+)">[^<]+</time></td>\s*<td>([^<]+)</td>\s*'
    r'<td class="num">(-?\d+)</td>\s*<td class="num">(-?\d+)</td>\s*</tr>'
)


def table_rows(html: str) -> list[dict]:
    """The forecast table's rows in the API's JSON shape, to compare with what the API serves."""
    return [{"date": date, "temperatureC": int(c), "temperatureF": int(f), "summary": summary}
            for date, summary, c, f in ROW.findall(html)]


def chart(html: str) -> ET.Element:
    """The page's SVG chart, parsed as XML (so it must be well formed)."""
    match = re.search(r"<svg.*?</svg>", html, re.S)
    assert match, "no SVG chart on the page"
    return ET.fromstring(match.group(0))


def expected_forecast(city: str, fetch) -> tuple[list[dict], object]:
    """What the API serves for `city` today, and `fetch()`'s result (fetched twice if UTC midnight passed)."""
    while True:
        today = datetime.datetime.now(datetime.UTC).date()
        result = fetch()
        if datetime.datetime.now(datetime.UTC).date() == today:
            return five_day_forecast(city, today), result


def signed_in(app_url: str, local_cognito, **kwargs) -> requests.Session:
    http = requests.Session()
    user = local_cognito.demo_user
    sign_in(http, app_url, user.email, user.password, **kwargs)
    return http


def stored_tokens(running, http: requests.Session) -> dict:
    return running.app.extensions["cognito_auth"].store.load(http.cookies["session"])["tokens"]


@pytest.fixture(scope="module")
def weather_app(webapp_factory, weather_api):
    return webapp_factory(weather_api_url=weather_api.url)


@pytest.fixture(scope="module")
def user(weather_app, local_cognito) -> requests.Session:
    """One signed-in browser for the module's tests that do not end their session (signing in takes a while)."""
    return signed_in(weather_app.url, local_cognito)


# --- the page -----------------------------------------------------------------------------------------------


def test_signed_in_user_sees_the_default_citys_table_and_chart(weather_app, user):
    expected, page = expected_forecast("seattle", lambda: user.get(f"{weather_app.url}/weather"))
    assert page.status_code == 200
    assert "<h1>Weather in Seattle</h1>" in page.text
    assert table_rows(page.text) == expected
    svg = chart(page.text)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-wide-title chart-wide-desc"  # a compact one follows, for phones
    assert svg.find(f"{SVG}title").text == "Temperature in Seattle, next 5 days"
    assert "lowest" in svg.find(f"{SVG}desc").text
    assert len(svg.findall(f".//{SVG}circle")) == 5
    point_labels = [t.text for t in svg.findall(f"./{SVG}g[@class='chart-points']/{SVG}text")]
    assert point_labels == [f"{day['temperatureC']} °C" for day in expected]
    assert "Temperature (°C)" in ET.tostring(svg, encoding="unicode")


def test_chart_obeys_the_content_security_policy(weather_app, user):
    page = user.get(f"{weather_app.url}/weather")
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=", page.text, re.I)


def test_city_picker_lists_every_city_and_shows_the_picked_one(weather_app, user):
    expected, page = expected_forecast(
        "tokyo", lambda: user.get(f"{weather_app.url}/weather", params={"city": "tokyo"}))
    assert page.status_code == 200
    assert re.findall(r'<option value="([^"]+)"', page.text) == list(CITIES)
    assert re.findall(r'<option value="([^"]+)" selected>', page.text) == ["tokyo"]
    assert re.search(r'<form class="city-picker" method="get" action="/weather">', page.text)
    assert "<h1>Weather in Tokyo</h1>" in page.text
    assert table_rows(page.text) == expected


@pytest.mark.parametrize("city", ["atlantis", "", "SEATTLE", "<script>alert(1)</script>", "seattle\x00"])
def test_unknown_city_is_a_400_page_with_the_picker(weather_app, user, city):
    page = user.get(f"{weather_app.url}/weather", params={"city": city})
    assert page.status_code == 400
    assert "We have no forecast for that city" in page.text
    assert '<select id="city" name="city">' in page.text
    assert "<script>" not in page.text and not table_rows(page.text)


def test_page_is_never_cached(weather_app, user):
    assert user.get(f"{weather_app.url}/weather").headers["Cache-Control"] == "no-store"
    assert user.get(f"{weather_app.url}/weather?city=nowhere").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("query, next_path", [("", "/weather"), ("?city=tokyo", "/weather?city=tokyo")])
def test_anonymous_visitor_is_sent_to_sign_in_and_back(weather_app, query, next_path):
    response = requests.get(f"{weather_app.url}/weather{query}", allow_redirects=False, timeout=5)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [next_path]


def test_sign_in_from_the_weather_page_lands_on_it(weather_app, local_cognito):
    http = requests.Session()
    user = local_cognito.demo_user
    landing = sign_in(http, weather_app.url, user.email, user.password, next="/weather?city=cairo")
    assert landing.url == f"{weather_app.url}/weather?city=cairo"
    assert "<h1>Weather in Cairo</h1>" in landing.text


def test_api_connections_are_kept_alive_and_reused(webapp_factory, weather_api, local_cognito):
    gate = Gatekeeper(weather_api.url)
    try:
        running = webapp_factory(weather_api_url=gate.url)
        http = signed_in(running.url, local_cognito)
        for city in ("london", "moscow", "london"):
            assert http.get(f"{running.url}/weather", params={"city": city}).status_code == 200
        assert len(gate.visits) == 3
        assert len({visit.client_port for visit in gate.visits}) == 1
    finally:
        gate.stop()


# --- tokens: refresh, 401, 403 ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gatekeeper(weather_api):
    gate = Gatekeeper(weather_api.url)
    yield gate
    gate.stop()


@pytest.fixture(scope="module")
def gated_app(webapp_factory, gatekeeper):
    return webapp_factory(weather_api_url=gatekeeper.url)


def test_refused_token_is_refreshed_once_and_the_call_retried(gated_app, gatekeeper, local_cognito):
    http = signed_in(gated_app.url, local_cognito)
    gatekeeper.reset()
    gatekeeper.refuse_next_token = True
    before = local_cognito.grant_count("refresh_token")
    page = http.get(f"{gated_app.url}/weather")
    assert page.status_code == 200 and table_rows(page.text)
    assert local_cognito.grant_count("refresh_token") == before + 1
    refused, accepted = gatekeeper.visits
    assert (refused.status, accepted.status) == (401, 200)
    assert refused.token_digest != accepted.token_digest
    # The new token is kept: the next visit uses it without another refresh.
    assert http.get(f"{gated_app.url}/weather").status_code == 200
    assert local_cognito.grant_count("refresh_token") == before + 1
    assert gatekeeper.visits[-1].token_digest == accepted.token_digest


def test_token_due_for_refresh_is_refreshed_before_the_call(gated_app, gatekeeper, local_cognito):
    # Signed in with the pool's clock 58 minutes back: the 60-minute token is within the 5-minute refresh margin.
    with local_cognito.clock.moved(-58 * 60):
        http = signed_in(gated_app.url, local_cognito)
    gatekeeper.reset()
    before = local_cognito.grant_count("refresh_token")
    assert http.get(f"{gated_app.url}/weather").status_code == 200
    assert local_cognito.grant_count("refresh_token") == before + 1
    assert [visit.status for visit in gatekeeper.visits] == [200]  # the API only ever saw the fresh token


@pytest.fixture(scope="module")
def distrustful_api(local_cognito):
    """A real weather API that trusts only the machine client, so it refuses every web app token with a 401."""
    env = {**local_cognito.env_for_api(), "WEATHER_API_CLIENT_IDS": local_cognito.clients["machine"].client_id}
    api = WeatherApiServer(ApiSettings.from_env(env))
    yield api
    api.stop()


def test_token_refused_after_a_refresh_ends_the_session_and_asks_to_sign_in(webapp_factory, distrustful_api,
                                                                             local_cognito):
    running = webapp_factory(weather_api_url=distrustful_api.url)
    http = signed_in(running.url, local_cognito)
    before = local_cognito.grant_count("refresh_token")
    refresh_token = stored_tokens(running, http)["refresh_token"]
    page = http.get(f"{running.url}/weather?city=sydney", allow_redirects=False)
    assert page.status_code == 401
    assert "The weather service did not accept your sign-in" in page.text
    assert 'href="/login?next=/weather?city%3Dsydney"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert local_cognito.grant_count("refresh_token") == before + 1  # one forced refresh, no more
    assert http.get(f"{running.url}/profile", allow_redirects=False).status_code == 302  # signed out here
    web = local_cognito.clients["web"]
    reuse = requests.post(f"{local_cognito.url}/oauth2/token", auth=(web.client_id, web.client_secret), timeout=5,
                          data={"grant_type": "refresh_token", "refresh_token": refresh_token})
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"  # revoked at Cognito


def test_token_without_the_api_scope_gets_the_permission_page(webapp_factory, weather_api, local_cognito):
    running = webapp_factory(weather_api_url=weather_api.url, scopes="openid email profile")
    http = signed_in(running.url, local_cognito)
    before = local_cognito.grant_count("refresh_token")
    page = http.get(f"{running.url}/weather")
    assert page.status_code == 403
    assert "weatherapi/read" in page.text and "You cannot see the forecast yet" in page.text
    assert local_cognito.grant_count("refresh_token") == before  # a 403 is not a token problem
    assert http.get(f"{running.url}/profile").status_code == 200  # still signed in


def test_no_token_reaches_a_page_or_a_log(gated_app, gatekeeper, local_cognito, caplog):
    caplog.set_level(logging.DEBUG, logger="webapp")
    caplog.set_level(logging.DEBUG, logger="urllib3")
    http = signed_in(gated_app.url, local_cognito)
    old = stored_tokens(gated_app, http)
    gatekeeper.reset()
    gatekeeper.refuse_next_token = True
    pages = [http.get(f"{gated_app.url}/weather"), http.get(f"{gated_app.url}/weather?city=x")]
    new = stored_tokens(gated_app, http)
    assert new["access_token"] != old["access_token"]
    secrets = {old["access_token"], old["refresh_token"], new["access_token"]}
    for secret in secrets:
        assert secret not in caplog.text
        assert secret.split(".")[-1] not in caplog.text  # not even a JWT's signature
        for page in pages:
            assert secret not in page.text and secret not in str(page.headers)
    assert "refused the access token" in caplog.text  # the log says what happened, without the token


# --- the API down, slow or broken ---------------------------------------------------------------------------


def test_api_stopped_is_a_502_with_retry_and_the_rest_of_the_app_works(webapp_factory, local_cognito):
    api = WeatherApiServer(ApiSettings.from_env(local_cognito.env_for_api()))
    running = webapp_factory(weather_api_url=api.url)
    http = signed_in(running.url, local_cognito)
    assert http.get(f"{running.url}/weather?city=dubai").status_code == 200
    api.stop()
    page = http.get(f"{running.url}/weather?city=dubai")
    assert page.status_code == 502
    assert "Weather service unavailable" in page.text
    assert '<a class="button" href="/weather?city=dubai">Try again</a>' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert http.get(f"{running.url}/").status_code == 200
    assert http.get(f"{running.url}/profile").status_code == 200
    assert http.get(f"{running.url}/healthz").status_code == 200


@pytest.fixture(scope="module")
def scripted_api():
    api = ScriptedApi()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def scripted_app(webapp_factory, scripted_api):
    # A short timeout makes "slow" quick to test; it also bounds the sign-in's calls to the local Cognito.
    return webapp_factory(weather_api_url=scripted_api.url, http_timeout=1.0)


@pytest.fixture(scope="module")
def scripted_session(scripted_app, local_cognito) -> requests.Session:
    return signed_in(scripted_app.url, local_cognito)


@pytest.fixture
def scripted_user(scripted_app, scripted_api, scripted_session):
    close_circuits(scripted_app.app)
    scripted_api.reset()
    yield scripted_session
    scripted_api.reset()


GOOD_DAY = '{"date": "2030-01-02", "temperatureC": 3, "temperatureF": 37, "summary": "Chilly"}'


def test_scripted_api_answer_is_rendered(scripted_app, scripted_api, scripted_user):
    """The baseline for the cases below: the stand-in's well-formed answer makes a normal page."""
    scripted_api.answer(200, f"[{GOOD_DAY}]")
    page = scripted_user.get(f"{scripted_app.url}/weather")
    assert page.status_code == 200
    assert table_rows(page.text) == [{"date": "2030-01-02", "temperatureC": 3, "temperatureF": 37,
                                      "summary": "Chilly"}]


def test_a_new_forecast_for_the_same_city_is_drawn_anew(scripted_app, scripted_api, scripted_user):
    """The chart and table are drawn once per forecast and reused: another answer for the same city, as the next
    day brings, is drawn from that answer, never from the one before."""
    for celsius, fahrenheit in ((3, 37), (11, 51)):
        day = {"date": "2030-01-02", "temperatureC": celsius, "temperatureF": fahrenheit, "summary": "Chilly"}
        scripted_api.answer(200, json.dumps([day]))
        page = scripted_user.get(f"{scripted_app.url}/weather")
        assert table_rows(page.text) == [day]
        assert [t.text for t in chart(page.text).findall(f"./{SVG}g[@class='chart-points']/{SVG}text")] == \
            [f"{celsius} °C"]


def test_an_edited_forecast_template_shows_on_the_next_page_in_debug_mode(webapp_factory, weather_api, local_cognito):
    """In debug mode (`flask run --debug`, or `app.debug` set after the factory, as `app.run(debug=True)` does)
    templates reload when edited; the forecast drawn once must not hide the edit."""
    running = webapp_factory(weather_api_url=weather_api.url)
    running.app.debug = True
    environment = running.app.jinja_env
    source = environment.loader.get_source(environment, "weather/_forecast.html")[0]
    edits = {"weather/_forecast.html": source}
    environment.loader = ChoiceLoader([DictLoader(edits), environment.loader])
    http = signed_in(running.url, local_cognito)
    assert "<svg" in http.get(f"{running.url}/weather").text
    edits["weather/_forecast.html"] = source + "<p>edited</p>"
    assert "<p>edited</p>" in http.get(f"{running.url}/weather").text


def test_cookies_the_api_sets_are_never_sent_back(scripted_app, scripted_api, scripted_user):
    """One client serves every signed-in user: a cookie from one user's answer must not ride on the next call."""
    scripted_api.answer(200, f"[{GOOD_DAY}]")
    scripted_api.set_cookie = "affinity=first-caller; Path=/"
    for _ in range(2):
        assert scripted_user.get(f"{scripted_app.url}/weather").status_code == 200
    assert scripted_api.cookies_received == [None, None]


@pytest.mark.parametrize("stall", ["before_headers", "mid_body", "trickle"])
def test_slow_api_is_a_504_with_retry(scripted_app, scripted_api, scripted_user, stall):
    scripted_api.answer(200, f"[{GOOD_DAY}, {GOOD_DAY}]")
    scripted_api.stall = stall
    page = scripted_user.get(f"{scripted_app.url}/weather?city=mumbai")
    assert page.status_code == 504
    assert not scripted_api.trickled_whole  # the page gave up at its deadline, not after the last byte
    assert "The weather service is taking too long to answer" in page.text
    assert '<a class="button" href="/weather?city=mumbai">Try again</a>' in page.text
    assert scripted_user.get(f"{scripted_app.url}/profile").status_code == 200


@pytest.mark.parametrize("status, body, content_type", [
    (200, "not json", "application/json"),
    (200, "<html><body>Gateway says hi</body></html>", "text/html"),
    (200, "{}", "application/json"),
    (200, "[]", "application/json"),
    (200, "[1, 2]", "application/json"),
    (200, "[" * 50000, "application/json"),
    (200, f"[{GOOD_DAY}]".replace('"Chilly"', "null"), "application/json"),
    (200, f"[{GOOD_DAY}]".replace('"2030-01-02"', '"tomorrow"'), "application/json"),
    (200, f"[{GOOD_DAY}]".replace('"2030-01-02"', '"2030-02-30"'), "application/json"),
    (200, f"[{GOOD_DAY}]".replace("3,", "3.5,"), "application/json"),
    (200, f"[{GOOD_DAY}]".replace("3,", "true,"), "application/json"),
    (200, f"[{GOOD_DAY}]".replace("3,", "1e308,"), "application/json"),
    (200, f"[{GOOD_DAY}]".replace("Chilly", "C" * 500), "application/json"),
    (200, "[" + ", ".join([GOOD_DAY] * 17) + "]", "application/json"),
    (200, '[{"pad": "' + "x" * 70000 + '"}]', "application/json"),
    (200, b"\xff\xfe[]", "application/json"),
    (500, '{"error": "server_error"}', "application/json"),
    (503, '{"error": "temporarily_unavailable"}', "application/json"),
    (404, "Not Found", "text/plain"),
    (302, "", "text/plain"),
])
def test_unusable_answer_is_a_502_never_a_500(scripted_app, scripted_api, scripted_user, status, body,
                                              content_type):
    scripted_api.answer(status, body, content_type)
    page = scripted_user.get(f"{scripted_app.url}/weather", allow_redirects=False)
    assert page.status_code == 502
    assert "Weather service unavailable" in page.text and "Try again" in page.text
    assert "Traceback" not in page.text


def test_a_hung_api_costs_three_pages_their_timeout_then_answers_at_once(webapp_factory, local_cognito):
    hung = HungServer()
    try:
        running = webapp_factory(weather_api_url=hung.url, http_timeout=0.5)
        http = signed_in(running.url, local_cognito)
        pages = [http.get(f"{running.url}/weather") for _ in range(5)]
        assert [page.status_code for page in pages] == [504, 504, 504, 502, 502]
        assert "Weather service unavailable" in pages[-1].text
        assert len(hung.connections) == 3  # the last two pages did not wait on it
        assert http.get(f"{running.url}/profile").status_code == 200  # the rest of the app is unaffected
        running.clock.offset += 11  # past the pause: one trial call
        assert http.get(f"{running.url}/weather").status_code == 504 and len(hung.connections) == 4
    finally:
        hung.stop()
