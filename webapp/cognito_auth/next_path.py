"""Where we send people back to (after sign-in, from an error page's "Try again"): local paths only, so a
sign-in link cannot be used to bounce people to another site (an open redirect that borrows our domain's trust)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import request

from webapp.cognito_auth.state import state

MAX_LENGTH = 2048
# Browsers and proxies may decode a path once or twice; a target still encoded after this is nobody's real link.
MAX_DECODING_ROUNDS = 3


def is_local_path(value: str) -> bool:
    """One absolute path on this origin: `/…` but not `//host` or `/\\host` (browsers read both as another
    host), no backslash anywhere, and no control character (browsers drop tabs and newlines, which turns
    `/<TAB>/host` into `//host`)."""
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return False
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def safe_next_path(raw: str | None) -> str | None:
    """`raw` if it is a local path in every decoding a browser might apply, else None."""
    if not raw or len(raw) > MAX_LENGTH:
        return None
    candidate = raw
    for _ in range(MAX_DECODING_ROUNDS):
        if not is_local_path(candidate):
            return None
        decoded = unquote(candidate)
        if decoded == candidate:
            return raw
        candidate = decoded
    return None


def current_page() -> str | None:
    """This request's path and query, as a `next` to come back to after signing in (GET requests only)."""
    return request.full_path.rstrip("?") if request.method == "GET" else None


def referring_page() -> str | None:
    """The page this request came from, when it is one of ours: the Referer's path and query if the Referer is on
    APP_BASE_URL (our Referrer-Policy sends the full URL to our own origin) and that path passes `safe_next_path`."""
    base = state().settings.app_base_url
    referrer = request.referrer or ""
    return safe_next_path(referrer[len(base):]) if referrer.startswith(base + "/") else None
