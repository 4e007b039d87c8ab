"""The weather page (being built: see issue 5)."""

from __future__ import annotations

from flask import Blueprint

from webapp.errors import render_error

bp = Blueprint("weather", __name__)


@bp.get("/weather")
def page():
    return render_error(503, "The weather page is not available yet", "The weather page is being built.")
