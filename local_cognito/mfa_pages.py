"""The Hosted UI's authenticator steps after the password (reference §7.2): `/mfa` asks for the code of the
user's authenticator app; `/mfa/setup` (a pool with MFA ON, a user without an authenticator) shows a new secret
as text and as a QR code, and asks for a first code.

Both pages take the authorize request's parameters, like `/login`, and continue to the client once the code is
right. Which user and step they are about is a server-side challenge session, the same kind the JSON API's
`Session` is (it lives the client's AuthSessionValidity, takes a few wrong codes, then ends); the browser's
signed cookie holds only its random handle, so replaying an older cookie cannot buy more attempts.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, session
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired

from local_cognito import mfa
from local_cognito.login_pages import MFA_SESSION_KEY, AuthorizeRequest, LoginForm, sign_in, \
    validate_authorize_request
from local_cognito.store import User

bp = Blueprint("mfa_pages", __name__)

WRONG_CODE = "Invalid code received for user"
EXPIRED = "Your session has expired. Please sign in again."


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[InputRequired("This field is required.")])


def _pool():
    return current_app.extensions["local_cognito"]


def pending(step: str, checked: AuthorizeRequest) -> User | None:
    """The user whose password was proven in this browser for `step`, while that sign-in is live."""
    token = session.get(MFA_SESSION_KEY)
    found = _pool().accounts.challenge_session(token) if isinstance(token, str) else None
    if found is None or found.challenge != step or found.client_id != checked.client.client_id or not found.sub:
        return None
    return _pool().store.active_user(found.sub)


def expired() -> tuple[str, int]:
    """Back to the sign-in form, saying why."""
    session.pop(MFA_SESSION_KEY, None)
    form = LoginForm(formdata=None)
    form.username.errors = [EXPIRED]
    return render_template("login.html", form=form), 400


def finish(checked: AuthorizeRequest, user: User) -> Response | tuple[str, int]:
    if not _pool().accounts.end_challenge_session(session.pop(MFA_SESSION_KEY, "")):
        return expired()  # answered meanwhile in another tab: a session answers once
    return sign_in(checked, user)


def wrong_code(form: CodeForm) -> bool:
    """Note a wrong code next to the field; False once the session has taken its last one."""
    if not _pool().accounts.count_session_failure(session.get(MFA_SESSION_KEY, ""), mfa.MAX_CODE_FAILURES):
        return False
    form.code.errors.append(WRONG_CODE)
    return True


@bp.route("/mfa", methods=["GET", "POST"])
def code():
    checked = validate_authorize_request()
    if isinstance(checked, Response):
        return checked
    user = pending(mfa.SOFTWARE_TOKEN_MFA, checked)
    if user is None:
        return expired()
    form = CodeForm()
    if form.validate_on_submit():
        if _pool().software_tokens.check_code(user.sub, form.code.data.strip()):
            return finish(checked, user)
        if not wrong_code(form):
            return expired()
    return render_template("mfa_code.html", form=form), 400 if form.errors else 200


@bp.route("/mfa/setup", methods=["GET", "POST"])
def setup():
    checked = validate_authorize_request()
    if isinstance(checked, Response):
        return checked
    user = pending(mfa.MFA_SETUP, checked)
    if user is None:
        return expired()
    tokens = _pool().software_tokens
    form = CodeForm()
    if form.validate_on_submit():
        if tokens.verify_pending(user.sub, form.code.data.strip(), None):
            tokens.set_preference(user.sub, enabled=True, preferred=True)
            return finish(checked, user)
        if not wrong_code(form):
            return expired()
    secret = tokens.pending_secret(user.sub) or tokens.associate(user.sub)
    uri = mfa.setup_uri(secret, user.email or user.username, _pool().config.name)
    return render_template("mfa_setup.html", form=form, secret=secret, qr_code=mfa.qr_code_data_uri(uri)), \
        400 if form.errors else 200
