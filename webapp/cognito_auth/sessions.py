"""The session of each request: who is signed in, lifetimes enforced, sign-in and sign-out, no lost updates.

The browser holds only an opaque session id; tokens and claims stay in the store (`session_store`). A signed-in
session holds:

- ``user``: the claims the pages show (``sub``, ``email``, ``username``, ``groups``) and those that guard
  refreshes (``auth_time``, ``azp``);
- ``tokens``: ``access_token``, ``refresh_token``, ``expires_at`` (the access token's ``exp``) and ``refresh_at``
  (when `tokens.access_token` refreshes it);
- ``signed_in_at`` and ``last_seen``: the absolute lifetime counts from the first, the idle timeout from the second;
- ``rev``: bumped whenever a request writes the session to the store before it ends (a token refresh), so a
  request that loaded an older copy adopts the newer tokens instead of overwriting them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import after_this_request, current_app, request, session

from webapp.cognito_auth import metrics
from webapp.cognito_auth.errors import SessionStoreUnavailable, error_response
from webapp.cognito_auth.state import request_state, state

#: Where Authlib's pending sign-ins (state, nonce, PKCE verifier) live in the session (`oidc_client.PendingFlows`).
FLOWS_KEY = "cognito_auth_flows"


@dataclass(frozen=True)
class CurrentUser:
    """Who is signed in (`current_user`), and until when: `idle_expires_at` moves with activity,
    `session_expires_at` does not; `access_token_expires_at` moves with each refresh. Times are Unix seconds."""

    sub: str
    email: str | None
    username: str | None
    groups: tuple[str, ...]
    signed_in_at: float
    idle_expires_at: float
    session_expires_at: float
    access_token_expires_at: float

    @classmethod
    def from_session(cls, data) -> "CurrentUser":
        user, settings = data["user"], state().settings
        return cls(user["sub"], user.get("email"), user.get("username"), tuple(user.get("groups") or ()),
                   data["signed_in_at"], data["last_seen"] + settings.session_idle_timeout,
                   data["signed_in_at"] + settings.session_absolute_lifetime, data["tokens"]["expires_at"])


def set_user(data) -> None:
    """Make the signed-in session `data` this request's user (and its responses private)."""
    current = request_state()
    current.user = CurrentUser.from_session(data)
    current.private = True


def begin(user: dict, tokens: dict) -> str | None:
    """Turn the current session into a signed-in one, under a new id.

    Everything in the old session goes except other tabs' pending sign-ins, and its id is replaced
    (Flask-Session's `regenerate` also deletes the old entry), so an id planted before sign-in is worthless after.

    Returns the refresh token of the signed-in session this one replaces (a sign-in finished in a second tab), if
    any: nothing here refers to it any more, so the caller must revoke it at Cognito.
    """
    store = state().store
    pending = session.get(FLOWS_KEY)
    old_user, old_sid = session.get("user"), session.sid
    replaced_refresh_token = (session.get("tokens") or {}).get("refresh_token")
    now = state().clock()
    session.clear()
    session.update(user=user, tokens=tokens, signed_in_at=now, last_seen=now, rev=0)
    if pending:
        session[FLOWS_KEY] = pending
    current_app.session_interface.regenerate(session)
    if old_user:
        store.forget(old_user["sub"], old_sid)
    store.remember(user["sub"], session.sid)
    request_state().begun = True
    set_user(session)
    return replaced_refresh_token


def end() -> str | None:
    """End the current session now: gone from the store and the index, and its cookie deleted.

    Returns the session's refresh token (if any) so the caller can revoke it at Cognito.
    """
    user, tokens = session.get("user"), session.get("tokens") or {}
    store = state().store
    if user:
        store.forget(user["sub"], session.sid)
    store.delete(session.sid)
    session.clear()
    request_state().user = None
    return tokens.get("refresh_token")


def end_and_revoke() -> None:
    """End the current session and revoke its refresh token (and so its access tokens) at Cognito."""
    state().oidc.revoke(end())


def publish() -> None:
    """Write the session to the store before the request ends, so concurrent requests see it (token refresh)."""
    session["rev"] = session.get("rev", 0) + 1
    state().store.write(session)


def adopt(stored: dict) -> None:
    """Take a newer stored copy's tokens and claims into this request's session."""
    session.update(user=stored["user"], tokens=stored["tokens"], rev=stored["rev"])


def timeout_over(data, now: float) -> str | None:
    """Which timeout ended the session ("idle", or "absolute" for its lifetime), or None while it lives."""
    settings = state().settings
    if now - data["signed_in_at"] > settings.session_absolute_lifetime:
        return "absolute"
    return "idle" if now - data["last_seen"] > settings.session_idle_timeout else None


def load_current_user() -> None:
    """Before each request: who is signed in, after enforcing the idle timeout and the absolute lifetime."""
    current = request_state()
    if request.endpoint == "static":
        return  # stylesheets and icons are the same for everyone: no activity recorded
    after_this_request(persist)
    store = state().store
    store.maybe_cleanup()
    if not session.get("user"):
        return
    data = session.copy()  # read a dozen times below: once through the `session` proxy
    now = state().clock()
    timeout = timeout_over(data, now)
    if timeout:
        metrics.SESSIONS_ENDED.labels(timeout).inc()
        current.private = current.session_expired = True
        current.revoke = end()  # revoked after the response is built (`revoke_ended_session`)
        return
    # Recording activity is a write; doing it at most every touch_interval keeps requests from racing to save.
    if now - data["last_seen"] >= store.touch_interval:
        session["last_seen"] = data["last_seen"] = now
    set_user(data)


def persist(response):
    """Write a changed session before the app's after_request hooks run (Flask saves it after all of them, too late
    to answer anything but a 500 if the store is down): a store outage gets its 503 page, and the final save,
    finding these bytes written, writes nothing."""
    if not session.modified or not session:
        return response
    try:
        keep_newer_state()
        if session:
            state().store.write(session)
    except SessionStoreUnavailable as error:
        session.clear()
        session.modified = False  # nothing left to save
        return current_app.make_response(error_response(error))
    return response


def keep_newer_state() -> None:
    """Never resurrect or roll back a session with the copy this request loaded.

    If the session was ended meanwhile (sign-out in another tab, sign out everywhere), writing it back would
    bring it back; if another request refreshed the tokens, it would restore the old ones. Re-reading the stored
    copy just before the write closes both holes except for a window of microseconds.
    """
    if not session.get("user") or request_state().begun:
        return
    stored = state().store.load(session.sid)
    if stored is None or "user" not in stored:
        session.clear()
    elif stored.get("rev", 0) > session.get("rev", 0):
        adopt(stored)


def revoke_ended_session(response):
    """After a request that found its session timed out: revoke that session's refresh token (best effort)."""
    current = request_state()
    if current.revoke:
        state().oidc.revoke(current.revoke)
        current.revoke = None
    return response
