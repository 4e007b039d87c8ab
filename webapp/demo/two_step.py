"""Two-step sign-in (an authenticator app's codes, TOTP), switched on and off by the signed-in user on its own page
(linked from the profile), with Cognito's JSON API and their own access token: AssociateSoftwareToken, then the
secret as a QR code, then VerifySoftwareToken with a first code, then SetUserMFAPreference. The pool must allow TOTP
MFA (OPTIONAL), and the token must carry `aws.cognito.signin.user.admin` (in the default COGNITO_SCOPES). The same
calls work against the real service and the local Cognito: only the endpoint differs (the issuer's origin).

The secret is shown on the setup page and nowhere else, and kept until it is verified only in the server-side
session; it is never logged.
"""

from __future__ import annotations

import re

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for

from webapp.cognito_auth import (
    CognitoRefused,
    TokenServiceUnavailable,
    check_csrf,
    current_user,
    login_required,
    user_pool_call,
)

bp = Blueprint("two_step", __name__, url_prefix="/profile/two-step")
SECRET = "two_step_secret"
ISSUER_NAME = "Cognito Weather"  # how authenticator apps label the account
WRONG_CODE = ("CodeMismatchException", "EnableSoftwareTokenMFAException")
BASE32 = re.compile(r"[A-Z2-7]{16,}=*")  # what an authenticator app can take as a secret


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("")
@login_required
def overview():
    """Its own page, so that the profile page costs no call to Cognito."""
    return render_template("two_step.html", on=is_on())


def is_on() -> bool | None:
    """Whether the user signs in with a code too; None when Cognito cannot say right now."""
    try:
        methods = user_pool_call("GetUser").get("UserMFASettingList") or []
    except (CognitoRefused, TokenServiceUnavailable):
        return None
    return "SOFTWARE_TOKEN_MFA" in methods if isinstance(methods, list) else None


@bp.post("/setup")
@login_required
def start():
    check_csrf()
    secret = user_pool_call("AssociateSoftwareToken").get("SecretCode")
    if not (isinstance(secret, str) and BASE32.fullmatch(secret)):
        raise TokenServiceUnavailable(error="invalid_response")
    session[SECRET] = secret
    return redirect(url_for("two_step.setup"))


@bp.get("/setup")
@login_required
def setup():
    if SECRET not in session:
        return redirect(url_for("two_step.overview"))
    return setup_page()


def setup_page(problem: str | None = None):
    import pyotp  # here, not at the top: only this page uses them, and a worker that never shows it never loads them
    import segno

    uri = pyotp.TOTP(session[SECRET]).provisioning_uri(name=current_user.email or current_user.username,
                                                       issuer_name=ISSUER_NAME)
    qr_code = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    return render_template("two_step_setup.html", secret=session[SECRET], qr_code=qr_code, problem=problem), \
        400 if problem else 200


@bp.post("/verify")
@login_required
def verify():
    check_csrf()
    if SECRET not in session:
        return redirect(url_for("two_step.overview"))
    code = request.form.get("code", "").strip()
    if not (len(code) == 6 and code.isdigit()):
        return setup_page("Enter the 6 digits your authenticator app shows.")
    try:
        user_pool_call("VerifySoftwareToken", UserCode=code, FriendlyDeviceName=ISSUER_NAME)
    except CognitoRefused as refusal:
        if refusal.error not in WRONG_CODE:
            raise
        return setup_page("That code is not right. Check the app shows Cognito Weather, and use its newest code.")
    user_pool_call("SetUserMFAPreference", SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    session.pop(SECRET, None)
    flash("Two-step sign-in is on: from now on you sign in with your password and a code from your app.", "success")
    return redirect(url_for("two_step.overview"))


@bp.post("/off")
@login_required
def turn_off():
    check_csrf()
    user_pool_call("SetUserMFAPreference", SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False})
    flash("Two-step sign-in is off: you sign in with your password only.", "success")
    return redirect(url_for("two_step.overview"))
