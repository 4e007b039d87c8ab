"""The session of each request: who is signed in, lifetimes enforced, sign-in and sign-out, no lost updates.

The browser holds only an opaque session id; tokens and claims stay in the store (`webapp.session_store`). A
signed-in session holds:

- ``user``: the claims the pages show (``sub``, ``email``, ``username``, ``groups``, and ``auth_time``);
- ``tokens``: ``access_token``, ``refresh_token``, ``expires_at`` (the access token's ``exp``) and ``refresh_at``
  (when `webapp.tokens` refreshes it: TOKEN_REFRESH_MARGIN before ``exp``, but not before half its lifetime);
- ``signed_in_at`` and ``last_seen``: the absolute lifetime counts from the first, the idle timeout from the second;
- ``rev``: bumped whenever a request writes the session to the store before it ends (a token refresh), so a
  request that loaded an older copy adopts the newer tokens instead of overwriting them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable

from flask import Flask, current_app, g, request, session

from webapp.config import WebSettings
from webapp.session_store import SessionStore

__all__ = ["CurrentUser", "adopt", "begin", "end", "init_app", "publish", "store"]


@dataclass(frozen=True)
class CurrentUser:
    """Who is signed in, as the pages show it (`current_user` in templates)."""

    sub: str
    email: str | None
    username: str | None
    groups: tuple[str, ...]

    @classmethod
    def from_session(cls, user: dict) -> "CurrentUser":
        return cls(user["sub"], user.get("email"), user.get("username"), tuple(user.get("groups") or ()))


def store() -> SessionStore:
    return current_app.extensions["webapp.sessions"]


def lifetime_over(data: dict, settings: WebSettings, now: float) -> bool:
    """True when the session has been idle too long or has reached its absolute lifetime."""
    return (
        now - data["last_seen"] > settings.session_idle_timeout
        or now - data["signed_in_at"] > settings.session_absolute_lifetime
    )


def begin(user: dict, tokens: dict, *, carry_over: Iterable[str] = ()) -> str | None:
    """Turn the current session into a signed-in one, under a new id.

    Everything in the old session goes except the keys named in `carry_over` (other tabs' pending sign-ins), and
    its id is replaced (Flask-Session's `regenerate` also deletes the old entry), so an id planted before sign-in
    is worthless after it.

    Returns the refresh token of the signed-in session this one replaces (a sign-in finished in a second tab), if
    any: nothing here refers to it any more, so the caller must revoke it at Cognito.
    """
    kept = {key: session[key] for key in carry_over if key in session}
    old_user, old_sid = session.get("user"), session.sid
    replaced_refresh_token = (session.get("tokens") or {}).get("refresh_token")
    now = time.time()
    session.clear()
    session.update(kept, user=user, tokens=tokens, signed_in_at=now, last_seen=now, rev=0)
    current_app.session_interface.regenerate(session)
    if old_user:
        store().index.remove(old_user["sub"], old_sid)
    store().index.add(user["sub"], session.sid)
    g.session_begun = True
    g.user = CurrentUser.from_session(user)
    return replaced_refresh_token


def end() -> str | None:
    """End the current session now: gone from the store and the index, and its cookie deleted.

    Returns the session's refresh token (if any) so the caller can revoke it at Cognito.
    """
    user, tokens = session.get("user"), session.get("tokens") or {}
    if user:
        store().index.remove(user["sub"], session.sid)
    store().delete(session.sid)
    session.clear()
    g.user = None
    return tokens.get("refresh_token")


def publish() -> None:
    """Write the session to the store before the request ends, so concurrent requests see it (token refresh)."""
    session["rev"] = session.get("rev", 0) + 1
    store().write(session)


def adopt(stored: dict) -> None:
    """Take a newer stored copy's tokens and claims into this request's session."""
    session.update(user=stored["user"], tokens=stored["tokens"], rev=stored["rev"])


def load_current_user() -> None:
    """Before each request: who is signed in, after enforcing the idle timeout and the absolute lifetime."""
    g.user = None
    if request.endpoint == "static":
        return  # stylesheets and icons are the same for everyone: no session read, no activity recorded
    sessions = store()
    sessions.maybe_cleanup()
    user = session.get("user")
    if not user:
        return
    now = time.time()
    if lifetime_over(session, sessions.settings, now):
        g.session_expired = True
        g.refresh_token_to_revoke = end()  # revoked after the response is built (webapp.hosted_ui)
        return
    # Recording activity is a write; doing it at most every touch_interval keeps requests from racing to save.
    if now - session["last_seen"] >= sessions.touch_interval:
        session["last_seen"] = now
    g.user = CurrentUser.from_session(user)


def keep_newer_state(response):
    """After each request, before Flask-Session saves: never resurrect or roll back a session.

    A request that changed its session (activity, flash, CSRF token) would write back the copy it loaded. If the
    session was ended meanwhile (sign-out in another tab, sign out everywhere), that would bring it back; if
    another request refreshed the tokens, it would restore the old ones. Re-reading the stored copy just before
    the save closes both holes except for a window of microseconds.
    """
    if not session.modified or not session.get("user") or g.get("session_begun"):
        return response
    stored = store().load(session.sid)
    if stored is None or "user" not in stored:
        session.clear()
    elif stored.get("rev", 0) > session.get("rev", 0):
        adopt(stored)
    return response


def init_app(app: Flask, settings: WebSettings) -> None:
    app.extensions["webapp.sessions"] = SessionStore(app, settings)
    app.before_request(load_current_user)
    app.after_request(keep_newer_state)

    @app.context_processor
    def inject_current_user():
        return {"current_user": g.get("user")}
