"""Two-step sign-in (an authenticator app's codes, TOTP), switched on and off by the signed-in user from the profile
page, with Cognito's JSON API and their own access token: AssociateSoftwareToken, then the secret as a QR code,
then VerifySoftwareToken with a first code, then SetUserMFAPreference. The pool must allow TOTP MFA (OPTIONAL),
and the token must carry `aws.cognito.signin.user.admin` (in the default COGNITO_SCOPES). The same calls work
against the real service and the local Cognito: only the endpoint differs (the issuer's origin).

The secret is shown on the setup page and nowhere else, and kept until it is verified only in the server-side
session; it is never logged.
"""

from __future__ import annotations

from functools import cached_property

import pyotp
import segno
from botocore.exceptions import BotoCoreError, ClientError
from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from webapp.cognito_auth import AuthError, TokenServiceUnavailable, access_token, current_user, login_required
from webapp.demo.settings import WebSettings

bp = Blueprint("two_step", __name__, url_prefix="/profile/two-step")
EXTENSION = "demo_two_step"
SECRET = "two_step_secret"
ISSUER_NAME = "Cognito Weather"  # how authenticator apps label the account
WRONG_CODE = ("CodeMismatchException", "EnableSoftwareTokenMFAException")


class TwoStepRefused(AuthError):
    status = 502
    error = "two_step_refused"
    title = "Two-step sign-in could not be changed"
    message = "The sign-in service refused the change, so nothing was changed. Please try again later."
    action = "retry"


class CognitoUserApi:
    """boto3's client for Cognito's JSON API, built on first use (boto3 costs memory most workers never need).

    The calls are unsigned: the user's access token is the credential."""

    def __init__(self, settings: WebSettings):
        self.settings = settings

    @cached_property
    def client(self):
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        timeout = self.settings.http_timeout
        return boto3.session.Session().client(
            "cognito-idp", region_name=self.settings.issuer.region, endpoint_url=self.settings.issuer.api_endpoint,
            config=Config(signature_version=UNSIGNED, connect_timeout=timeout, read_timeout=timeout,
                          retries={"max_attempts": 1, "mode": "standard"}))

    def call(self, operation: str, token: str | None = None, **parameters):
        """Call `operation` with the user's access token (`token`, or the session's); Cognito's refusals raise
        TwoStepRefused, except a wrong code's, which the caller shows."""
        try:
            return getattr(self.client, operation)(AccessToken=token or access_token(), **parameters)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in WRONG_CODE:
                raise
            raise TwoStepRefused(error=error.response.get("Error", {}).get("Code") or "client_error") from None
        except BotoCoreError as error:
            raise TokenServiceUnavailable(error=type(error).__name__) from None


def init_app(app: Flask, settings: WebSettings) -> None:
    app.extensions[EXTENSION] = CognitoUserApi(settings)
    app.register_blueprint(bp)


def api() -> CognitoUserApi:
    return current_app.extensions[EXTENSION]


def is_on(token: str) -> bool | None:
    """Whether the user signs in with a code too; None when Cognito cannot say right now."""
    try:
        user = api().call("get_user", token)
    except AuthError:
        return None
    return "SOFTWARE_TOKEN_MFA" in user.get("UserMFASettingList", [])


def check_form() -> None:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        abort(400, "This form has expired or was not sent from this site. Go back, reload the page and try again.")


@bp.post("/setup")
@login_required
def start():
    check_form()
    session[SECRET] = api().call("associate_software_token")["SecretCode"]
    return redirect(url_for("two_step.setup"))


@bp.get("/setup")
@login_required
def setup():
    if SECRET not in session:
        return redirect(url_for("pages.profile"))
    return setup_page()


def setup_page(problem: str | None = None):
    uri = pyotp.TOTP(session[SECRET]).provisioning_uri(name=current_user.email or current_user.username,
                                                       issuer_name=ISSUER_NAME)
    qr_code = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    return render_template("two_step_setup.html", secret=session[SECRET], qr_code=qr_code, problem=problem), \
        400 if problem else 200


@bp.post("/verify")
@login_required
def verify():
    check_form()
    if SECRET not in session:
        return redirect(url_for("pages.profile"))
    code = request.form.get("code", "").strip()
    if not (len(code) == 6 and code.isdigit()):
        return setup_page("Enter the 6 digits your authenticator app shows.")
    try:
        api().call("verify_software_token", UserCode=code, FriendlyDeviceName=ISSUER_NAME)
    except ClientError:
        return setup_page("That code is not right. Check the app shows Cognito Weather, and use its newest code.")
    api().call("set_user_mfa_preference", SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    session.pop(SECRET, None)
    flash("Two-step sign-in is on: from now on you sign in with your password and a code from your app.", "success")
    return redirect(url_for("pages.profile"))


@bp.post("/off")
@login_required
def turn_off():
    check_form()
    api().call("set_user_mfa_preference", SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False})
    flash("Two-step sign-in is off: you sign in with your password only.", "success")
    return redirect(url_for("pages.profile"))
