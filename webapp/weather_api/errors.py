"""Every error the API returns, as a JSON body and the right status; bearer errors per RFC 6750 §3.

Each error is a class carrying its wire code (Authlib's style); `init_app` maps them, and every other failure,
to JSON in one place, so no request can end in an HTML page or a stack trace.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
REALM = "weatherapi"


class ApiError(Exception):
    """An error response: `status_code`, a machine-readable `error`, a human `description`, and further members of
    the JSON body (`cities`, `scope`)."""

    status_code = 400
    error = "bad_request"
    description = "The request is not valid."
    headers: dict[str, str] = {}

    def __init__(self, description: str | None = None, **members: object):
        self.description = description or self.description
        super().__init__(self.description)
        self.members = members

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description, **self.members}


class UnknownCityError(ApiError):
    error = "invalid_city"
    description = "Unknown city. Use one of the values listed in `cities`."


class TemporarilyUnavailableError(ApiError):
    """The user pool's discovery document or signing keys cannot be fetched and none are cached."""

    status_code = 503
    error = "temporarily_unavailable"
    description = "Tokens cannot be checked right now. Please try again shortly."
    headers = {"Retry-After": "5"}


class InternalError(ApiError):
    status_code = 500
    error = "server_error"
    description = "Something went wrong on our side. Please try again."


def quoted(value: str) -> str:
    """An RFC 9110 quoted-string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class BearerError(ApiError):
    """RFC 6750 §3: the status, and a `WWW-Authenticate: Bearer` challenge naming the error code (and the scope)."""

    status_code = 401
    error: str | None = None

    @property
    def headers(self) -> dict[str, str]:  # type: ignore[override]
        params = {"realm": REALM, "error": self.error, **self.members}
        return {"WWW-Authenticate": "Bearer " + ", ".join(f"{k}={quoted(v)}" for k, v in params.items() if v)}

    def body(self) -> dict:
        return {**super().body(), "error": self.error or "unauthorized"}


class MissingTokenError(BearerError):
    """§3.1: a request with no credentials (or another scheme) gets the challenge without an error code."""

    description = "This API needs a Cognito access token: send `Authorization: Bearer <token>`."


class InvalidRequestError(BearerError):
    status_code = 400
    error = "invalid_request"
    description = "Send exactly one access token, in the `Authorization: Bearer` header."


class InvalidTokenError(BearerError):
    """Expired, forged, malformed, for another client or pool, or not an access token: one answer for all, so a
    caller probing with crafted tokens learns nothing about which check failed."""

    error = "invalid_token"
    description = "The access token is not valid for this API."


class InsufficientScopeError(BearerError):
    status_code = 403
    error = "insufficient_scope"
    description = "The access token does not grant the scope this API requires."


def error_response(error: ApiError):
    response = jsonify(error.body())
    response.status_code = error.status_code
    response.headers.update(error.headers)
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, error_response)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        response = error.get_response()  # keeps headers such as Allow on 405
        response.data = jsonify(
            {"error": (error.name or "error").lower().replace(" ", "_"), "error_description": error.description}
        ).data
        response.content_type = "application/json"
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        # The type only: messages from HTTP or JOSE libraries can carry URLs or token fragments.
        log.error("unhandled %s on request", type(error).__name__)
        return error_response(InternalError())
