"""The sign-in routes around the Cognito Hosted UI, as a blueprint (`cognito_auth.login`, `.callback`,
`.logout`, `.logout_everywhere`, `.signed_out`) whose paths come from the settings' `routes`."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping

from flask import Blueprint, redirect, render_template, request, session

from webapp.cognito_auth import metrics, sessions
from webapp.cognito_auth.access import login_required
from webapp.cognito_auth.errors import AuthError, FormExpired
from webapp.cognito_auth.next_path import safe_next_path
from webapp.cognito_auth.state import request_state, state
from webapp.cognito_auth.tokens import access_token

#: The routes that change state: POST only, and only with this session's CSRF token.
FORMS = frozenset({"cognito_auth.logout", "cognito_auth.logout_everywhere"})
#: Where the session keeps its CSRF token, and the form field that must carry it.
CSRF_TOKEN = "csrf_token"


def login():
    next_path = safe_next_path(request.args.get("next")) or request.script_root + "/"
    if request_state().user is not None:
        return redirect(next_path)
    return state().oidc.start_sign_in(next_path)


def callback():
    """Finish a sign-in; a signed-in session this browser already had is replaced, and its refresh token revoked
    (best effort, like sign-out: a slow or failing revocation never fails the sign-in).

    Cognito's GlobalSignOut does not end Hosted UI sessions, so after "sign out everywhere" a browser could sign
    straight back in through one: a sign-in that authenticated before the user last signed out everywhere (its
    `auth_time`) starts again with `prompt=login`, and the password is asked for.
    """
    try:
        sign_in = state().oidc.finish_sign_in()
        if predates_sign_out_everywhere(sign_in):
            metrics.SIGN_INS.labels("password_again").inc()
            state().oidc.revoke(sign_in.tokens.get("refresh_token"))
            return state().oidc.start_sign_in(sign_in.next_path, password_again=True)
        replaced_refresh_token = sessions.begin(sign_in.user, sign_in.tokens)
    except AuthError as failure:
        metrics.SIGN_INS.labels(type(failure).error).inc()  # the class's code: the instance's may be the IdP's text
        raise
    metrics.SIGN_INS.labels("ok").inc()
    state().oidc.revoke(replaced_refresh_token)
    return redirect(sign_in.next_path)


def predates_sign_out_everywhere(sign_in) -> bool:
    signed_out_at = state().store.signed_out_everywhere_at(sign_in.user["sub"])
    authenticated_at = sign_in.user.get("auth_time")
    return (signed_out_at is not None and not sign_in.password_again
            and (authenticated_at is None or authenticated_at < signed_out_at))


def logout():
    """Delete the session here, revoke its refresh token at Cognito, then end the Hosted UI session too.

    A session that timed out just before this request was ended already; its token is revoked all the same.
    """
    current = request_state()
    state().oidc.revoke(sessions.end() or current.revoke)
    current.revoke = None
    metrics.SIGN_OUTS.labels("here").inc()
    return redirect(state().oidc.logout_url())


def signed_out():
    return render_template("cognito_auth/signed_out.html")


@login_required
def logout_everywhere():
    """Cognito's GlobalSignOut (every refresh token of the user dies), then every session of the user here."""
    state().oidc.global_sign_out(access_token())
    state().store.delete_user_sessions(request_state().user.sub)
    state().store.mark_signed_out_everywhere(request_state().user.sub, state().clock())
    sessions.end()
    metrics.SIGN_OUTS.labels("everywhere").inc()
    return redirect(state().oidc.logout_url())


def check_form() -> None:
    """The CSRF check of the sign-out forms (the extension's `before_request` says why it comes first)."""
    if request.endpoint in FORMS and request.method == "POST":
        check_csrf()


def csrf_token() -> str:
    """This session's CSRF token, for forms (`csrf_token()` in templates): OWASP's synchronizer token, random and
    kept in the server-side session, so it needs no signature and dies with the session (sign-in starts a new one).
    Hand-written: Flask-WTF signs the token anew on every page (a fifth of the profile page's template time), and a
    signature adds nothing to a token that is compared with the session's own copy."""
    if CSRF_TOKEN not in session:
        session[CSRF_TOKEN] = secrets.token_urlsafe(32)
    return session[CSRF_TOKEN]


def check_csrf() -> None:
    """Refuse a form posted without this session's CSRF token (field `csrf_token`): FormExpired, a 400 page."""
    kept, sent = session.get(CSRF_TOKEN), request.form.get(CSRF_TOKEN, "")
    if not kept or not hmac.compare_digest(sent.encode(), kept.encode()):
        raise FormExpired()


def create_blueprint(routes: Mapping[str, str]) -> Blueprint:
    bp = Blueprint("cognito_auth", __name__, template_folder="templates")
    for view in (login, callback, logout, logout_everywhere, signed_out):
        post = f"cognito_auth.{view.__name__}" in FORMS
        bp.add_url_rule(routes[view.__name__], view_func=view, methods=["POST" if post else "GET"])
    return bp
