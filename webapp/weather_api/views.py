"""The API's routes: the forecast (bearer token required), its OpenAPI document and a health check."""

from __future__ import annotations

import datetime
import functools
import json

from flask import Blueprint, current_app, jsonify, request

from webapp.forecast import CITIES, CLIMATES, DEFAULT_CITY, five_day_forecast
from webapp.weather_api.bearer import require_access_token
from webapp.weather_api.errors import UnknownCityError
from webapp.weather_api.openapi import openapi_document

bp = Blueprint("weather_api", __name__)


@bp.get("/weatherforecast")
@require_access_token
def weatherforecast():
    city = request.args.get("city", DEFAULT_CITY)
    if city not in CLIMATES:
        raise UnknownCityError(cities=list(CITIES))
    body = forecast_body(city, datetime.datetime.now(datetime.UTC).date())
    return current_app.response_class(body, mimetype="application/json")


@functools.lru_cache(maxsize=2 * len(CITIES))
def forecast_body(city: str, today: datetime.date) -> bytes:
    """The forecast as sent: the same for every caller all day, so made and encoded once per city and day (today's
    and tomorrow's are both asked for around midnight UTC), not on every request."""
    return json.dumps(five_day_forecast(city, today), separators=(",", ":")).encode()


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(current_app.config["SETTINGS"].scope))


@bp.get("/healthz")
def healthz():
    """Liveness only: the API is up even while Cognito is not (requests then get 503 until it is back)."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """Readiness: tokens can be checked now (discovery and signing keys loaded, or loadable at once)."""
    problems = current_app.extensions["weather_api"].readiness_problems()
    return jsonify({"status": "unavailable", "problems": problems} if problems else {"status": "ready"}), \
        503 if problems else 200
