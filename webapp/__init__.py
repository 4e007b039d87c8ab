"""The web app: Cognito Hosted UI sign-in for a server-rendered Flask app that calls the weather API."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from webapp.config import WebSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = PROJECT_ROOT / "templates"
STATIC = PROJECT_ROOT / "static"

csrf = CSRFProtect()


def create_app(settings: WebSettings | None = None) -> Flask:
    """Build the web app from `settings` (tests) or from the environment (everything else)."""
    settings = settings or WebSettings.from_env()
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(STATIC))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SETTINGS=settings,
        # The CSRF token lives in the server-side session and dies with it; no separate clock to run out.
        WTF_CSRF_TIME_LIMIT=None,
    )

    from webapp import auth, errors, hosted_ui, pages, security, sessions, weather

    # CSRF first: a sign-out form must be checked against the session it was rendered for, before
    # `sessions` ends a session that timed out in the meantime.
    csrf.init_app(app)
    sessions.init_app(app, settings)
    hosted_ui.init_app(app, settings)
    security.init_app(app)
    errors.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(weather.bp)
    return app
