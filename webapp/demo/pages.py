"""The pages around the forecast: home (public), profile (signed in), the health check, and the date filters."""

from __future__ import annotations

import time

from flask import Blueprint, render_template

from webapp.cognito_auth import access_token, login_required, readiness_problems

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    return render_template("index.html")


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers (whatever its dependencies do)."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Readiness: the session store and Cognito can be used now."""
    problems = readiness_problems()
    return ({"status": "unavailable", "problems": problems}, 503) if problems else {"status": "ready"}


@bp.get("/profile")
@login_required
def profile():
    access_token()  # refreshed if due: keeps the expiry shown honest, and notices a revoked refresh token
    return render_template("profile.html", now=time.time())


@bp.app_template_filter("utc")
def utc(timestamp: float) -> str:
    """A Unix time as people read it; UTC, because the server does not know the reader's time zone."""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(timestamp))


@bp.app_template_filter("duration")
def duration(seconds: float) -> str:
    """Seconds as the largest sensible unit: "45 seconds", "12 minutes", "3 hours"."""
    seconds = max(0, int(seconds))
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            return f"{seconds // size} {unit}s"
    return f"{seconds} second{'s' if seconds != 1 else ''}"
