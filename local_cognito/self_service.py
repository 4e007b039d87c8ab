"""The Hosted UI's self-service pages: `/signup`, `/confirm`, `/confirmUser`, `/resendcode`, `/forgotPassword`,
`/confirmForgotPassword` (reference §1.2).

Every page but `/confirmUser` takes the same query parameters as `/oauth2/authorize`, checked the same way, and
passes them on, so the person ends where they started: signed in and back at the client (after confirming a
sign-up made in this browser), or at the sign-in form. The flows are `accounts`' functions, shared with the JSON
API; codes are "sent" to the development outbox. Forms are Flask-WTF forms (CSRF token), with each error next to
the field it concerns.

Between pages the browser's signed Flask session (the `XSRF-TOKEN` cookie) remembers only the user's `sub`, so
the next page can name the email address without putting it in a URL.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired

from local_cognito import accounts
from local_cognito.api_errors import (
    CodeMismatch,
    CognitoError,
    ExpiredCode,
    InvalidPassword,
    LimitExceeded,
    ResourceNotFound,
)
from local_cognito.login_pages import (
    PASSWORD_CHANGED_KEY,
    AuthorizeRequest,
    query_string,
    sign_in,
    validate_authorize_request,
)
from local_cognito.store import User

bp = Blueprint("self_service", __name__)

REQUIRED = "This field is required."
PENDING_KEY = "self_service"
PENDING_LIFETIME = 3600  # how long a sign-up in this browser may be confirmed and continue to the client
CODE_ERRORS = (CodeMismatch, ExpiredCode, LimitExceeded)


class SignUpForm(FlaskForm):
    username = EmailField("Email", validators=[InputRequired(REQUIRED)])
    password = PasswordField("Password", validators=[InputRequired(REQUIRED)])


class ConfirmForm(FlaskForm):
    username = EmailField("Email", validators=[InputRequired(REQUIRED)])
    code = StringField("Verification code", validators=[InputRequired(REQUIRED)])


class UsernameForm(FlaskForm):
    username = EmailField("Email", validators=[InputRequired(REQUIRED)])


class ResetPasswordForm(FlaskForm):
    username = EmailField("Email", validators=[InputRequired(REQUIRED)])
    code = StringField("Verification code", validators=[InputRequired(REQUIRED)])
    password = PasswordField("New password", validators=[InputRequired(REQUIRED)])
    confirm_password = PasswordField("Enter new password again", validators=[
        InputRequired(REQUIRED), EqualTo("password", "Passwords do not match.")])


def _pool():
    return current_app.extensions["local_cognito"]


def page_url(endpoint: str) -> str:
    """Another page of the flow, with this request's authorize parameters."""
    return f"{url_for(endpoint)}?{query_string()}"


def show_error(form: FlaskForm, error: CognitoError) -> None:
    """Put Cognito's message next to the field it is about (the email field when it is about the account)."""
    if isinstance(error, InvalidPassword) and "password" in form:
        form.password.errors.append(error.message)
    elif isinstance(error, CODE_ERRORS) and "code" in form:
        form.code.errors.append(error.message)
    else:
        form.username.errors.append(error.message)


# -- who the flow is about -------------------------------------------------------------------------------------
def remember(user: User, *, signed_up: bool) -> None:
    """The user the next page is about; `signed_up` when they just gave their password in this browser."""
    session[PENDING_KEY] = {"sub": user.sub, "signed_up": signed_up, "until": _pool().clock() + PENDING_LIFETIME}


def pending_user() -> tuple[User | None, bool]:
    pending = session.get(PENDING_KEY) or {}
    if pending.get("until", 0) <= _pool().clock():
        return None, False
    return _pool().store.user(str(pending.get("sub"))), bool(pending.get("signed_up"))


def prefill(form: FlaskForm) -> User | None:
    user, _ = pending_user()
    if request.method == "GET" and user is not None and user.email:
        form.username.data = user.email
    return user


def render(template: str, form: FlaskForm, **context) -> tuple[str, int]:
    return render_template(template, form=form, **context), 400 if form.errors else 200


