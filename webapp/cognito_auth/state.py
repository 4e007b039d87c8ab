"""What the extension keeps per app (`app.extensions["cognito_auth"]`) and per request (`g.cognito_auth`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from flask import current_app, g

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
    failed as the session was opened. `written`: the store key and bytes this request last stored."""

    user: CurrentUser | None = None
    private: bool = False
    session_expired: bool = False
    revoke: str | None = None
    begun: bool = False
    store_down: bool = False
    written: tuple[str, bytes] | None = None


def state() -> AppState:
    return current_app.extensions[EXTENSION]


def request_state() -> RequestState:
    if "cognito_auth" not in g:
        g.cognito_auth = RequestState()
    return g.cognito_auth
