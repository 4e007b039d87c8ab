"""Where `/login?next=` may send someone after sign-in: local paths only, so a sign-in link cannot be used to
bounce people to another site (an open redirect that borrows our domain's trust)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import request

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
