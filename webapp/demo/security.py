"""Response headers every page carries: a strict CSP with no inline script, no framing, no sniffing, HSTS over
https. (The sign-in extension adds `Cache-Control: no-store` to every signed-in response, and no Referer from the
callback.)"""

from __future__ import annotations

from flask import Flask, Response

from webapp.demo.settings import WebSettings

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self' {form_targets}; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def init_app(app: Flask, settings: WebSettings) -> None:
    # Sign-out posts to our own /logout, which redirects to Cognito: the CSP's form-action must allow that hop.
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY.format(form_targets=settings.cognito_domain),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if settings.secure_cookies:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        # What a view set stays. One pass over the response's headers: `Headers.setdefault` would scan them per name.
        present = {name.lower() for name, _ in response.headers}
        response.headers.extend([(name, value) for name, value in headers.items() if name.lower() not in present])
        return response
