"""The weather API's settings: which pool to trust, which clients, which scope, which browser origins."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

from webapp.environment import DEFAULT_HTTP_TIMEOUT, Env, Issuer, endpoint_problem
from webapp.forecast import DEFAULT_API_SCOPE


@dataclass(frozen=True)
class ApiSettings:
    issuer: Issuer
    client_ids: tuple[str, ...]
    scope: str = DEFAULT_API_SCOPE
    # Every call to the IdP (discovery, JWKS) gives up after this many seconds: HTTP_TIMEOUT, as for the web app.
    http_timeout: float = DEFAULT_HTTP_TIMEOUT
    # How often an unknown `kid` may trigger a JWKS refetch, and how long a failed discovery fetch is remembered
    # before the next request tries again (short in tests; the defaults suit production).
    jwks_refetch_interval: float = 10.0
    discovery_retry_interval: float = 5.0
    # On Lambda behind an API Gateway JWT authorizer: take the claims it validated instead of verifying the token
    # again (bearer.authorizer_claims); every request without them is refused.
    trust_authorizer: bool = False
    # Browser origins (scheme://host[:port]) whose scripts may call the API (CORS); none by default.
    cors_origins: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, values: Mapping[str, str] | None = None) -> "ApiSettings":
        env = Env(os.environ if values is None else values)
        client_ids = tuple(c.strip() for c in env.text("WEATHER_API_CLIENT_IDS").split(",") if c.strip())
        if not client_ids:
            env.problems.append("WEATHER_API_CLIENT_IDS must list the app client ids allowed to call the API")
        trust = env.text("WEATHER_API_TRUST_AUTHORIZER", "0")
        if trust not in ("0", "1"):
            env.problems.append(f"WEATHER_API_TRUST_AUTHORIZER must be 1 or 0, got {trust!r}")
        origins = tuple(o.strip() for o in env.text("WEATHER_API_CORS_ORIGINS").split(",") if o.strip())
        env.problems += [f"WEATHER_API_CORS_ORIGINS: {origin!r} is not an origin (scheme://host[:port]; plain http "
                         "only on loopback)" for origin in origins if not is_origin(origin)]
        settings = cls(issuer=env.issuer(), client_ids=client_ids, scope=env.scope("WEATHER_API_SCOPE",
                       DEFAULT_API_SCOPE), http_timeout=env.timeout(), trust_authorizer=trust == "1",
                       cors_origins=origins)
        env.raise_if_problems("weather API")
        return settings


def is_origin(value: str) -> bool:
    """An origin as browsers send it in `Origin`: nothing after the port, no credentials; https, or http on a
    loopback host (a single-page app in development)."""
    if endpoint_problem(value):  # also every value urlsplit cannot take
        return False
    parts = urlsplit(value)
    return value == f"{parts.scheme}://{parts.netloc}" and "@" not in value
