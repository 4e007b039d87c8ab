"""The weather API's client: one pooled HTTP session per app, a deadline on every call, answers checked.

`current_client().forecast(access_token, city)` returns the five days as `DayForecast`s or raises a
`WeatherApiError` subclass naming what went wrong, so the page can say it: the token was refused
(`WeatherApiUnauthorized`, 401), it lacks the API's scope (`WeatherApiForbidden`, 403), the API could not be
reached or answered something unusable (`WeatherApiUnavailable`), or it did not answer in time
(`WeatherApiTimeout`). Nothing here logs or repeats the token: exception messages carry wire codes only.
"""

from __future__ import annotations

import datetime
import http.cookiejar
import json
import os
import re
import time
from dataclasses import dataclass

import requests
from flask import Flask, current_app
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from werkzeug.datastructures import WWWAuthenticate

from webapp.cognito_jwt import ResponseTooLarge, read_capped
from webapp.config import DEFAULT_API_SCOPE, WebSettings

EXTENSION = "webapp.weather_client"
# A forecast is a few hundred bytes; anything much larger is not one, and is not read into memory.
MAX_BODY_BYTES = 64 * 1024
MAX_DAYS = 16
# Connections kept open per app: at least one per request thread (beyond this, extras are opened, then dropped).
POOL_SIZE = 64
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,128}")  # RFC 6749 §3.3 scope-token, length-capped


class WeatherApiError(Exception):
    """The forecast could not be had. `error` is a short code for logs (never a token, URL or body)."""

    error = "weather_api_error"

    def __init__(self, error: str | None = None):
        if error:
            self.error = error
        super().__init__(self.error)


class WeatherApiUnauthorized(WeatherApiError):
    """401: the API refused the access token (expired early, revoked, or not one it trusts)."""

    error = "invalid_token"


class WeatherApiForbidden(WeatherApiError):
    """403: the token is good but does not carry the scope the API requires (named in `scope`)."""

    error = "insufficient_scope"

    def __init__(self, scope: str):
        super().__init__()
        self.scope = scope


class WeatherApiUnavailable(WeatherApiError):
    """The API could not be reached, failed, or answered something that is not a forecast."""

    error = "unavailable"


class WeatherApiTimeout(WeatherApiError):
    """The API did not connect or answer within the configured timeout."""

    error = "timeout"


@dataclass(frozen=True)
class DayForecast:
    """One day of the seeds' `WeatherForecast`: date, °C, °F (as the API computed it) and a summary."""

    date: datetime.date
    temperature_c: int
    temperature_f: int
    summary: str


class BearerAuth(requests.auth.AuthBase):
    """`Authorization: Bearer` (RFC 6750 §2.1). Passing it as `auth` also keeps a ~/.netrc from replacing it."""

    def __init__(self, token: str):
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(<redacted>)"


class WeatherClient:
    """Calls `GET {base_url}/weatherforecast` over one keep-alive connection pool, `timeout` seconds at most."""

    def __init__(self, base_url: str, timeout: float):
        self.url = f"{base_url}/weatherforecast"
        self.timeout = timeout
        self.http = requests.Session()
        # No retries: a request the API may have seen is not repeated behind the page's back.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=POOL_SIZE, max_retries=0)
        self.http.mount("http://", adapter)
        self.http.mount("https://", adapter)
        self.http.headers["Accept"] = "application/json"
        # The session serves every signed-in user: a cookie one user's answer set (a gateway's, a load balancer's)
        # must never ride along on another user's call.
        self.http.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        # requests re-reads the proxy and CA-bundle environment variables on every call (about 0.1 ms, a few
        # percent of the weather page): read them once, here, and let the session stop looking.
        self.http.proxies = requests.utils.get_environ_proxies(self.url)
        self.http.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        self.http.trust_env = False

    def forecast(self, access_token: str, city: str) -> list[DayForecast]:
        status, body, challenge = self._get({"city": city}, access_token)
        if status == 200:
            return parse_forecast(body)
        if status == 401:
            raise WeatherApiUnauthorized()
        if status == 403:
            raise WeatherApiForbidden(required_scope(challenge))
        raise WeatherApiUnavailable(f"http_{status}")

    def _get(self, params: dict, access_token: str) -> tuple[int, bytes, str]:
        """(status, body, WWW-Authenticate) of one GET; the whole exchange, body included, within the timeout."""
        deadline = time.monotonic() + self.timeout
        try:
            with self.http.get(self.url, params=params, auth=BearerAuth(access_token), timeout=self.timeout,
                               stream=True, allow_redirects=False) as response:
                body = read_capped(response, MAX_BODY_BYTES, deadline=deadline)
                return response.status_code, body, response.headers.get("WWW-Authenticate", "")
        except ResponseTooLarge:
            raise WeatherApiUnavailable("response_too_large") from None
        except requests.Timeout:  # including a body still arriving at the deadline
            raise WeatherApiTimeout() from None
        except requests.ConnectionError as failure:
            # A body that stops arriving surfaces as a ConnectionError wrapping urllib3's read timeout.
            if failure.args and isinstance(failure.args[0], ReadTimeoutError):
                raise WeatherApiTimeout() from None
            raise WeatherApiUnavailable("connection_failed") from None
        except requests.RequestException as failure:
            raise WeatherApiUnavailable(type(failure).__name__) from None

    def close(self) -> None:
        self.http.close()


def required_scope(challenge: str) -> str:
    """The scope a 403's `WWW-Authenticate: Bearer ... scope="..."` names (RFC 6750 §3), else the default."""
    parsed = WWWAuthenticate.from_header(challenge) if challenge else None
    scope = parsed.parameters.get("scope", "") if parsed and parsed.type == "bearer" else ""
    return scope if SCOPE_TOKEN.fullmatch(scope) else DEFAULT_API_SCOPE


# Hand-written rather than a schema library: four fields, and the web app has no other use for one.
def parse_forecast(body: bytes) -> list[DayForecast]:
    """The API's JSON as `DayForecast`s, or `WeatherApiUnavailable("invalid_response")` for anything else."""
    try:
        days = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: a body of nothing but nested brackets
        raise WeatherApiUnavailable("invalid_response") from None
    if not isinstance(days, list) or not 1 <= len(days) <= MAX_DAYS:
        raise WeatherApiUnavailable("invalid_response")
    return [parse_day(day) for day in days]


def parse_day(day: object) -> DayForecast:
    if not isinstance(day, dict):
        raise WeatherApiUnavailable("invalid_response")
    date, summary = day.get("date"), day.get("summary")
    celsius, fahrenheit = day.get("temperatureC"), day.get("temperatureF")
    if not (
        isinstance(date, str) and ISO_DATE.fullmatch(date) and is_temperature(celsius) and is_temperature(fahrenheit)
        and isinstance(summary, str) and 0 < len(summary) <= 64
    ):
        raise WeatherApiUnavailable("invalid_response")
    try:
        parsed_date = datetime.date.fromisoformat(date)
    except ValueError:
        raise WeatherApiUnavailable("invalid_response") from None
    return DayForecast(parsed_date, celsius, fahrenheit, summary)


def is_temperature(value: object) -> bool:
    """A whole number of degrees within what any thermometer on Earth has read (either scale)."""
    return isinstance(value, int) and not isinstance(value, bool) and -150 <= value <= 150


def current_client() -> WeatherClient:
    """This app's client (one per app: its pool is shared by every request thread)."""
    return current_app.extensions[EXTENSION]


def init_app(app: Flask, settings: WebSettings) -> None:
    app.extensions[EXTENSION] = WeatherClient(settings.weather_api_url, settings.http_timeout)
