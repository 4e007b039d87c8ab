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
    app.config.update(SECRET_KEY=settings.secret_key, SETTINGS=settings)

    from webapp import auth, errors, pages, security, weather

    csrf.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(weather.bp)
    return app
