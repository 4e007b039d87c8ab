"""The weather API's settings: which pool to trust, which clients, which scope."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from webapp.environment import DEFAULT_HTTP_TIMEOUT, Env, Issuer

DEFAULT_API_SCOPE = "weatherapi/read"


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

    @classmethod
    def from_env(cls, values: Mapping[str, str] | None = None) -> "ApiSettings":
        env = Env(os.environ if values is None else values)
        client_ids = tuple(c.strip() for c in env.text("WEATHER_API_CLIENT_IDS").split(",") if c.strip())
        if not client_ids:
            env.problems.append("WEATHER_API_CLIENT_IDS must list the app client ids allowed to call the API")
        settings = cls(issuer=env.issuer(), client_ids=client_ids, scope=env.scope("WEATHER_API_SCOPE",
                       DEFAULT_API_SCOPE), http_timeout=env.timeout())
        env.raise_if_problems("weather API")
        return settings
