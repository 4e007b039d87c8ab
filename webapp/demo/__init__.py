"""The demo web app: home, profile and a weather page, signed in through the `cognito_auth` extension and using
only its public surface, as any app would."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask

from webapp import request_log
from webapp.cognito_auth import CognitoAuth
from webapp.demo import assets, errors, links, pages, security, two_step, weather
from webapp.demo.settings import WebSettings


def create_app(settings: WebSettings | None = None, *, clock: Callable[[], float] = time.time) -> Flask:
    """Build the web app from `settings` (tests) or from the environment (everything else)."""
    settings = settings or WebSettings.from_env()
    app = Flask(__name__)
    request_log.init_app(app)
    CognitoAuth(app, settings=settings, clock=clock)
    security.init_app(app, settings)
    links.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    app.register_blueprint(pages.bp)
    weather.init_app(app, settings, clock)
    two_step.init_app(app)
    return app
