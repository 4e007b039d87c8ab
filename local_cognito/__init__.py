"""The local Cognito: an offline, faithful stand-in for an Amazon Cognito user pool and its Hosted UI domain.

Built from `deploy/cognito.yaml` (the template of the real pool). The Hosted UI domain and the JSON API
endpoint are both `base_url`; the issuer is `{base_url}/{pool_id}`. The web app and the weather API talk to it
exactly as to the real service; only the URLs differ.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable, Mapping

import yaml  # noqa: F401 -- the `local` extra: without it (a production install) importing this package fails here
from authlib.oauth2 import OAuth2Error
from flask import Flask, Response, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import BadHost, HTTPException, InternalServerError

from local_cognito.state import LocalCognito

# `deploy/cognito.yaml` through a symlink, so a source checkout and an installed wheel both find it.
DEFAULT_TEMPLATE = (Path(__file__).parent / "cognito.yaml").resolve()
EXTENSION = "local_cognito"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'{form_targets}; "
    "frame-ancestors 'none'; base-uri 'none'"
)

log = logging.getLogger(__name__)


def create_app(*, state_dir: str | Path, base_url: str, template: str | Path = DEFAULT_TEMPLATE,
               region: str = "us-east-1", parameters: Mapping[str, str] | None = None,
               clock: Callable[[], float] = time.time, token_lifetime: int | None = None) -> Flask:
    """Build the local Cognito for the pool in `state_dir` (created on first use), served at `base_url`.

    `parameters` are the template's parameter values (e.g. `{"WebAppBaseUrl": "http://localhost:8080"}`); the
    state directory keeps them, and None means those it kept (`LocalCognito`).

    `token_lifetime` (seconds) overrides every client's access and ID token validity, below Cognito's
    5-minute minimum if need be, so tests can watch tokens expire without waiting; `clock` lets tests move
    time forward (code and token expiry). Neither is for production use.
    """
    # Authlib's server grants log issued tokens at DEBUG level: keep that logger above DEBUG whatever the root says.
    grants_log = logging.getLogger("authlib.oauth2.rfc6749.grants")
    grants_log.setLevel(max(grants_log.getEffectiveLevel(), logging.INFO))
    pool = LocalCognito(state_dir=state_dir, base_url=base_url, template=template, region=region,
                        parameters=parameters, clock=clock, token_lifetime=token_lifetime)
    app = Flask(__name__)
    secure = pool.base_url.startswith("https://")
    app.config.update(
        SECRET_KEY=pool.secret_key,
        # The session cookie only carries the forms' CSRF token, hence Cognito's cookie name for it.
        SESSION_COOKIE_NAME="XSRF-TOKEN", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure, WTF_CSRF_TIME_LIMIT=3600, MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.extensions[EXTENSION] = pool

    from local_cognito import i18n, json_api, login_pages, mfa_pages, oauth, outbox, self_service, userinfo, well_known

    json_api_operations()
    csrf = CSRFProtect(app)
    for machine_facing in (oauth.bp, userinfo.bp, json_api.bp):
        csrf.exempt(machine_facing)  # called by programs with their own credentials, never by our forms
    i18n.init_app(app)
    _init_security_headers(app)
    _init_error_pages(app)
    for blueprint in (well_known.bp, oauth.bp, userinfo.bp, login_pages.bp, mfa_pages.bp, self_service.bp, json_api.bp,
                      outbox.bp):
        app.register_blueprint(blueprint)
    return app


def json_api_operations():
    """The JSON API's table of operations, filled by importing the modules that register them."""
    from local_cognito import (  # noqa: F401 (they register their operations)
        json_api_account,
        json_api_admin,
        json_api_auth,
        json_api_groups,
        json_api_mfa,
        json_api_pool,
        json_api_users,
    )
    from local_cognito.json_api import operations

    return operations


def _init_security_headers(app: Flask) -> None:
    from flask import g

    @app.after_request
    def set_security_headers(response):
        # A sign-in form's POST ends in a redirect to the client's callback: form-action must allow that origin.
        targets = "".join(f" {origin}" for origin in g.get("form_targets", ()))
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(form_targets=targets))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cache-Control", "no-store")
        return response


def _init_error_pages(app: Flask) -> None:
    def page(status: int, title: str, message: str):
        return render_template("error.html", title=title, message=message, status=status), status

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return page(400, "Your session on this page expired",
                    "The form was open too long or was sent from another site. Go back, reload and try again.")

    @app.errorhandler(OAuth2Error)
    def oauth_error(error: OAuth2Error):
        # E.g. Authlib's insecure-transport check on a request that names a non-loopback http host.
        return page(400, "Bad request", "The request could not be processed.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, BadHost):  # no URL can be built for this Host, not even the error page's links
            return Response(f"{error.code} {error.name}", error.code, mimetype="text/plain")
        return page(error.code or 500, error.name, error.description or "")

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.error("unhandled %s on request", type(error).__name__)  # the type only: messages can carry tokens
        return page(500, InternalServerError().name, "Something went wrong. Please try again.")
