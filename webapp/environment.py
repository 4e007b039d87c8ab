"""Reading settings from the environment, for every part of the product: the rules for URLs, seconds and the user
pool's issuer, and one `ConfigError` that lists every problem at once.

A misconfigured deployment must fail at start-up with a message that lists everything to fix, not on the first
request, and not one problem per restart; `Env` collects problems as each part's settings are read.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlsplit

#: Cognito user pool ids look like `us-east-1_AbC123xyZ`: the region, an underscore, letters and digits.
USER_POOL_ID = re.compile(r"(?P<region>[a-z]{2}(-[a-z]+)+-\d)_[0-9A-Za-z]+")
DEFAULT_HTTP_TIMEOUT = 5.0
# Leeway for token times, in every part. Tokens are checked the moment Cognito issues them, so to a server clock
# even a second behind Cognito's their `iat` lies in the future; a few seconds absorb ordinary drift.
CLOCK_SKEW = 5


class ConfigError(ValueError):
    """The environment does not describe a usable deployment; the message lists every problem."""


def is_loopback_host(host: str | None) -> bool:
    """Cognito accepts plain http only for localhost; we apply the same rule to every endpoint we talk to."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address((host or "").strip("[]")).is_loopback
    except ValueError:
        return False


def endpoint_problem(url: str) -> str | None:
    """What keeps `url` from being an endpoint we call or send people to, or None: the one rule for URLs from the
    environment and from discovery documents. Absolute http(s) with a host (and a numeric port); plain http only
    on a loopback host."""
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port  # `port` raises ValueError when it is not a number
    except ValueError:
        return "must be an absolute http(s) URL"
    if parts.scheme not in ("http", "https") or not host:
        return "must be an absolute http(s) URL"
    if parts.scheme == "http" and not is_loopback_host(host):
        return "must use https (plain http is allowed only on loopback)"
    return None


class Env:
    """Values read from a mapping (the environment, or a Flask config), each checked, problems collected."""

    def __init__(self, values: Mapping[str, Any]):
        self.values = values
        self.problems: list[str] = []

    def text(self, name: str, default: str = "") -> str:
        value = self.values.get(name)
        return default if value in (None, "") else str(value)

    def required(self, name: str, meaning: str) -> str:
        value = self.text(name)
        if not value:
            self.problems.append(f"{name} is required ({meaning})")
        return value

    def url(self, name: str, default: str = "") -> str:
        return self.check_url(name, self.text(name, default))

    def check_url(self, name: str, value: str) -> str:
        """A base URL that paths are appended to: an endpoint (`endpoint_problem`) with no query or fragment;
        returned without a trailing slash."""
        problem = endpoint_problem(value)
        if problem is None and (urlsplit(value).query or urlsplit(value).fragment):
            problem = "must not carry a query or fragment"
        if problem:
            self.problems.append(f"{name} {problem}, got {value!r}")
        return value.rstrip("/")

    def seconds(self, name: str, default: int) -> int:
        raw = self.text(name)
        if not raw:
            return default
        value = int(raw) if raw.isdigit() else 0
        if value <= 0:
            self.problems.append(f"{name} must be a positive whole number of seconds, got {raw!r}")
        return value

    def timeout(self, name: str = "HTTP_TIMEOUT", default: float = DEFAULT_HTTP_TIMEOUT) -> float:
        """A network timeout: positive and at most a minute (a request thread must not hang on a dependency)."""
        raw = self.text(name)
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = 0.0
        if not 0 < value <= 60:
            self.problems.append(f"{name} must be a number of seconds between 0 and 60, got {raw!r}")
        return value

    def scope(self, name: str, default: str) -> str:
        value = self.text(name, default).strip()
        if not value or " " in value:
            self.problems.append(f"{name} must be one scope, like {default}")
        return value

    def issuer(self) -> "Issuer":
        """The pool's issuer from COGNITO_ISSUER, or from COGNITO_REGION and COGNITO_USER_POOL_ID."""
        issuer = self.text("COGNITO_ISSUER")
        if not issuer:
            region, pool = self.text("COGNITO_REGION"), self.text("COGNITO_USER_POOL_ID")
            match = USER_POOL_ID.fullmatch(pool)
            if not match:
                self.problems.append(
                    "set COGNITO_USER_POOL_ID (like us-east-1_AbC123xyZ; its region comes from it) or COGNITO_ISSUER")
                return Issuer("", "")
            if region and region != match["region"]:
                self.problems.append(f"COGNITO_REGION {region!r} does not match the user pool id {pool!r}")
            issuer = f"https://cognito-idp.{match['region']}.amazonaws.com/{pool}"
        issuer = self.check_url("COGNITO_ISSUER", issuer)
        return Issuer(issuer, self.url("COGNITO_METADATA_URL", f"{issuer}/.well-known/openid-configuration"))

    def raise_if_problems(self, part: str) -> None:
        if self.problems:
            raise ConfigError(f"Invalid {part} configuration:\n  - " + "\n  - ".join(self.problems))


@dataclass(frozen=True)
class Issuer:
    """Where a user pool's tokens come from and where its discovery document lives."""

    issuer: str
    metadata_url: str

    @property
    def region(self) -> str:
        """The user pool id's prefix (the issuer ends with the pool id)."""
        return self.issuer.rsplit("/", 1)[-1].split("_", 1)[0]

    @property
    def api_endpoint(self) -> str:
        """Cognito's JSON API lives at the issuer's origin (cognito-idp.REGION.amazonaws.com, or the local one)."""
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}/"
