"""`CognitoAuth`: Cognito Hosted UI sign-in for a Flask app, wired in one call."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace

from flask import Flask, request

from webapp.cognito_auth import errors, sessions, views
from webapp.cognito_auth.errors import SessionStoreUnavailable
from webapp.cognito_auth.oidc_client import OidcClient
from webapp.cognito_auth.session_store import SessionStore
from webapp.cognito_auth.settings import CognitoAuthSettings
from webapp.cognito_auth.state import EXTENSION, AppState, request_state, state
from webapp.request_log import NoQueryStrings

#: One instance, so that an app factory called again adds it once (`Logger.addFilter` skips one already there).
NO_QUERY_STRINGS = NoQueryStrings()


class CognitoAuth:
    """`CognitoAuth(app)`, or `auth = CognitoAuth()` then `auth.init_app(app)` in an app factory.

    `init_app` reads and checks the settings (`settings`, or `CognitoAuthSettings.from_app(app)`), makes
    `flask.session` a server-side session (Flask-Session over Redis or files: the browser holds only an opaque
    id), registers the sign-in routes (`routes` moves any of them, e.g. ``{"callback": "/auth/callback"}``), the
    error pages and the hooks that load `current_user` and keep sessions honest. `clock` is the time the
    extension reads for sessions and tokens (tests move it instead of sleeping).
    """

    def __init__(self, app: Flask | None = None, *, settings: CognitoAuthSettings | None = None,
                 routes: Mapping[str, str] | None = None, clock: Callable[[], float] = time.time):
        self.settings = settings
        self.routes = dict(routes or {})
        self.clock = clock
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        settings = self.settings or CognitoAuthSettings.from_app(app)
        if self.routes:
            settings = replace(settings, routes={**settings.routes, **self.routes})
        if not app.secret_key:
            app.secret_key = settings.secret_key
        # Authlib logs the PKCE code_verifier at DEBUG: that never gets through, whatever the root logger says.
        logging.getLogger("authlib").setLevel(logging.INFO)
        # Werkzeug's development server (`flask run`) logs each request line whole.
        logging.getLogger("werkzeug").addFilter(NO_QUERY_STRINGS)
        store = SessionStore(app, settings, self.clock)
        app.session_interface = store
        app.extensions[EXTENSION] = AppState(settings, self.clock, OidcClient(settings, self.clock), store)
        app.before_request(before_request)
        app.after_request(sessions.revoke_ended_session)
        app.after_request(mark_private)
        # Templates get the user itself, not the `current_user` proxy: a page reads it a dozen times.
        app.context_processor(lambda: {"current_user": request_state().user})
        app.jinja_env.globals.setdefault("csrf_token", views.csrf_token)
        app.register_error_handler(errors.AuthError, errors.error_response)
        app.register_blueprint(views.create_blueprint(settings.routes))


def before_request() -> None:
    """In this order: a store that failed to open the session answers 503; a sign-out form is checked against the
    session it was rendered for, before a session that timed out meanwhile is ended (its button must still work);
    then who is signed in."""
    if request_state().store_down:
        raise SessionStoreUnavailable()
    views.check_form()
    sessions.load_current_user()


def mark_private(response):
    """`Cache-Control: no-store` on every response that is one person's (a shared cache or the back button must
    not show it to another), and no Referer from the callback, whose URL holds the authorization code."""
    endpoint = request.endpoint
    if endpoint == "static":
        response.headers.pop("Vary", None)  # the same file for everyone, whatever the session
    elif request_state().private or request.blueprint == EXTENSION:
        response.headers["Cache-Control"] = "no-store"
    if endpoint == "cognito_auth.callback":
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


def readiness_problems() -> list[str]:
    """Why this app cannot serve signed-in pages now (an empty list: it can), for a readiness probe: the session
    store answers, and Cognito's discovery document and keys are loaded or loadable."""
    return state().store.readiness_problems() + state().oidc.readiness_problems()
