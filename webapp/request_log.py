"""Request ids, and log records that carry them: how an operator follows a page to the API call it made.

Each request gets an id: the caller's `X-Request-ID` when it looks like one (a load balancer or proxy minted it),
otherwise a new one. It is in the response's `X-Request-ID`, on every log record written while the request runs
(`RequestIdFilter`), and sent on with the calls the request makes to APIs (`UserApiClient`). `JsonFormatter` writes
a record as one line of JSON; `deploy/gunicorn.conf.py` uses both (LOG_FORMAT=json).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from datetime import datetime, timezone

from flask import Flask, g, has_app_context, request

HEADER = "X-Request-ID"
#: What a caller's id must look like to be kept: short, and nothing that could forge a log line or a header.
REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def current_request_id() -> str | None:
    return g.get("request_id") if has_app_context() else None


def assign_request_id() -> None:
    given = request.headers.get(HEADER, "")
    g.request_id = given if REQUEST_ID.fullmatch(given) else secrets.token_hex(16)


def echo_request_id(response):
    request_id = current_request_id()
    if request_id:
        response.headers[HEADER] = request_id
    return response


def init_app(app: Flask) -> None:
    """Call before other extensions' `init_app`, so that their hooks log with the id."""
    app.before_request(assign_request_id)
    app.after_request(echo_request_id)


class NoQueryStrings(logging.Filter):
    """Cuts every query string from a record before it is written: a request line quoted in a log (an access line,
    a malformed request's error) may be the callback's, whose query carries the authorization code."""

    QUERY = re.compile(r"\?[^\s'\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.QUERY.sub("?…", record.getMessage()), ()
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id (and the exception's type, never its
    text or traceback: messages from HTTP clients can carry URLs or tokens)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                "request_id": getattr(record, "request_id", "-")}
        if record.exc_info:
            line["exception"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=False)
