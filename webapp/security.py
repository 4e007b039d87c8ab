"""Response headers every page carries: a strict CSP with no inline script, no framing, no sniffing.

Plus two that depend on the page: `Cache-Control: no-store` wherever a signed-in session or the sign-in flow is
involved (a shared cache or the back button must not show one person's page to another), and
`Referrer-Policy: no-referrer` on the callback, whose URL carries the authorization code and state.

This is the one place that sets them; blueprints do not add headers of their own.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self' {form_targets}; "
    "frame-ancestors 'none'; base-uri 'none'"
)
CALLBACK_ENDPOINT = "auth.callback"
# Every response of these is one person's, error pages included, even after the request ended the session.
PRIVATE_BLUEPRINTS = frozenset({"auth", "weather"})


def init_app(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    # Sign-out posts to our own /logout, which redirects to Cognito: the CSP's form-action must allow that hop.
    csp = CONTENT_SECURITY_POLICY.format(form_targets=settings.cognito_domain)
    hsts = settings.app_base_url.startswith("https://")

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        referrer_policy = "no-referrer" if request.endpoint == CALLBACK_ENDPOINT else "strict-origin-when-cross-origin"
        response.headers.setdefault("Referrer-Policy", referrer_policy)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint == "static":
            response.headers.pop("Vary", None)
        elif g.get("user") is not None or request.blueprint in PRIVATE_BLUEPRINTS:
            response.headers["Cache-Control"] = "no-store"
        return response
