"""Sign-in and sign-out through the Cognito Hosted UI (being built: see issue 4)."""

from __future__ import annotations

from flask import Blueprint

from webapp.errors import render_error

bp = Blueprint("auth", __name__)


@bp.get("/login")
def login():
    return render_error(503, "Sign-in is not available yet", "Sign-in is being built.")
