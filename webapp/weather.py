"""The weather page: the signed-in user's forecast from the weather API, as a table and a server-rendered chart.

The API is called with the session's access token, refreshed first when due (`fresh_access_token`). A 401 gets
one forced refresh and one retry, since a token can be refused before its expiry (revoked, keys rotated, clocks
apart); a second 401 means this sign-in is no good to the API, so the session ends (its refresh token revoked)
and the user is asked to sign in again. Every other failure becomes a `PageError`, which `webapp.errors` renders
with its status.
"""

from __future__ import annotations

import logging

from flask import Blueprint, render_template, request

from webapp import sessions, weather_client
from webapp.auth import login_required
from webapp.chart import temperature_chart
from webapp.errors import PageError, SignInRequired
from webapp.hosted_ui import hosted_ui
from webapp.next_path import current_page
from webapp.tokens import fresh_access_token
from webapp.weather_api.forecast import CITY_NAMES, DEFAULT_CITY
from webapp.weather_client import (
    DayForecast,
    WeatherApiError,
    WeatherApiForbidden,
    WeatherApiTimeout,
    WeatherApiUnauthorized,
)

log = logging.getLogger(__name__)

bp = Blueprint("weather", __name__)
# The page brings its API client: registering the blueprint gives the app its connection pool.
bp.record_once(lambda state: weather_client.init_app(state.app, state.app.config["SETTINGS"]))

#: The city picker's options, (value, name): the API's published catalogue, shipped in the same distribution, so
#: the page needs no request to draw the picker and cannot offer a city the API does not serve.
CITY_CHOICES = tuple(CITY_NAMES.items())


class WeatherUnavailable(PageError):
    status = 502
    error = "weather_api_unavailable"
    title = "Weather service unavailable"
    message = ("We could not get the forecast from the weather service. The rest of the site works as usual; "
               "please try again in a moment.")
    action = "retry"


class WeatherTimedOut(WeatherUnavailable):
    status = 504
    error = "weather_api_timeout"
    message = ("The weather service is taking too long to answer. The rest of the site works as usual; "
               "please try again in a moment.")


class WeatherPermissionMissing(PageError):
    status = 403
    error = "insufficient_scope"
    title = "You cannot see the forecast yet"

    def __init__(self, scope: str):
        super().__init__(
            f"You are signed in, but your sign-in does not include the “{scope}” permission the weather service "
            "requires. Ask the app's administrator to grant it to this app, then sign out and in again."
        )


class WeatherSignInRejected(SignInRequired):
    message = "The weather service did not accept your sign-in. Please sign in again to see the forecast."


@bp.get("/weather")
@login_required
def page():
    city = request.args.get("city", DEFAULT_CITY)
    if city not in CITY_NAMES:
        problem = "We have no forecast for that city. Please pick one from the list."
        return render_template("weather/page.html", cities=CITY_CHOICES, city=DEFAULT_CITY, problem=problem), 400
    days = forecast_for_user(city)
    place = CITY_NAMES[city]
    return render_template("weather/page.html", cities=CITY_CHOICES, city=city, place=place, days=days,
                           chart=temperature_chart(days, place))


def forecast_for_user(city: str) -> list[DayForecast]:
    try:
        return forecast_with_one_retry(city)
    except WeatherApiError as failure:
        raise page_error_for(failure) from None


def forecast_with_one_retry(city: str) -> list[DayForecast]:
    """The forecast with the session's token; after a 401, once more with a newly refreshed one."""
    client = weather_client.current_client()
    try:
        return client.forecast(fresh_access_token(), city)
    except WeatherApiUnauthorized:
        log.info("the weather API refused the access token; refreshing it and trying once more")
    try:
        return client.forecast(fresh_access_token(force_refresh=True), city)
    except WeatherApiUnauthorized:
        # Keeping the session would send "Sign in again" straight back here; a new sign-in gets new tokens, and
        # the old refresh token is revoked rather than left valid with no session holding it.
        hosted_ui().revoke(sessions.end())
        raise WeatherSignInRejected(error="invalid_token", next_path=current_page()) from None


def page_error_for(failure: WeatherApiError) -> PageError:
    if isinstance(failure, WeatherApiForbidden):
        return WeatherPermissionMissing(failure.scope)
    if isinstance(failure, WeatherApiTimeout):
        return WeatherTimedOut()
    return WeatherUnavailable(error=failure.error)
