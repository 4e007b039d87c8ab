"""What the extension counts, for Prometheus (prometheus-client; under gunicorn in its multiprocess mode, see
`deploy/gunicorn.conf.py`). The metrics are process-wide, as prometheus-client's are by design.

Labels are bounded sets chosen here, never values a caller sends: outcomes are our own error codes (an OAuth
`error=` the IdP or an attacker put in the callback is counted by our class, not by its text), endpoints and
services are names from configuration. No label ever holds a user id, an email or a token.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from prometheus_client import Counter, Histogram

SIGN_INS = Counter("cognito_auth_sign_ins_total", "Sign-ins that reached the callback, by outcome", ["outcome"])
REFRESHES = Counter("cognito_auth_refreshes_total", "Access token refreshes, by outcome "
                    "(ok, rejected, unavailable, adopted: another request had just refreshed)", ["outcome"])
SIGN_OUTS = Counter("cognito_auth_sign_outs_total", "Sign-outs (here, everywhere)", ["kind"])
SESSIONS_ENDED = Counter("cognito_auth_sessions_timed_out_total", "Sessions ended by a timeout", ["timeout"])
STORE_ERRORS = Counter("cognito_auth_session_store_errors_total", "Failed session store calls", ["error"])
CIRCUIT_OPENS = Counter("cognito_auth_circuit_opens_total", "Times a failing dependency's circuit opened",
                        ["dependency"])
COGNITO_SECONDS = Histogram("cognito_auth_cognito_request_seconds", "Calls to Cognito, by endpoint", ["endpoint"])
COGNITO_ERRORS = Counter("cognito_auth_cognito_errors_total", "Calls to Cognito that got no answer or an error "
                         "status, by endpoint and error", ["endpoint", "error"])
API_SECONDS = Histogram("cognito_auth_api_request_seconds", "Calls to APIs as the user, by service", ["service"])
API_RESPONSES = Counter("cognito_auth_api_responses_total", "Calls to APIs as the user, by service and status "
                        "(an HTTP status, or the error that kept the call from an answer)", ["service", "status"])

#: Cognito's endpoints, told apart by the end of their path (the Hosted UI domain's and the issuer's).
COGNITO_ENDPOINTS = {"/oauth2/token": "token", "/oauth2/revoke": "revocation", "/openid-configuration": "discovery",
                     "/jwks.json": "jwks", "/oauth2/userInfo": "userinfo"}


def cognito_endpoint(url: str) -> str:
    path = urlsplit(url).path
    if path in ("", "/"):
        return "json_api"
    return next((name for end, name in COGNITO_ENDPOINTS.items() if path.endswith(end)), "other")


def observe_cognito(request, seconds: float, outcome: int | str) -> None:
    endpoint = cognito_endpoint(request.url)
    COGNITO_SECONDS.labels(endpoint).observe(seconds)
    if not isinstance(outcome, int) or outcome >= 400:
        COGNITO_ERRORS.labels(endpoint, str(outcome)).inc()


def api_observer(service: str):
    def observe(request, seconds: float, outcome: int | str) -> None:
        API_SECONDS.labels(service).observe(seconds)
        API_RESPONSES.labels(service, str(outcome)).inc()
    return observe


def circuit_opened(name: str, pause: float) -> None:
    CIRCUIT_OPENS.labels(name).inc()
