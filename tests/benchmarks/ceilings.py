"""Bare Flask apps that set the ceilings: the least work a page of the same shape can cost under gunicorn.

Each figure divides the project's requests/s by one of these, measured in the same run with the same gunicorn
settings, so the ratio says what our code costs and not how busy the machine was.
"""

from __future__ import annotations

import sys
import threading

from flask import Flask, render_template
from jinja2 import DictLoader

LAYOUT = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
<main>
{% block content %}{% endblock %}
</main>
</body>
</html>
"""
PAGE = """{% extends "layout.html" %}
{% block content %}
<h1>{{ title }}</h1>
<table>
{% for name, value in rows %}<tr><th>{{ name }}</th><td>{{ value }}</td></tr>
{% endfor %}</table>
<p>{{ filler }}</p>
{% endblock %}
"""


def bare_app() -> Flask:
    app = Flask(__name__)
    app.jinja_loader = DictLoader({"layout.html": LAYOUT, "page.html": PAGE})
    return app


def filler_for(app: Flask, size: int, title: str, rows: list[tuple[str, str]]) -> str:
    """A paragraph's text that brings the page to `size` bytes; worked out once, when the app is built."""
    with app.app_context():
        bare = app.jinja_env.get_template("page.html").render(title=title, rows=rows, filler="")
    return "x" * max(0, size - len(bare.encode()))


def page_app(size: int = 4096) -> Flask:
    """Ceiling of figure 1: render a template of `size` bytes from data already in memory."""
    app = bare_app()
    rows = [(f"claim {n}", f"value {n}") for n in range(8)]
    filler = filler_for(app, size, "Profile", rows)

    @app.get("/page")
    def page():
        return render_template("page.html", title="Profile", rows=rows, filler=filler)

    return app


FORECAST = [
    {"date": f"2025-01-0{day}", "temperatureC": 10 + day, "temperatureF": 50 + 2 * day, "summary": "Mild"}
    for day in range(1, 6)
]


def forecast_rows(days: list[dict]) -> list[tuple[str, str]]:
    return [(day["date"], f"{day['temperatureC']} °C {day['summary']}") for day in days]


def json_app() -> Flask:
    """The upstream of figure 2's ceiling: a bare JSON endpoint shaped like a five-day forecast."""
    app = Flask(__name__)

    @app.get("/forecast")
    def forecast():
        return FORECAST

    return app


def fetch_page_app(upstream: str, size: int = 4096) -> Flask:
    """Ceiling of figure 2: one keep-alive HTTP call to `upstream`, then render a page of `size` bytes.

    Each worker thread keeps its own `requests.Session` (one pooled connection per thread) as the extension
    state, so every call after the first reuses an open connection, as the web app's weather client does.
    (`requests` is imported here, not by the module, so that the page ceiling's workers do not load it: figure 7
    compares their memory with the web app's.)
    """
    import requests

    app = bare_app()
    local = threading.local()
    app.extensions["bench_http"] = local

    def http() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session

    filler = filler_for(app, size, "Weather", forecast_rows(FORECAST))

    @app.get("/page")
    def page():
        rows = forecast_rows(http().get(upstream, timeout=5).json())
        return render_template("page.html", title="Weather", rows=rows, filler=filler)

    return app


def weather_api_with_open_twin() -> Flask:
    """The real weather API plus `/bench/open/weatherforecast`: the same view function, same app, same hooks,
    without `require_access_token`. Figure 3 divides by it, so the ratio is the price of the token check alone.
    """
    from webapp.weather_api import create_app, views

    app = create_app()
    app.add_url_rule("/bench/open/weatherforecast", "bench_open_forecast", views.weatherforecast.__wrapped__)
    return app


def serve_bare_page(port: int) -> None:
    """Figure 7b's ceiling: a bare Flask server, served the way `python -m webapp` serves its apps (Werkzeug's
    threaded server), answering `GET /` with a page."""
    from werkzeug.serving import make_server

    app = page_app()
    app.add_url_rule("/", "home", app.view_functions["page"])
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


if __name__ == "__main__":  # python -m tests.benchmarks.ceilings PORT
    serve_bare_page(int(sys.argv[1]))
