"""The forecast, the OpenAPI document and the health check as a caller sees them."""

from __future__ import annotations

import datetime
import time

import pytest
from prometheus_client import REGISTRY

from webapp.forecast import CITIES, five_day_forecast


def test_forecast_for_the_five_days_after_today(api, idp):
    days = api.get(token=idp.access_token()).json()
    tomorrow = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=1)
    assert days[0]["date"] in {tomorrow.isoformat(), (tomorrow + datetime.timedelta(days=1)).isoformat()}
    assert all(day["temperatureF"] == 32 + int(day["temperatureC"] / 0.5556) for day in days)


@pytest.mark.parametrize("city", CITIES)
def test_every_documented_city(api, idp, city):
    response = api.get(f"/weatherforecast?city={city}", token=idp.access_token())
    assert response.status_code == 200
    today = datetime.date.fromisoformat(response.json()[0]["date"]) - datetime.timedelta(days=1)
    assert response.json() == five_day_forecast(city, today)


def test_default_city_is_seattle(api, idp):
    token = idp.access_token()
    assert api.get(token=token).json() == api.get("/weatherforecast?city=seattle", token=token).json()


@pytest.mark.parametrize("city", ["atlantis", "London", "", "seattle ", "../etc", "x" * 5000])
def test_unknown_city_is_a_400_listing_the_cities(api, idp, city):
    response = api.get("/weatherforecast", params={"city": city}, token=idp.access_token())
    assert response.status_code == 400
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json()["error"] == "invalid_city"
    assert response.json()["cities"] == list(CITIES)
    assert "WWW-Authenticate" not in response.headers


def test_openapi_document(api):
    response = api.get("/openapi.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    document = response.json()
    assert document["openapi"].startswith("3.1")
    operation = document["paths"]["/weatherforecast"]["get"]
    assert operation["security"] == [{"cognito": ["weatherapi/read"]}]
    assert document["components"]["securitySchemes"]["cognito"]["scheme"] == "bearer"
    assert operation["parameters"][0]["schema"]["enum"] == list(CITIES)
    assert {"200", "400", "401", "403", "503"} <= set(operation["responses"])


def test_openapi_names_the_configured_scope(idp, make_api):
    document = make_api(scope="forecasts/read").get("/openapi.json").json()
    assert document["paths"]["/weatherforecast"]["get"]["security"] == [{"cognito": ["forecasts/read"]}]


def test_configured_scope_is_the_one_required(idp, make_api):
    api = make_api(scope="forecasts/read")
    assert api.get(token=idp.access_token(scope="forecasts/read")).status_code == 200
    response = api.get(token=idp.access_token())
    assert response.status_code == 403
    assert response.headers["WWW-Authenticate"].endswith('scope="forecasts/read"')


def test_healthz(api):
    response = api.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_says_whether_tokens_can_be_checked_now(make_api, idp):
    api = make_api()
    assert (api.get("/readyz").status_code, api.get("/readyz").json()) == (200, {"status": "ready"})
    idp.respond(idp.jwks_path, {"error": "down"}, status=503)
    cold = make_api()
    answer = cold.get("/readyz")
    assert (answer.status_code, answer.json()["problems"]) == (503, ["the user pool's signing keys are unavailable"])
    assert cold.get("/healthz").status_code == 200  # alive all the same


def test_requests_and_rejections_are_counted_by_route_status_and_check(api, idp):
    def value(name, **labels):
        return REGISTRY.get_sample_value(name, labels) or 0.0

    before = (value("weather_api_requests_total", route="/weatherforecast", status="401"),
              value("weather_api_token_rejections_total", error="JwtExpiredError"))
    assert api.get(token=idp.access_token(exp=int(time.time()) - 3600)).status_code == 401
    after = (value("weather_api_requests_total", route="/weatherforecast", status="401"),
             value("weather_api_token_rejections_total", error="JwtExpiredError"))
    assert [b - a for a, b in zip(before, after)] == [1, 1]


def test_a_host_header_that_is_no_host_name_is_a_json_400(api):
    response = api.get("/healthz", headers={"Host": "a" * 64 + ".example.com"})
    assert response.status_code == 400 and response.json()["error"] == "bad_request"


@pytest.mark.parametrize("path, status", [("/nowhere", 404), ("/weatherforecast/", 404)])
def test_unknown_paths_are_json(api, path, status):
    response = api.get(path)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"


def test_other_methods_are_json_405(api, idp):
    response = api.session.post(api.url + "/weatherforecast", headers={"Authorization": "Bearer x"}, timeout=10)
    assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
