"""The current session's access token, refreshed on the server once it reaches its ``refresh_at``
(`oidc_client.refresh_time`), one refresh at a time.

It raises `SignInRequired` (the session is over) or `TokenServiceUnavailable` (Cognito is down and the token is
about to expire or was refused; the session is kept); both render as pages, so callers let them propagate. While
Cognito is down, a token that is due but still valid for MIN_VALIDITY seconds is used rather than failing the page.

Single-flight: concurrent requests of one session that find the token due queue on the session's lock (threads,
then a Redis lock across processes); the first re-reads the session and refreshes only if nobody has since this
request loaded it, and writes the new tokens to the store before releasing the lock.
"""

from __future__ import annotations

import logging

import requests
from flask import session

from webapp.cognito_auth import metrics, sessions
from webapp.cognito_auth.errors import SignInRequired, TokenServiceUnavailable
from webapp.cognito_auth.next_path import current_page
from webapp.cognito_auth.oidc_client import RefreshRejected
from webapp.cognito_auth.session_store import LockTimeout, store_key
from webapp.cognito_auth.state import call_timeout, request_state, state

log = logging.getLogger(__name__)

# Enough for the caller's API request to arrive before the token expires.
MIN_VALIDITY = 30


def access_token(*, force_refresh: bool = False) -> str:
    """The session's access token, refreshed first if it reached its ``refresh_at``; a token that is due but
    still valid for MIN_VALIDITY seconds is returned if refreshing fails (tried once per request).

    `force_refresh`: the caller saw the current token refused (an API answered 401); get another one, unless a
    concurrent request already did.
    """
    tokens = session.get("tokens") if request_state().user is not None else None
    if tokens is None:
        raise SignInRequired(next_path=current_page())
    # Sessions stored before ``refresh_at`` existed lack it: refreshing them now stores one.
    if not force_refresh and tokens.get("refresh_at", 0) > state().clock():
        return tokens["access_token"]
    if request_state().refresh_tried and not force_refresh:  # once per request, whatever came of it
        return _valid_token(TokenServiceUnavailable(error="refresh_failed"))
    request_state().refresh_tried = True
    failure = _refresh_or_failure()
    if failure is None:
        return session["tokens"]["access_token"]
    metrics.REFRESHES.labels("unavailable").inc()
    log.warning("token refresh failed (%s)", failure.error)
    if force_refresh:
        raise failure
    return _valid_token(failure)


def _valid_token(failure: TokenServiceUnavailable) -> str:
    """The current token if it stays valid long enough for its use, else `failure`."""
    tokens = session["tokens"]
    if tokens["expires_at"] - state().clock() < MIN_VALIDITY:
        raise failure
    return tokens["access_token"]


def _refresh_or_failure() -> TokenServiceUnavailable | None:
    seen_rev = session.get("rev", 0)
    try:
        with state().store.locks.hold(store_key(session.sid), wait=call_timeout()):
            _refresh_unless_done(seen_rev)
            return None
    except (LockTimeout, requests.Timeout):
        return TokenServiceUnavailable(error="refresh_lock_timeout")
    except TokenServiceUnavailable as error:
        return error


def _refresh_unless_done(seen_rev: int) -> None:
    """Under the session's lock: adopt a refresh another request made meanwhile, or make one and publish it."""
    stored = state().store.load(session.sid)
    if stored is None or "tokens" not in stored:
        sessions.end()  # ended meanwhile (signed out in another tab, or everywhere)
        raise SignInRequired(next_path=current_page())
    # Another request refreshed after this one loaded the session: its token is the newest there is, so take it
    # while it is valid, even if already due (`refresh_at` passed: Cognito's clock more than half a lifetime behind
    # ours). Refreshing again would turn one refresh into one per waiting request.
    if stored.get("rev", 0) > seen_rev and stored["tokens"]["expires_at"] > state().clock():
        sessions.adopt(stored)
        metrics.REFRESHES.labels("adopted").inc()
        return
    try:
        tokens, user = state().oidc.refresh(stored["tokens"], stored["user"])
    except RefreshRejected as rejection:
        log.info("refresh rejected, ending the session: %s", rejection)
        metrics.REFRESHES.labels("rejected").inc()
        sessions.end()
        raise SignInRequired(next_path=current_page()) from None
    session.update(user=user, tokens=tokens, rev=stored.get("rev", 0))
    sessions.publish()
    sessions.set_user(session)
    metrics.REFRESHES.labels("ok").inc()
