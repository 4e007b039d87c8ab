"""The pages for failures that are not the sign-in extension's (unknown URLs, wrong methods, bugs), in the same
template as its own, never with a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from werkzeug.exceptions import BadHost, HTTPException

log = logging.getLogger(__name__)


def error_page(status: int, title: str, message: str, headers=()):
    return render_template("cognito_auth/error.html", status=status, title=title, message=message), status, headers


def init_app(app: Flask) -> None:
    @app.errorhandler(BadHost)
    def bad_host(error: BadHost):
        # No URL can be built for a request whose Host is not a host name, so no page either: a plain answer.
        return "Bad Request: the Host header is not a host name.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # Werkzeug's headers for the status (Allow on a 405), not its HTML's type.
        headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
        return error_page(error.code or 500, error.name, error.description or "", headers)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        # Log the type only: exception messages from HTTP clients can carry URLs or tokens.
        log.error("unhandled %s on request", type(error).__name__)
        return error_page(500, "Internal Server Error", "Something went wrong on our side. Please try again.")
