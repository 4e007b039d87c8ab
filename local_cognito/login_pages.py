"""Hosted UI sign-in and sign-out: `/oauth2/authorize`, `/login`, `/logout`, `/error` (reference §1.1, §1.2, §1.6).

`/oauth2/authorize` fails two ways. With a known client and a registered redirect URI, every error goes back to
that URI as `error=...&state=...`; otherwise the user gets an error page on this domain and is never redirected
(an open redirector otherwise). Parameter checks beyond client and redirect URI are Authlib's grant validation
(response type, scope, PKCE); sign-in, the session cookie and `prompt` are handled here, and what may follow the
password: a new password (a temporary one was used), then the authenticator's code or its setup (`mfa_pages`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.errors import InvalidRequestError, UnauthorizedClientError
from authlib.oidc.core.errors import LoginRequiredError
from flask import Blueprint, Response, current_app, g, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import EqualTo, InputRequired

from local_cognito import accounts, browser_session, mfa
from local_cognito.account_store import ChallengeSession
from local_cognito.api_errors import CognitoError, PasswordResetRequired, UserNotConfirmed
from local_cognito.clients import AppClient
from local_cognito.oauth import SignedInUser
from local_cognito.store import CONFIRMED, FORCE_CHANGE_PASSWORD, User

bp = Blueprint("login_pages", __name__)

# What /logout's sign-in-again form carries over to /login (reference §1.6).
RELOGIN_PARAMETERS = ("client_id", "redirect_uri", "response_type", "state", "scope", "nonce", "code_challenge",
                      "code_challenge_method", "lang")
# How long the "change your temporary password" step may take: the client's AuthSessionValidity (3 minutes).
NEW_PASSWORD_SESSION_KEY = "new_password_for"
# The MFA step's server-side challenge session (the cookie holds only its random handle).
MFA_SESSION_KEY = "mfa_session"
MFA_PAGES = {mfa.SOFTWARE_TOKEN_MFA: "mfa_pages.code", mfa.MFA_SETUP: "mfa_pages.setup"}
# Whose password was just reset (their sub), for the sign-in page that follows: it says so and fills in the email.
# [Uncertain] the reference does not describe managed login's page after a reset; this is the plausible courtesy.
PASSWORD_CHANGED_KEY = "password_changed_for"


class LoginForm(FlaskForm):
    username = EmailField("Email", validators=[InputRequired("This field is required.")])
    password = PasswordField("Password", validators=[InputRequired("This field is required.")])


class NewPasswordForm(FlaskForm):
    """Shown after signing in with a temporary password (an admin-created user, FORCE_CHANGE_PASSWORD)."""

    new_password = PasswordField("New password", validators=[InputRequired("This field is required.")])
    confirm_password = PasswordField("Enter new password again", validators=[
        InputRequired("This field is required."), EqualTo("new_password", "Passwords do not match.")])


@dataclass(frozen=True)
class AuthorizeRequest:
    """An authorize request whose client and redirect URI check out, with Authlib's validated grant."""

    client: AppClient
    redirect_uri: str
    grant: object


def _pool():
    return current_app.extensions["local_cognito"]


def error_page(error: str, client_id: str | None = None) -> Response:
    """Send the browser to this domain's error page, as Cognito does for errors it must not redirect."""
    params = {"error": error, **({"client_id": client_id} if client_id else {})}
    return redirect(url_for("login_pages.error", **params))


def validate_authorize_request() -> AuthorizeRequest | Response:
    """The validated request, or the response that ends it: an error page, or an error sent to the client."""
    pool = _pool()
    client_id = request.args.get("client_id")
    client = pool.store.client(client_id) if client_id else None
    redirect_uri = request.args.get("redirect_uri")
    # [Uncertain] an unknown client_id is treated like an unregistered redirect URI: error page, no redirect.
    if client is None or not redirect_uri or not client.check_redirect_uri(redirect_uri):
        return error_page("redirect_mismatch", client_id)
    parts = urlsplit(redirect_uri)
    g.form_targets = (f"{parts.scheme}://{parts.netloc}",) if parts.netloc else ()
    try:
        response_type = request.args.get("response_type")
        if not response_type:
            raise InvalidRequestError()
        if response_type in ("code", "token") and not client.check_response_type(response_type):
            raise UnauthorizedClientError()
        provider = request.args.get("identity_provider")
        if provider and provider not in client.settings.supported_identity_providers:
            raise InvalidRequestError()  # [Uncertain] only the user pool itself (COGNITO) signs people in here
        grant = pool.oauth.get_consent_grant(end_user=None)
    except OAuth2Error as error:
        return redirect_error(redirect_uri, error)  # client and redirect URI are valid: tell the client
    return AuthorizeRequest(client, redirect_uri, grant)


def redirect_error(redirect_uri: str, error: OAuth2Error) -> Response:
    """Send `error` to the client; in the fragment for `response_type=token`, like its tokens (RFC 6749 §4.2.2.1)."""
    error.redirect_uri = redirect_uri
    error.redirect_fragment = request.args.get("response_type") == "token"
    error.state = request.args.get("state")
    return _pool().oauth.handle_error_response(None, error)


def issue_code(authorize: AuthorizeRequest, signed_in: SignedInUser) -> Response:
    grant = authorize.grant
    return _pool().oauth.create_authorization_response(request=grant.request, grant_user=signed_in, grant=grant)


def query_string() -> str:
    return request.query_string.decode("utf-8", "replace")


