"""One place that turns every failure into a page with the right status, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def render_error(status: int, title: str, message: str, *, action: str | None = None, **context):
    """The error page: what happened, what to do next (`action` names a call to action in the template)."""
    return render_template(
        "errors/error.html", status=status, title=title, message=message, action=action, **context
    ), status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_error(error.code or 500, error.name, error.description or "")

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        # Log the type only: exception messages from HTTP clients can carry URLs or tokens.
        log.error("unhandled %s on request", type(error).__name__)
        internal = InternalServerError()
        return render_error(500, internal.name, "Something went wrong on our side. Please try again.")
