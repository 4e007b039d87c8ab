"""One place that turns every failure into a page with the right status, never a stack trace."""

from __future__ import annotations

import logging
import re

from flask import Flask, current_app, render_template, request
from flask.globals import request_ctx
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from webapp.next_path import current_page, referring_page
from webapp.security import CALLBACK_ENDPOINT

log = logging.getLogger(__name__)

STORE_DOWN = (RedisConnectionError, RedisTimeoutError)


def wire_code(text: object) -> str:
    """An error code fit for a log line: codes can come from the IdP's answer, so keep them short and plain."""
    return re.sub(r"[^A-Za-z0-9_.-]", "", str(text))[:64] or "unknown"


class PageError(Exception):
    """A failure a person can meet. Each subclass carries its status, its words and what to do next.

    `error` is a short wire-style code for the log (never a token or a URL); `action` names the call to action
    the error template shows: "sign_in" (a "Sign in again" button) or "retry" (a "Try again" button).
    """

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


class StoreUnavailable(PageError):
    status = 503
    error = "session_store_unavailable"
    title = "Please try again in a moment"
    message = "We cannot reach our session store right now. Please try again in a moment."
    action = "retry"


class SignInRequired(PageError):
    """The session has ended (timed out, signed out elsewhere, refresh token revoked or expired)."""

    status = 401
    error = "sign_in_required"
    title = "Please sign in again"
    message = "Your session has ended. Sign in again to continue."
    action = "sign_in"


class TokenServiceUnavailable(PageError):
    """Cognito's token endpoint is unreachable or failing: the session is kept, the request can be retried."""

    status = 503
    error = "temporarily_unavailable"
    title = "Please try again in a moment"
    message = "We cannot reach the sign-in service right now. Your session is fine: please try again shortly."
    action = "retry"


class GlobalSignOutRefused(PageError):
    """Cognito refused GlobalSignOut for a reason other than "already signed out": nothing was ended anywhere,
    so the page says so instead of pretending (the usual cause is an access token without the
    aws.cognito.signin.user.admin scope, which GlobalSignOut requires)."""

    status = 502
    error = "global_sign_out_refused"
    title = "We could not sign you out everywhere"
    message = (
        "The sign-in service refused to end your other sessions, so nothing was changed: you are still signed in "
        "here and on your other devices. Use Sign out to end this session."
    )


class SignInFailed(PageError):
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
    """Discovery answered, but not for the user pool we are configured for (or with endpoints elsewhere)."""

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
    """The Hosted UI or the token endpoint refused the request (an OAuth error response)."""

    error = "invalid_request"
    title = "Sign-in did not complete"
    message = "The sign-in service refused the request. Please sign in again."


class SignInNotVerified(SignInFailed):
    """The tokens the token endpoint returned failed validation: we trust nothing in them."""

    status = 401
    error = "invalid_token"
    title = "We could not verify your sign-in"
    message = "The sign-in response could not be verified, so you have not been signed in. Please sign in again."


class BadIdentityProviderResponse(SignInFailed):
    status = 502
    error = "invalid_response"
    title = "Sign-in did not complete"
    message = "The sign-in service sent a response we could not understand. Please sign in again."


def render_error(status: int, title: str, message: str, *, action: str | None = None, headers=(), **context):
    """The error page: what happened, what to do next (`action` names a call to action in the template)."""
    return render_template(
        "errors/error.html", status=status, title=title, message=message, action=action, **context
    ), status, headers


def retry_path() -> str | None:
    """Where the error page's "Try again" leads, or None for no such button.

    A GET is retried by loading the same page again. A form's POST is retried from the page the form was on: a
    link to the POST's own URL would only meet a 405. The callback is never retried: its URL holds a single-use
    authorization code, which must not be copied into a page.
    """
    if request.endpoint == CALLBACK_ENDPOINT:
        return None
    return current_page() if request.method == "GET" else referring_page()


def render_page_error(error: PageError):
    log.info("%s (%s) -> %d", type(error).__name__, error.error, error.status)
    return render_error(
        error.status, error.title, error.message, action=error.action, next_path=error.next_path,
        retry_path=retry_path() if error.action == "retry" else None,
    )


def init_app(app: Flask) -> None:
    app.register_error_handler(PageError, render_page_error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # Failures while opening the session happen before any view and reach us wrapped in a 500.
        if isinstance(getattr(error, "original_exception", None), STORE_DOWN):
            return store_down(error.original_exception)
        # Werkzeug's headers for the status (Allow on a 405, WWW-Authenticate on a 401), not its HTML's type.
        headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
        return render_error(error.code or 500, error.name, error.description or "", headers=headers)

    @app.errorhandler(RedisConnectionError)
    @app.errorhandler(RedisTimeoutError)
    def store_down(error: Exception):
        # When the store failed while the session was being opened, the request has no session at all, and the
        # layout reads one (flashed messages): give it an empty, unsaveable one so the page can render. Flask
        # matches the URL only after opening the session, so match it now: the page and its headers must know
        # which route this is (the callback's URL holds an authorization code).
        if request_ctx and request_ctx._session is None:
            request_ctx._session = current_app.session_interface.make_null_session(current_app)
            if request.url_rule is None and request.routing_exception is None and request_ctx.url_adapter:
                request_ctx.match_request()
        return render_page_error(StoreUnavailable(error=type(error).__name__))

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        # Log the type only: exception messages from HTTP clients can carry URLs or tokens.
        log.error("unhandled %s on request", type(error).__name__)
        internal = InternalServerError()
        return render_error(500, internal.name, "Something went wrong on our side. Please try again.")
