"""The weather API's `GET /weatherforecast`, called with a bearer token (RFC 6750 §2.1).

One pooled `requests.Session` per client, a timeout on every call, no redirects followed (a redirect would carry
the token somewhere we did not choose). Error answers are read from the `WWW-Authenticate` challenge (RFC 6750
§3) or the JSON body, and become `ApiError`s whose message says what to do.
"""

from __future__ import annotations

import re
from typing import Any

import requests

from webapp.client.errors import (
    ApiError,
    InsufficientScopeError,
    InvalidTokenError,
    UnreachableError,
    printable,
)

FORECAST_FIELDS = {"date": str, "temperatureC": int, "temperatureF": int, "summary": str}
#: `error="…"` and `scope="…"` in a Bearer challenge (quoted-string values, as the API sends them).
CHALLENGE_PARAM = re.compile(r'(?P<name>[a-z_]+)="(?P<value>(?:[^"\\]|\\.)*)"')


class WeatherApi:
    def __init__(self, base_url: str, *, timeout: float, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()

    def forecast(self, access_token: str, city: str | None = None) -> list[dict[str, Any]]:
        """The five-day forecast (the API's default city when `city` is None)."""
        url = f"{self.base_url}/weatherforecast"
        try:
            response = self.session.get(
                url,
                params={"city": city} if city is not None else None,
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            raise UnreachableError(
                f"Cannot reach the weather API at {self.base_url} ({type(error).__name__})."
            ) from None
        if response.status_code != 200:
            raise api_error(response)
        return checked_forecast(json_body(response), self.base_url)


def json_body(response: requests.Response) -> Any:
    try:
        return response.json()
    except (ValueError, RecursionError):  # RecursionError: brackets nested deeper than the parser goes
        return None


def checked_forecast(body: Any, base_url: str) -> list[dict[str, Any]]:
    """The days, each with exactly the fields the table shows, of the types it expects."""
    if not isinstance(body, list) or not all(is_forecast_day(day) for day in body):
        raise UnreachableError(f"The weather API at {base_url} sent something that is not a forecast.")
    return [{name: day[name] for name in FORECAST_FIELDS} for day in body]


def is_forecast_day(day: Any) -> bool:
    return isinstance(day, dict) and all(
        isinstance(day.get(name), kind) and not isinstance(day.get(name), bool)
        for name, kind in FORECAST_FIELDS.items()
    )


def bearer_challenge(response: requests.Response) -> dict[str, str]:
    header = response.headers.get("WWW-Authenticate", "")
    if not header.lower().startswith("bearer"):
        return {}
    return {m["name"]: re.sub(r"\\(.)", r"\1", m["value"]) for m in CHALLENGE_PARAM.finditer(header)}


def api_error(response: requests.Response) -> ApiError:
    """The error for a non-200 answer: the RFC 6750 challenge first, then the API's JSON body."""
    status = response.status_code
    challenge = bearer_challenge(response)
    body = json_body(response)
    body = body if isinstance(body, dict) else {}
    code = printable(str(challenge.get("error") or body.get("error") or f"http_{status}"))
    if status == 403 and code == "insufficient_scope":
        scope = printable(str(challenge.get("scope") or body.get("scope") or "a scope"))
        return InsufficientScopeError(
            f"The access token lacks the scope {scope} that the weather API requires.", status, code
        )
    if status == 401 and code == "invalid_token":
        return InvalidTokenError(
            "The weather API refused the access token (invalid_token): check that it trusts this user pool and "
            "app client (WEATHER_API_CLIENT_IDS).",
            status,
            code,
        )
    if status == 400 and code == "invalid_city" and isinstance(body.get("cities"), list):
        cities = ", ".join(printable(str(city)) for city in body["cities"])
        return ApiError(f"Unknown city. Choose one of: {cities}.", status, code)
    if status == 503:
        return ApiError("The weather API cannot check tokens right now; try again shortly.", status, code)
    description = body.get("error_description")
    detail = f": {printable(str(description))}" if description else ""
    return ApiError(f"The weather API answered HTTP {status} ({code}){detail}.", status, code)
