"""The weather API: a resource server that serves forecasts to holders of Cognito access tokens, under gunicorn or
on AWS Lambda behind API Gateway (`aws_lambda.handler`)."""

from __future__ import annotations

from flask import Flask, request

from webapp import request_log
from webapp.weather_api import metrics
from webapp.weather_api.settings import ApiSettings


def create_app(settings: ApiSettings | None = None) -> Flask:
    settings = settings or ApiSettings.from_env()
    app = Flask(__name__)
    app.config.update(SETTINGS=settings, MAX_CONTENT_LENGTH=16 * 1024)
    app.json.sort_keys = False  # the seeds' field order: date, temperatureC, temperatureF, summary

    from webapp.weather_api import bearer, errors, views

    request_log.init_app(app)
    errors.init_app(app)
    app.extensions["weather_api"] = bearer.TokenGuard(settings)
    app.register_blueprint(views.bp)
    app.after_request(no_store)
    if settings.cors_origins:
        allow_browser_callers(app, settings.cors_origins)
    return app


def allow_browser_callers(app: Flask, origins: tuple[str, ...]) -> None:
    """CORS for scripts on `origins` (flask-cors): preflights are answered before any view, so without a token
    (browsers send none with them), and every answer, errors included, names an allowed caller's origin and lets
    it read the `WWW-Authenticate` challenge. Others get no CORS headers, so their browsers withhold the answer."""
    from flask_cors import CORS  # here: only an API with browser callers needs it

    app.after_request(vary_on_origin)  # registered first, so it runs after flask-cors's hook
    CORS(app, origins=list(origins), methods=["GET", "OPTIONS"], allow_headers=["Authorization"],
         expose_headers=["WWW-Authenticate"], max_age=600, always_send=False)


def vary_on_origin(response):
    """The CORS headers depend on `Origin`; flask-cors says so only when it allows more than one origin."""
    response.vary.add("Origin")
    return response


def no_store(response):
    """Forecasts are per caller and errors are per token: nothing may be cached (RFC 6750 §5.3). Counted here,
    where every answer passes."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    metrics.REQUESTS.labels(request.url_rule.rule if request.url_rule else "unmatched", str(response.status_code)).inc()
    return response