@bp.get("/oauth2/authorize")
def authorize() -> Response:
    checked = validate_authorize_request()
    if isinstance(checked, Response):
        return checked
    signed_in = browser_session.current_user()
    prompt = request.args.get("prompt")
    if prompt == "none":
        if signed_in:
            return issue_code(checked, signed_in)
        return redirect_error(checked.redirect_uri, LoginRequiredError())
    if signed_in and prompt != "login":
        return issue_code(checked, signed_in)  # silent sign-in with the live session
    return redirect(f"{url_for('login_pages.login')}?{query_string()}")


@bp.route("/login", methods=["GET", "POST"])
def login():
    checked = validate_authorize_request()
    if isinstance(checked, Response):
        return checked
    signed_in = browser_session.current_user()
    if request.method == "POST" and request.form.get("action") == "new_password":
        return set_new_password(checked)
    form = LoginForm()
    if request.method == "POST" and request.form.get("action") == "continue":
        if signed_in:
            return issue_code(checked, signed_in)
    elif form.validate_on_submit():
        user = authenticate(checked.client, form)
        if user is not None and user.status == FORCE_CHANGE_PASSWORD:
            session[NEW_PASSWORD_SESSION_KEY] = {"sub": user.sub, "until": _pool().clock() + 180}
            return render_template("new_password.html", form=NewPasswordForm(formdata=None))
        if user is not None:
            return after_password(checked, user)
    elif signed_in and request.args.get("prompt") != "login":
        return render_template("continue.html", name=signed_in.user.email or signed_in.user.username,
                               different_user=f"{url_for('login_pages.login')}?{_with_prompt_login()}")
    changed = _pool().store.user(str(session.pop(PASSWORD_CHANGED_KEY, ""))) if request.method == "GET" else None
    if request.method == "GET":
        form.username.data = request.args.get("login_hint") or (changed.email if changed else None)
    status = 400 if form.errors else 200
    return render_template("login.html", form=form, password_changed=changed is not None), status


def sign_in(checked: AuthorizeRequest, user: User) -> Response:
    """Issue the code and start a fresh Hosted UI session (prompt=login or not: a new session either way)."""
    signed_in = SignedInUser(user, int(_pool().clock()))
    response = issue_code(checked, signed_in)
    browser_session.start(response, signed_in)
    return response


def after_password(checked: AuthorizeRequest, user: User) -> Response:
    """Signed in, or on to the authenticator step the pool's MFA configuration asks for."""
    step = mfa.required_step(_pool(), user.sub)
    if step is None:
        return sign_in(checked, user)
    session[MFA_SESSION_KEY] = _pool().accounts.new_challenge_session(
        ChallengeSession(user.sub, checked.client.client_id, step), checked.client.settings.auth_session_validity * 60)
    return redirect(f"{url_for(MFA_PAGES[step])}?{query_string()}")


def set_new_password(checked: AuthorizeRequest):
    """The second step of signing in with a temporary password: choose one that meets the pool's policy."""
    pool = _pool()
    pending = session.get(NEW_PASSWORD_SESSION_KEY) or {}
    user = pool.store.user(pending["sub"]) if pending.get("until", 0) > pool.clock() else None
    if user is None or user.status != FORCE_CHANGE_PASSWORD:
        session.pop(NEW_PASSWORD_SESSION_KEY, None)
        form = LoginForm(formdata=None)
        form.username.errors = ["Your session has expired. Please sign in again."]
        return render_template("login.html", form=form), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        problem = pool.config.password_policy.violation(form.new_password.data)
        if problem is None:
            pool.store.set_password(user.sub, form.new_password.data, CONFIRMED)
            session.pop(NEW_PASSWORD_SESSION_KEY, None)
            return after_password(checked, pool.store.user(user.sub) or user)
        form.new_password.errors.append(problem)
    return render_template("new_password.html", form=form), 400


def authenticate(client: AppClient, form: LoginForm) -> User | None:
    """The user who may sign in with these credentials (as in the JSON API, lockout included); otherwise None,
    with the reason next to the field it is about."""
    try:
        return accounts.password_sign_in(_pool(), client, form.username.data.strip(), form.password.data)
    except (UserNotConfirmed, PasswordResetRequired) as error:
        form.username.errors.append(error.message)
    except CognitoError as error:
        form.password.errors.append(error.message)
    return None


def _with_prompt_login() -> str:
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "prompt"]
    return urlencode([*params, ("prompt", "login")])


@bp.get("/logout")
def logout() -> Response:
    """Sign out and go to a registered logout URL, or sign out and sign in again (reference §1.6)."""
    client_id = request.args.get("client_id")
    logout_uri = request.args.get("logout_uri")
    redirect_uri = request.args.get("redirect_uri")
    if not logout_uri and not redirect_uri:
        return error_page("Required parameters missing")
    client = _pool().store.client(client_id) if client_id else None
    if logout_uri:
        if client is None or not client.check_logout_uri(logout_uri):
            return error_page("redirect_mismatch", client_id)
        response = redirect(logout_uri)
    else:
        if client is None or not client.check_redirect_uri(redirect_uri) or not request.args.get("response_type"):
            return error_page("redirect_mismatch", client_id)
        params = [(k, v) for k, v in request.args.items() if k in RELOGIN_PARAMETERS]
        response = redirect(f"{url_for('login_pages.login')}?{urlencode(params)}")
    browser_session.end(response)
    return response


@bp.get("/error")
def error():
    return render_template("error.html", status=400, title=None,
                           message=request.args.get("error", "")), 400
