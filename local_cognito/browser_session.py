"""The Hosted UI's own sign-in session: the `cognito` cookie, valid for one hour (reference §1.2).

While it lives, `/oauth2/authorize` signs the user in again without a form (silent sign-in) and `/login`
offers "continue as". The cookie holds a random id; the store keeps only its hash.
"""

from __future__ import annotations

import secrets

from flask import Response, current_app, request

from local_cognito.oauth import SignedInUser

COOKIE_NAME = "cognito"
LIFETIME = 60 * 60


def current_user() -> SignedInUser | None:
    """The user of a live session cookie, if they may still sign in."""
    pool = current_app.extensions["local_cognito"]
    session_id = request.cookies.get(COOKIE_NAME)
    session = pool.store.session(session_id) if session_id else None
    user = pool.store.active_user(session.sub) if session else None
    return SignedInUser(user, session.auth_time) if session and user else None


def start(response: Response, signed_in: SignedInUser) -> None:
    """A new session (new id, so a fixated cookie is useless), replacing any previous one."""
    pool = current_app.extensions["local_cognito"]
    _forget_current(pool)
    session_id = secrets.token_urlsafe(32)
    pool.store.create_session(session_id, signed_in.user.sub, signed_in.auth_time, LIFETIME)
    response.set_cookie(COOKIE_NAME, session_id, max_age=LIFETIME, httponly=True, samesite="Lax",
                        secure=pool.base_url.startswith("https://"), path="/")


def end(response: Response) -> None:
    _forget_current(current_app.extensions["local_cognito"])
    response.delete_cookie(COOKIE_NAME, path="/")


def _forget_current(pool) -> None:
    session_id = request.cookies.get(COOKIE_NAME)
    if session_id:
        pool.store.delete_session(session_id)