# -- sign-up ---------------------------------------------------------------------------------------------------
@bp.route("/signup", methods=["GET", "POST"])
def signup():
    checked = validate_authorize_request()
    if isinstance(checked, Response):
        return checked
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            result = accounts.sign_up(_pool(), checked.client, form.username.data, form.password.data, {})
        except CognitoError as error:
            show_error(form, error)
        else:
            remember(result.user, signed_up=True)
            if result.delivery is None:  # no email verification: an administrator confirms the account
                return redirect(page_url("login_pages.login"))
            return redirect(page_url("self_service.confirm"))
    config = _pool().config
    return render("signup.html", form, allowed=config.allow_self_sign_up, policy=config.password_policy)


@bp.route("/confirm", methods=["GET", "POST"])
def confirm():
    checked = validate_authorize_request()
    if isinstance(checked, Response):
        return checked
    form = ConfirmForm()
    user = prefill(form)
    if form.validate_on_submit():
        try:
            confirmed = accounts.confirm_sign_up(_pool(), checked.client, form.username.data.strip(),
                                                 form.code.data.strip())
        except CognitoError as error:
            show_error(form, error)
        else:
            return after_confirmation(checked, confirmed)
    destination = accounts.mask(user.email) if user is not None and user.email else None
    return render("confirm.html", form, destination=destination)


def after_confirmation(checked: AuthorizeRequest, user: User) -> Response:
    """Back to the client, signed in, if this browser made the sign-up; otherwise to the sign-in form."""
    pending, signed_up = pending_user()
    session.pop(PENDING_KEY, None)
    if signed_up and pending is not None and pending.sub == user.sub:
        return sign_in(checked, user)
    return redirect(page_url("login_pages.login"))


@bp.route("/resendcode", methods=["GET", "POST"])
def resend_code():
    checked = validate_authorize_request()
    if isinstance(checked, Response):
        return checked
    form = UsernameForm()
    prefill(form)
    if form.validate_on_submit():
        try:
            accounts.resend_confirmation_code(_pool(), checked.client, form.username.data.strip())
        except CognitoError as error:
            show_error(form, error)
        else:
            return redirect(page_url("self_service.confirm"))
    return render("resend_code.html", form)


@bp.get("/confirmUser")
def confirm_user():
    """The link form of confirmation (`client_id`, `user_name`, `confirmation_code`), as sent in link emails."""
    pool = _pool()
    client_id = request.args.get("client_id", "")
    try:
        client = pool.store.client(client_id) if client_id else None
        if client is None:
            raise ResourceNotFound(f"User pool client {client_id} does not exist.")
        accounts.confirm_sign_up(pool, client, request.args.get("user_name", ""),
                                 request.args.get("confirmation_code", ""))
    except CognitoError as error:
        return render_template("confirmed.html", problem=error.message), 400
    return render_template("confirmed.html", problem=None)


# -- forgotten password ----------------------------------------------------------------------------------------
@bp.route("/forgotPassword", methods=["GET", "POST"])
def forgot_password():
    checked = validate_authorize_request()
    if isinstance(checked, Response):
        return checked
    form = UsernameForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        try:
            accounts.forgot_password(_pool(), checked.client, username)
        except CognitoError as error:
            show_error(form, error)
        else:
            user = _pool().store.find_user(username)
            session.pop(PENDING_KEY, None)
            if user is not None:
                remember(user, signed_up=False)
            return redirect(page_url("self_service.confirm_forgot_password"))
    return render("forgot_password.html", form)


@bp.route("/confirmForgotPassword", methods=["GET", "POST"])
@bp.route("/confirmforgotPassword", methods=["GET", "POST"], endpoint="confirm_forgot_password_as_cognito_spells_it")
def confirm_forgot_password():
    checked = validate_authorize_request()
    if isinstance(checked, Response):
        return checked
    form = ResetPasswordForm()
    prefill(form)
    if form.validate_on_submit():
        try:
            user = accounts.confirm_forgot_password(_pool(), checked.client, form.username.data.strip(),
                                                    form.code.data.strip(), form.password.data)
        except CognitoError as error:
            show_error(form, error)
        else:
            session.pop(PENDING_KEY, None)
            session[PASSWORD_CHANGED_KEY] = user.sub
            return redirect(page_url("login_pages.login"))
    return render("confirm_forgot_password.html", form)


@bp.app_context_processor
def account_links():
    """What the sign-in page needs for its "Sign up" and "Forgot your password?" links."""
    return {"self_sign_up": _pool().config.allow_self_sign_up, "page_url": page_url}
