"""What the extension keeps per app (`app.extensions["cognito_auth"]`) and per request (`g.cognito_auth`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import requests
from flask import current_app, g, has_request_context

if TYPE_CHECKING:  # annotations only: these modules import this one
    from webapp.cognito_auth.oidc_client import OidcClient
    from webapp.cognito_auth.session_store import SessionStore
    from webapp.cognito_auth.sessions import CurrentUser
    from webapp.cognito_auth.settings import CognitoAuthSettings

EXTENSION = "cognito_auth"


@dataclass(frozen=True)
class AppState:
    settings: CognitoAuthSettings
    clock: Callable[[], float]
    oidc: OidcClient
    store: SessionStore


@dataclass
class RequestState:
    """`user`: who is signed in. `private`: the response is one person's, even if the session ended meanwhile.
    `session_expired`: this request found its session timed out (and ended it); `revoke`: that session's refresh
    token, revoked once the response is built. `begun`: this request signed someone in. `store_down`: the store
    failed as the session was opened. `written`: the store key and bytes this request last stored.
    `calls_deadline`: when this request's time for its calls to Cognito and APIs is up (`call_timeout`).
    `refresh_tried`: this request already refreshed its token, or tried to (once is enough)."""

    user: CurrentUser | None = None
    private: bool = False
    session_expired: bool = False
    revoke: str | None = None
    begun: bool = False
    store_down: bool = False
    written: tuple[str, bytes] | None = None
    calls_deadline: float | None = None
    refresh_tried: bool = False


def state() -> AppState:
    return current_app.extensions[EXTENSION]


def request_state() -> RequestState:
    current = g.get("cognito_auth")
    if current is None:
        current = g.cognito_auth = RequestState()
    return current


def call_timeout(cap: float | None = None) -> float:
    """The timeout for a call to Cognito or an API now: what is left of this request's HTTP_TIMEOUT, counted from
    its first call (all of a request's calls together wait at most that long, so a hung dependency holds a page
    no longer), at most `cap`. Its time up, the request gets a `requests.Timeout`, which callers already handle."""
    limit = state().settings.http_timeout if cap is None else min(cap, state().settings.http_timeout)
    if not has_request_context():
        return limit
    current = request_state()
    if current.calls_deadline is None:
        current.calls_deadline = time.monotonic() + state().settings.http_timeout
    left = current.calls_deadline - time.monotonic()
    if left <= 0:
        raise requests.Timeout("this request's time for its calls is up")
    return min(limit, left)
