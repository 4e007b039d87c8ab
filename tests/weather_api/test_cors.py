"""CORS for single-page apps that call the API from a browser (WEATHER_API_CORS_ORIGINS), through a real server.

A browser sends a preflight (OPTIONS, no token) before a cross-origin GET with an Authorization header, and lets
the page read an answer only when it names the page's origin in `Access-Control-Allow-Origin`.
"""

from __future__ import annotations

import pytest

SPA = "https://spa.example.com"
OTHER_SPA = "http://localhost:3000"
PREFLIGHT = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}


@pytest.fixture
def cors_api(make_api):
    return make_api(cors_origins=(SPA, OTHER_SPA))


def preflight(api, origin: str, **headers: str):
    return api.session.options(api.url + "/weatherforecast", headers={"Origin": origin, **PREFLIGHT, **headers},
                               timeout=10)


@pytest.mark.parametrize("origin", [SPA, OTHER_SPA])
def test_a_preflight_from_an_allowed_origin_is_answered_without_a_token(cors_api, idp, origin):
    response = preflight(cors_api, origin)
    assert response.status_code == 200, response.text
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")} == {"GET", "OPTIONS"}
    assert response.headers["Access-Control-Allow-Headers"].lower() == "authorization"
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert "Origin" in response.headers["Vary"]
    assert "WWW-Authenticate" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers  # bearer tokens, never cookies


def test_the_forecast_and_its_errors_are_readable_by_an_allowed_origin(cors_api, idp):
    answer = cors_api.get(token=idp.access_token(), headers={"Origin": SPA})
    refusal = cors_api.get(token=idp.access_token(scope="openid"), headers={"Origin": SPA})
    assert (answer.status_code, refusal.status_code) == (200, 403)
    for response in (answer, refusal):
        assert response.headers["Access-Control-Allow-Origin"] == SPA
        assert response.headers["Access-Control-Expose-Headers"] == "WWW-Authenticate"
        assert response.headers["Vary"] == "Origin"


@pytest.mark.parametrize("origin", ["https://evil.example", "https://spa.example.com.evil.example",
                                    "http://spa.example.com", "https://spa.example.com:8443", "null"])
def test_other_origins_get_no_cors_headers(cors_api, idp, origin):
    for response in (preflight(cors_api, origin), cors_api.get(token=idp.access_token(), headers={"Origin": origin})):
        assert not [name for name in response.headers if name.lower().startswith("access-control-")]
        assert response.headers["Vary"] == "Origin"


def test_a_request_without_origin_gets_no_cors_headers(cors_api, idp):
    """Not the list of allowed origins (flask-cors's default would send it), which no caller needs."""
    response = cors_api.get(token=idp.access_token())
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_without_the_setting_no_origin_is_allowed(make_api, idp):
    api = make_api()
    for response in (preflight(api, SPA), api.get(token=idp.access_token(), headers={"Origin": SPA})):
        assert not [name for name in response.headers if name.lower().startswith("access-control-")]
