"""The weather API's `GET /weatherforecast`, called with a bearer token (RFC 6750 §2.1).

One bounded session per client (`webapp.bounded_http`: size cap, timeouts, whole-body deadline), no redirects
followed (a redirect would carry the token somewhere we did not choose). Error answers are read from the
`WWW-Authenticate` challenge (RFC 6750 §3) or the JSON body, and become `ApiError`s whose message says what to do.
"""

from __future__ import annotations

from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Auth
from werkzeug.datastructures import WWWAuthenticate

from webapp.bounded_http import bounded_session
from webapp.client.errors import ApiError, InsufficientScopeError, InvalidTokenError, UnreachableError, printable
from webapp.forecast import DayForecast, parse_forecast

MAX_ANSWER_BYTES = 1024 * 1024


class WeatherApi:
    def __init__(self, base_url: str, *, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = bounded_session(MAX_ANSWER_BYTES, base_url=self.base_url)

    def forecast(self, access_token: str, city: str | None = None) -> list[DayForecast]:
        """The five-day forecast (the API's default city when `city` is None)."""
        try:
            response = self.http.get(f"{self.base_url}/weatherforecast",
                                     auth=OAuth2Auth({"access_token": access_token}),
                                     params={"city": city} if city is not None else None,
                                     headers={"Accept": "application/json"}, timeout=self.timeout,
                                     allow_redirects=False)
        except requests.RequestException as error:
            raise UnreachableError(
                f"Cannot reach the weather API at {self.base_url} ({type(error).__name__}).") from None
        if response.status_code != 200:
            raise api_error(response)
        try:
            return parse_forecast(response.content)
        except ValueError:
            raise UnreachableError(f"The weather API at {self.base_url} sent something that is not a forecast.") \
                from None


def json_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (ValueError, RecursionError):  # RecursionError: brackets nested deeper than the parser goes
        return {}
    return body if isinstance(body, dict) else {}


def bearer_challenge(response: requests.Response) -> dict[str, str]:
    challenge = WWWAuthenticate.from_header(response.headers.get("WWW-Authenticate", ""))
    return dict(challenge.parameters) if challenge is not None and challenge.type == "bearer" else {}


#: What API Gateway's JWT authorizer answers, before the API runs, for a token it refuses (401) or one without the
#: route's scope (403). Its `www-authenticate` leaves out the commas between parameters, so no RFC 9110 parser
#: reads it: the status and body say which error it is.
GATEWAY_REFUSALS = {(401, "Unauthorized"): "invalid_token", (403, "Forbidden"): "insufficient_scope"}


def api_error(response: requests.Response) -> ApiError:
    """The error for a non-200 answer: the RFC 6750 challenge first, then the API's JSON body."""
    status = response.status_code
    challenge, body = bearer_challenge(response), json_body(response)
    if (status, body.get("message")) in GATEWAY_REFUSALS:
        challenge, body = {}, {"error": GATEWAY_REFUSALS[status, body["message"]]}
    code = printable(str(challenge.get("error") or body.get("error") or f"http_{status}"))
    if status == 403 and code == "insufficient_scope":
        scope = printable(str(challenge.get("scope") or body.get("scope") or ""))
        needed = f"the scope {scope}" if scope else "a scope"
        return InsufficientScopeError(f"The access token lacks {needed} that the weather API requires.", status, code)
    if status == 401 and code == "invalid_token":
        return InvalidTokenError(
            "The weather API refused the access token (invalid_token): check that it trusts this user pool and "
            "app client (WEATHER_API_CLIENT_IDS).", status, code)
    if status == 400 and code == "invalid_city" and isinstance(body.get("cities"), list):
        cities = ", ".join(printable(str(city)) for city in body["cities"])
        return ApiError(f"Unknown city. Choose one of: {cities}.", status, code)
    if status == 503:
        return ApiError("The weather API cannot check tokens right now; try again shortly.", status, code)
    description = body.get("error_description")
    detail = f": {printable(str(description))}" if description else ""
    return ApiError(f"The weather API answered HTTP {status} ({code}){detail}.", status, code)
