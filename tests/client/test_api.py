"""The API call against a scripted server: how answers, good and bad, are read."""

from __future__ import annotations

import json

import pytest

from tests.servers import free_port
from webapp.client.api import WeatherApi
from webapp.client.errors import ApiError, InsufficientScopeError, InvalidTokenError, UnreachableError
from webapp.forecast import DayForecast

DAY = {"date": "2026-01-02", "temperatureC": 5, "temperatureF": 40, "summary": "Chilly"}


def api(server) -> WeatherApi:
    return WeatherApi(server.url, timeout=5)


def test_the_token_goes_in_the_header_and_the_city_in_the_query(scripted):
    scripted.answer(json.dumps([DAY]))
    assert api(scripted).forecast("tok.en", "london") == [DayForecast.from_json(DAY)]
    (sent,) = scripted.requests
    assert sent["path"] == "/weatherforecast" and sent["args"] == {"city": "london"}
    assert sent["headers"]["Authorization"] == "Bearer tok.en"


def test_no_city_leaves_the_choice_to_the_api(scripted):
    scripted.answer(json.dumps([{**DAY, "extra": "ignored"}]))
    assert api(scripted).forecast("t") == [DayForecast.from_json(DAY)]
    assert scripted.requests[0]["args"] == {}


@pytest.mark.parametrize(
    "body",
    ['{"date": 1}', "[1]", '[{"date": "d", "temperatureC": "5", "temperatureF": 40, "summary": "x"}]',
     '[{"date": "d", "temperatureC": true, "temperatureF": 40, "summary": "x"}]', "<html>", "[" * 100_000],
)
def test_anything_but_a_forecast_is_refused(scripted, body):
    scripted.answer(body)
    with pytest.raises(UnreachableError, match="not a forecast"):
        api(scripted).forecast("t")


def test_insufficient_scope_names_the_scope_from_the_challenge(scripted):
    scripted.answer('{"error": "insufficient_scope"}', 403, {
        "WWW-Authenticate": 'Bearer realm="weatherapi", error="insufficient_scope", scope="weatherapi/read"'})
    with pytest.raises(InsufficientScopeError, match="lacks the scope weatherapi/read") as excinfo:
        api(scripted).forecast("t")
    assert excinfo.value.status == 403


def test_invalid_token_from_the_challenge_alone(scripted):
    scripted.answer("", 401, {"WWW-Authenticate": 'Bearer realm="weatherapi", error="invalid_token"'},
                    mimetype="text/plain")
    with pytest.raises(InvalidTokenError, match="WEATHER_API_CLIENT_IDS"):
        api(scripted).forecast("t")


def test_unknown_city_lists_the_cities(scripted):
    scripted.answer('{"error": "invalid_city", "cities": ["london", "seattle"]}', 400)
    with pytest.raises(ApiError, match=r"^Unknown city. Choose one of: london, seattle.$"):
        api(scripted).forecast("t", "atlantis")


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (503, '{"error": "temporarily_unavailable"}', "cannot check tokens right now"),
        (502, "<html>Bad gateway</html>", r"HTTP 502 \(http_502\)"),
        (500, '{"error": "server_error", "error_description": "Oops\\u001b[2J"}',
         r"HTTP 500 \(server_error\): Oops\[2J"),
        (302, "", r"HTTP 302"),  # redirects are not followed: the token stays where we sent it
    ],
)
def test_other_errors(scripted, status, body, message):
    scripted.answer(body, status, {"Location": "http://127.0.0.1:1/"} if status == 302 else None)
    with pytest.raises(ApiError, match=message):
        api(scripted).forecast("t")
    assert len(scripted.requests) == 1


def test_an_unreachable_api():
    with pytest.raises(UnreachableError, match="Cannot reach the weather API"):
        WeatherApi(f"http://127.0.0.1:{free_port()}", timeout=2).forecast("t")


@pytest.mark.parametrize(("status", "message", "challenge", "error"), [
    # AWS's troubleshooting page for HTTP API JWT authorizers shows this 401, word for word.
    (401, "Unauthorized", 'Bearer scope="" error="invalid_token" error_description="the token does not have a valid '
                          'audience"', InvalidTokenError),
    # The 403 for a token without the route's scope, in the same form.
    (403, "Forbidden", 'Bearer scope="weatherapi/read" error="insufficient_scope" error_description="token does not '
                       'have required scopes"', InsufficientScopeError),
])
def test_the_api_gateways_own_refusals_are_understood(scripted, status, message, challenge, error):
    """Behind API Gateway, the authorizer answers before the API does: the CLI still renews a refused token and
    explains a missing scope."""
    scripted.answer(json.dumps({"message": message}), status, {"www-authenticate": challenge})
    with pytest.raises(error) as excinfo:
        api(scripted).forecast("t")
    assert excinfo.value.status == status and '"' not in str(excinfo.value)
    assert "a scope a scope" not in str(excinfo.value) and "scope a scope" not in str(excinfo.value)
