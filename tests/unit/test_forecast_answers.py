"""How the weather API's answers are read, without servers: the forecast reader (shared by the page and the CLI),
the 403 challenge's scope, the bearer credentials.

The readers against real and misbehaving servers are tested in tests/demo/test_weather_page.py and tests/client.
"""

from __future__ import annotations

import datetime
import json

import pytest
from authlib.integrations.requests_client import OAuth2Auth
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.demo.weather import required_scope
from webapp.forecast import DayForecast, parse_forecast

DAY = {"date": "2030-01-07", "temperatureC": -3, "temperatureF": 27, "summary": "Bracing"}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["date", "temperatureC", "temperatureF", "summary", "other"]), children, max_size=5),
    max_leaves=20,
)


def test_a_forecast_parses_to_days():
    assert parse_forecast(json.dumps([DAY]).encode()) == [
        DayForecast(datetime.date(2030, 1, 7), -3, 27, "Bracing")]


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_is_days_or_a_value_error_never_another_error(value):
    try:
        days = parse_forecast(json.dumps(value).encode())
    except ValueError:
        pass
    else:
        assert days and all(isinstance(day, DayForecast) for day in days)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_are_days_or_a_value_error(body):
    try:
        parse_forecast(body)
    except ValueError:
        pass


@pytest.mark.parametrize("challenge, scope", [
    ('Bearer realm="weatherapi", error="insufficient_scope", scope="weatherapi/read"', "weatherapi/read"),
    ('Bearer error="insufficient_scope", scope="forecasts:read"', "forecasts:read"),
    ('Bearer error="insufficient_scope"', "weatherapi/read"),
    ("", "weatherapi/read"),
    ('Basic realm="x", scope="admin"', "weatherapi/read"),
    ('Bearer scope="two scopes"', "weatherapi/read"),
    ('Bearer scope="' + "s" * 200 + '"', "weatherapi/read"),
    ('Bearer scope="a\\"b"', "weatherapi/read"),
    ("Bearer ,,,===", "weatherapi/read"),
])
def test_required_scope_comes_from_the_challenge_when_it_is_one_plain_scope(challenge, scope):
    assert required_scope(challenge) == scope


def test_bearer_auth_never_shows_its_token():
    assert "secret-token" not in repr(OAuth2Auth({"access_token": "secret-token"}))
