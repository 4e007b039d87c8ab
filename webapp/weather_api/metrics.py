"""What the weather API counts, for Prometheus (see `webapp.cognito_auth.metrics` for the rules on labels)."""

from __future__ import annotations

from prometheus_client import Counter

REQUESTS = Counter("weather_api_requests_total", "Requests answered, by route and status", ["route", "status"])
REJECTIONS = Counter("weather_api_token_rejections_total", "Bearer tokens refused, by the check that failed "
                     "(the verifier's error class)", ["error"])
KEY_FETCHES = Counter("weather_api_cognito_fetches_total", "Fetches of the pool's discovery document and signing "
                      "keys, by document and outcome", ["document", "outcome"])


def observe_cognito(request, seconds: float, outcome: int | str) -> None:
    document = "jwks" if request.path_url.endswith("/jwks.json") else "discovery"  # the API fetches nothing else
    KEY_FETCHES.labels(document, str(outcome)).inc()
