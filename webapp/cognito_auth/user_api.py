"""Calling an API as the signed-in user: the pattern ASP.NET calls a user-token HTTP client.

`UserApiClient` is made once per app (its keep-alive pool serves every request thread) and used in a signed-in
request: `get` sends the session's access token, refreshed first when due; the answer is bounded, the call waits
no longer than what is left of the request's time for its calls, and a failing API is not called for a while
(`CircuitBreaker`; `clock` is the one it runs on). A token can be
refused before its expiry (revoked, keys rotated, clocks apart), so a 401 gets one forced refresh and one retry; a
second 401 means this sign-in is no good to the API: the session ends and its refresh token is revoked (keeping it
would send "Sign in again" straight back here). Other answers are the caller's to read.

`user_pool_call` is the same for Cognito's own JSON API: the account operations a user's access token authorises.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import urlencode

import requests

from webapp.bounded_http import CircuitBreaker, bounded_get, bounded_session
from webapp.request_log import HEADER, current_request_id
from webapp.cognito_auth import metrics
from webapp.cognito_auth.errors import ApiSignInRejected, ApiTimeout, ApiUnavailable, CognitoRefused
from webapp.cognito_auth.next_path import current_page
from webapp.cognito_auth.sessions import end_and_revoke
from webapp.cognito_auth.state import call_timeout, state
from webapp.cognito_auth.tokens import access_token
from webapp.environment import DEFAULT_HTTP_TIMEOUT

log = logging.getLogger(__name__)


def user_pool_call(operation: str, **parameters) -> dict:
    """Cognito's JSON API `operation` (GetUser, ChangePassword, AssociateSoftwareToken, VerifySoftwareToken,
    SetUserMFAPreference...) with the session's access token: Cognito's answer, or CognitoRefused carrying its
    exception name in `error`, or TokenServiceUnavailable. A token Cognito says was revoked (the user signed out
    everywhere from another app) ends this session like an API's second 401."""
    try:
        return state().oidc.user_pool_call(operation, access_token(), **parameters)
    except CognitoRefused as refusal:
        if not refusal.token_revoked:
            raise
    end_and_revoke()
    raise ApiSignInRejected("sign-in service", next_path=current_page())


class UserApiClient:
    """`name` is what people read on error pages ("weather service"); `timeout` bounds connecting, each read and
    the whole body; `max_bytes` caps an answer; `pool_size`: connections kept, at least one per request thread."""

    def __init__(self, base_url: str, *, name: str, timeout: float = DEFAULT_HTTP_TIMEOUT,
                 max_bytes: int = 1024 * 1024, pool_size: int = 64, clock: Callable[[], float] = time.monotonic):
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.timeout = timeout
        self.breaker = CircuitBreaker(f"the {name}", clock=clock, on_open=metrics.circuit_opened)
        self.http = bounded_session(max_bytes, pool_maxsize=pool_size, base_url=self.base_url, breaker=self.breaker,
                                    observe=metrics.api_observer(name))
        self.http.headers["Accept"] = "application/json"

    def get(self, path: str, *, params: dict | None = None) -> requests.Response:
        response = self._get(path, params, access_token())
        if response.status_code != 401:
            return response
        log.info("the %s refused the access token; refreshing it and trying once more", self.name)
        response = self._get(path, params, access_token(force_refresh=True))
        if response.status_code == 401:
            end_and_revoke()
            raise ApiSignInRejected(self.name, next_path=current_page())
        return response

    def _get(self, path: str, params: dict | None, token: str) -> requests.Response:
        url = self.base_url + path + (f"?{urlencode(params, doseq=True)}" if params else "")
        try:
            return bounded_get(self.http, url,
                               headers={"Authorization": f"Bearer {token}", HEADER: current_request_id()},
                               timeout=call_timeout(self.timeout))
        except requests.Timeout:  # including a body still arriving at the deadline
            raise ApiTimeout(self.name) from None
        except requests.RequestException as failure:
            raise ApiUnavailable(self.name, error=type(failure).__name__) from None

    def close(self) -> None:
        self.http.close()
