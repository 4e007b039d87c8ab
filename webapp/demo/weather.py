"""The weather page: the signed-in user's forecast from the weather API, as a table and a server-rendered chart.

The API is called as the user through the extension's `UserApiClient` (the session's token, refreshed when due;
a refused token refreshed once and retried; bounded answers; its failures are 502/504 pages). What is left here
is reading the answer: a forecast, a 403 that names the missing scope, or anything else, which is unusable.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from flask import Blueprint, Flask, current_app, render_template, request
from markupsafe import Markup
from werkzeug.datastructures import WWWAuthenticate

from webapp.cognito_auth import ApiUnavailable, AuthError, UserApiClient, login_required
from webapp.demo.chart import LAYOUTS, temperature_chart
from webapp.demo.settings import WebSettings
from webapp.forecast import CITY_NAMES, DEFAULT_API_SCOPE, DEFAULT_CITY, DayForecast, parse_forecast

bp = Blueprint("weather", __name__)
SERVICE = "weather service"
EXTENSION = "weather_api_client"
SECTIONS = "weather_forecast_sections"
# A forecast is a few hundred bytes; anything much larger is not one, and is not read into memory.
MAX_ANSWER_BYTES = 64 * 1024
SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,128}")  # RFC 6749 §3.3 scope-token, length-capped
#: The city picker's options, (value, name): the API's published catalogue, shipped in the same distribution, so
#: the page needs no request to draw the picker and cannot offer a city the API does not serve.
CITY_CHOICES = tuple(CITY_NAMES.items())


class WeatherPermissionMissing(AuthError):
    status = 403
    error = "insufficient_scope"
    title = "You cannot see the forecast yet"

    def __init__(self, scope: str):
        super().__init__(
            f"You are signed in, but your sign-in does not include the “{scope}” permission the weather service "
            "requires. Ask the app's administrator to grant it to this app, then sign out and in again."
        )


@bp.get("/weather")
@login_required
def page():
    city = request.args.get("city", DEFAULT_CITY)
    if city not in CITY_NAMES:
        problem = "We have no forecast for that city. Please pick one from the list."
        return render_template("weather/page.html", cities=CITY_CHOICES, city=DEFAULT_CITY, problem=problem), 400
    place = CITY_NAMES[city]
    # Drawn anew while templates reload when edited (debug mode), so that an edit shows on the next page.
    draw = forecast_sections if current_app.jinja_env.auto_reload else current_app.extensions[SECTIONS]
    return render_template("weather/page.html", cities=CITY_CHOICES, city=city, place=place,
                           forecast=draw(tuple(forecast(city)), place))


def forecast(city: str) -> list[DayForecast]:
    response = current_app.extensions[EXTENSION].get("/weatherforecast", params={"city": city})
    if response.status_code == 403:
        raise WeatherPermissionMissing(required_scope(response.headers.get("WWW-Authenticate", "")))
    if response.status_code != 200:
        raise ApiUnavailable(SERVICE, error=f"http_{response.status_code}")
    try:
        return parse_forecast(response.content)
    except ValueError:
        raise ApiUnavailable(SERVICE, error="invalid_response") from None


def forecast_sections(days: tuple[DayForecast, ...], place: str) -> Markup:
    """The chart and the table: the page's costly part (two SVG charts), and the same for every user, since the API
    gives everyone the same days for a city on a date. So `init_app` keeps the last few, each drawn once per
    forecast rather than on every request; the template sees only these arguments, nothing of a user's request."""
    charts = [temperature_chart(days, place, layout) for layout in LAYOUTS]
    template = current_app.jinja_env.get_template("weather/_forecast.html")
    return Markup(template.render(days=days, place=place, charts=charts))


def required_scope(challenge: str) -> str:
    """The scope a 403's `WWW-Authenticate: Bearer ... scope="..."` names (RFC 6750 §3), else the default."""
    parsed = WWWAuthenticate.from_header(challenge) if challenge else None
    scope = parsed.parameters.get("scope", "") if parsed and parsed.type == "bearer" else ""
    return scope if SCOPE_TOKEN.fullmatch(scope) else DEFAULT_API_SCOPE


def init_app(app: Flask, settings: WebSettings, clock: Callable[[], float]) -> None:
    app.extensions[EXTENSION] = UserApiClient(settings.weather_api_url, name=SERVICE, timeout=settings.http_timeout,
                                              max_bytes=MAX_ANSWER_BYTES, clock=clock)
    # Today's and tomorrow's forecast for every city (around midnight UTC, pages ask for both).
    app.extensions[SECTIONS] = functools.lru_cache(maxsize=2 * len(CITY_NAMES))(forecast_sections)
    app.register_blueprint(bp)
