"""Sign-in, sign-out and the profile page: the routes around the Cognito Hosted UI.

`login_required` guards pages; `current_user` (see `webapp.sessions`) is in every template. The protocol work
is in `webapp.hosted_ui`, the session lifecycle in `webapp.sessions`, token refresh in `webapp.tokens`.
"""

from __future__ import annotations

import functools
import time

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for

from webapp import sessions
from webapp.errors import SignInRequired
from webapp.hosted_ui import hosted_ui, pending_flow_keys
from webapp.next_path import current_page, safe_next_path
from webapp.tokens import fresh_access_token

bp = Blueprint("auth", __name__)


def login_required(view):
    """Signed-in people only: others go to sign in and come back here (a GET's own URL is the `next`).

    A session that just timed out gets a page saying so instead, not a silent trip through the Hosted UI.
    """

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        if g.get("user") is None:
            if g.get("session_expired"):
                raise SignInRequired("Your session has expired. Sign in again to continue.", next_path=current_page())
            return redirect(url_for("auth.login", next=current_page()))
        return view(*args, **kwargs)

    return guarded


@bp.get("/login")
def login():
    next_path = safe_next_path(request.args.get("next")) or url_for("pages.home")
    if g.get("user") is not None:
        return redirect(next_path)
    return hosted_ui().start_sign_in(next_path)


@bp.get("/callback")
def callback():
    """Finish a sign-in; a signed-in session this browser already had is replaced, and its refresh token revoked
    (best effort, like sign-out: a slow or failing revocation never fails the sign-in)."""
    sign_in = hosted_ui().finish_sign_in()
    replaced_refresh_token = sessions.begin(sign_in.user, sign_in.tokens, carry_over=pending_flow_keys())
    hosted_ui().revoke(replaced_refresh_token)
    return redirect(sign_in.next_path)


@bp.post("/logout")
def logout():
    """Delete the session here, revoke its refresh token at Cognito, then end the Hosted UI session too.

    A session that timed out just before this request was ended already; its token is revoked all the same.
    """
    refresh_token = sessions.end() or g.pop("refresh_token_to_revoke", None)
    hosted_ui().revoke(refresh_token)
    return redirect(hosted_ui().logout_url())


@bp.get("/signed-out")
def signed_out():
    return render_template("auth/signed_out.html")


@bp.get("/profile")
@login_required
def profile():
    # Refreshing here keeps the expiry shown honest and notices a revoked refresh token.
    fresh_access_token()
    settings = current_app.config["SETTINGS"]
    return render_template(
        "auth/profile.html",
        user=g.user,
        now=time.time(),
        signed_in_at=session["signed_in_at"],
        idle_ends_at=session["last_seen"] + settings.session_idle_timeout,
        session_ends_at=session["signed_in_at"] + settings.session_absolute_lifetime,
        access_token_expires_at=session["tokens"]["expires_at"],
    )


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    """Cognito's GlobalSignOut (every refresh token of the user dies), then every session of the user here."""
    hosted_ui().global_sign_out(fresh_access_token())
    sessions.store().delete_user_sessions(g.user.sub)
    sessions.end()
    return redirect(hosted_ui().logout_url())
