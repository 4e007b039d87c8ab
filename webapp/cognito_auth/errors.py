"""Every failure the extension lets a person meet, as a class carrying its status, its words and the next step,
and the one place that turns them into a response: the page `cognito_auth/error.html`, or JSON for a request that
asks for it or a view marked `login_required(api=True)`. Host apps may raise their own subclasses, or register
their own handler for any of these classes (Flask prefers the most specific one)."""

from __future__ import annotations

import logging
import re

from flask import current_app, jsonify, render_template, request

from webapp.cognito_auth.next_path import current_page, referring_page

log = logging.getLogger(__name__)


def wire_code(text: object) -> str:
    """An error code fit for a log line: codes can come from the IdP's answer, so keep them short and plain."""
    return re.sub(r"[^A-Za-z0-9_.-]", "", str(text))[:64] or "unknown"


class AuthError(Exception):
    """A failure a person can meet: `status`, a short wire-style `error` code for logs and JSON (never a token or
    a URL), a `title` and `message` for people, and `action`, the page's call to action: "sign_in" (a "Sign in
    again" button, back to `next_path`) or "retry" (a "Try again" button)."""

    status = 500
    error = "server_error"
    title = "Something went wrong"
    message = "Something went wrong on our side. Please try again."
    action: str | None = None

    def __init__(self, message: str | None = None, *, error: str | None = None, next_path: str | None = None):
        if error:
            self.error = wire_code(error)
        super().__init__(self.error)
        if message:
            self.message = message
        self.next_path = next_path


class SessionStoreUnavailable(AuthError):
    status = 503
    error = "session_store_unavailable"
    title = "Please try again in a moment"
    message = "We cannot reach our session store right now. Please try again in a moment."
    action = "retry"


class SignInRequired(AuthError):
    status = 401
    error = "sign_in_required"
    title = "Please sign in again"
    message = "Your session has ended. Sign in again to continue."
    action = "sign_in"


class AccessDenied(AuthError):
    status = 403
    error = "insufficient_group"
    title = "You do not have access to this page"

    def __init__(self, groups: list[str] | tuple[str, ...]):
        super().__init__(f"This page is for members of {' or '.join(groups)}. Ask an administrator if you need it.")


class FormExpired(AuthError):
    """A sign-out form without this session's CSRF token: forged, or from a session that is gone."""

    status = 400
    error = "csrf_failed"
    title = "This form has expired"
    message = "This form has expired or was not sent from this site. Go back, reload the page and try again."


class TokenServiceUnavailable(AuthError):
    status = 503
    error = "temporarily_unavailable"
    title = "Please try again in a moment"
    message = "We cannot reach the sign-in service right now. Your session is fine: please try again shortly."
    action = "retry"


class GlobalSignOutRefused(AuthError):
    """Nothing was ended anywhere, so the page says so (the usual cause: a token without the
    aws.cognito.signin.user.admin scope, which GlobalSignOut requires)."""

    status = 502
    error = "global_sign_out_refused"
    title = "We could not sign you out everywhere"
    message = (
        "The sign-in service refused to end your other sessions, so nothing was changed: you are still signed in "
        "here and on your other devices. Use Sign out to end this session."
    )


class CognitoRefused(AuthError):
    """Cognito's JSON API refused an operation made with the user's token; `error` is Cognito's exception name
    (CodeMismatchException...), and `token_revoked` says the token itself was revoked (signed out everywhere)."""

    status = 502
    error = "cognito_refused"
    title = "The sign-in service refused the change"
    message = "The sign-in service refused the change, so nothing was changed. Please try again later."
    action = "retry"

    def __init__(self, message: str | None = None, *, error: str | None = None, token_revoked: bool = False):
        super().__init__(message, error=error)
        self.token_revoked = token_revoked


class SignInFailed(AuthError):
    """Base of everything that stops a sign-in: each page offers to start again, and no session is created."""

    status = 400
    error = "invalid_request"
    title = "Sign-in did not complete"
    message = "Something went wrong while signing you in. Please sign in again."
    action = "sign_in"


class SignInUnavailable(SignInFailed):
    status = 503
    error = "temporarily_unavailable"
    title = "Sign-in is unavailable right now"
    message = "We cannot reach the sign-in service at the moment. Please try again in a minute."


class IdentityProviderMismatch(SignInFailed):
    """Discovery answered, but not for our user pool (or with endpoints elsewhere)."""

    status = 502
    error = "invalid_discovery"
    title = "Sign-in is unavailable"
    message = "The sign-in service did not identify itself as expected, so we did not send you there."


class UnknownSignIn(SignInFailed):
    """No pending flow matches the callback's state: expired, already used, another browser, or forged."""

    error = "unknown_state"
    title = "This sign-in has expired"
    message = "This sign-in link has expired or was already used. Please sign in again."


class SignInCancelled(SignInFailed):
    status = 401
    error = "access_denied"
    title = "Sign-in was cancelled"
    message = "The sign-in was cancelled or refused. You can sign in again whenever you like."


class SignInRejected(SignInFailed):
    message = "The sign-in service refused the request. Please sign in again."


class SignInNotVerified(SignInFailed):
    status = 401
    error = "invalid_token"
    title = "We could not verify your sign-in"
    message = "The sign-in response could not be verified, so you have not been signed in. Please sign in again."


class BadIdentityProviderResponse(SignInFailed):
    status = 502
    error = "invalid_response"
    title = "Sign-in did not complete"
    message = "The sign-in service sent a response we could not understand. Please sign in again."


class ApiUnavailable(AuthError):
    """An API called as the user could not be reached or answered something unusable; `service` is its name for
    people ("weather service")."""

    status = 502
    error = "api_unavailable"
    action = "retry"
    message = ("We could not get an answer from the {service}. The rest of the site works as usual; please try "
               "again in a moment.")

    def __init__(self, service: str, *, error: str | None = None):
        super().__init__(self.message.replace("{service}", service), error=error)
        self.title = f"{service[:1].upper()}{service[1:]} unavailable"


class ApiTimeout(ApiUnavailable):
    status = 504
    error = "api_timeout"
    message = ("The {service} is taking too long to answer. The rest of the site works as usual; please try again "
               "in a moment.")


class ApiSignInRejected(SignInRequired):
    """The API refused the user's token even after a refresh: the session has been ended."""

    error = "invalid_token"

    def __init__(self, service: str, *, next_path: str | None = None):
        super().__init__(f"The {service} did not accept your sign-in. Please sign in again to continue.",
                         next_path=next_path)


def wants_json() -> bool:
    """JSON for a view marked `login_required(api=True)`, or a request that prefers JSON to HTML."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "cognito_auth_api", False):
        return True
    return request.accept_mimetypes.best_match(("text/html", "application/json")) == "application/json"


def retry_path() -> str | None:
    """Where "Try again" leads: a GET's own page; a POST's form page (a link to the POST would meet a 405); never
    the callback, whose URL holds a single-use authorization code that must not be copied into a page."""
    if request.endpoint == "cognito_auth.callback":
        return None
    return current_page() if request.method == "GET" else referring_page()


def error_response(error: AuthError):
    log.info("%s (%s) -> %d", type(error).__name__, error.error, error.status)
    if wants_json():
        response = jsonify(error=error.error, error_description=error.message)
        response.status_code = error.status
        if error.status == 401:
            # There is no registered scheme for a cookie session; this follows draft-broyer-http-cookie-auth.
            login = current_app.url_for("cognito_auth.login")
            response.headers["WWW-Authenticate"] = f'Cookie realm="app", form-action="{login}", error="{error.error}"'
        return response
    page = render_template(
        "cognito_auth/error.html", status=error.status, title=error.title, message=error.message,
        action=error.action, next_path=error.next_path,
        retry_path=retry_path() if error.action == "retry" else None,
    )
    return page, error.status

