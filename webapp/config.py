"""Settings for the web app, the weather API and the command-line client: read from the environment once,
validated once.

Every problem is collected and reported in one `ConfigError`, so a misconfigured deployment fails at start-up
with a message that lists everything to fix instead of failing on the first request.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Mapping
from urllib.parse import urlsplit

from webapp.cognito_jwt import USER_POOL_ID

# aws.cognito.signin.user.admin lets the app call GlobalSignOut with the user's token ("Sign out everywhere").
DEFAULT_SCOPES = "openid email profile aws.cognito.signin.user.admin weatherapi/read"
DEFAULT_API_SCOPE = "weatherapi/read"
# Stated once, for the settings classes (tests build them directly) and for `from_env`.
DEFAULT_IDLE_TIMEOUT = 30 * 60
DEFAULT_ABSOLUTE_LIFETIME = 8 * 60 * 60
DEFAULT_REFRESH_MARGIN = 5 * 60
DEFAULT_HTTP_TIMEOUT = 5.0
# Leeway for token times, in both apps. Tokens are checked the moment Cognito issues them (the web app at sign-in
# and refresh, the API on the call that follows), so to a server clock even a second behind Cognito's their `iat`
# lies in the future; a few seconds absorb ordinary drift.
CLOCK_SKEW = 5


class ConfigError(ValueError):
    """The environment does not describe a usable deployment; the message lists every problem."""


def raise_if_problems(app: str, problems: list[str]) -> None:
    if problems:
        raise ConfigError(f"Invalid {app} configuration:\n  - " + "\n  - ".join(problems))


def is_loopback_host(host: str | None) -> bool:
    """Cognito accepts plain http only for localhost; we apply the same rule to every endpoint we talk to."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def endpoint_problem(url: str) -> str | None:
    """What keeps `url` from being an endpoint we call or send people to, or None if nothing does: the one rule
    for URLs from the environment and from discovery documents. Absolute http(s) with a host (and a port that is
    a number); plain http only on a loopback host."""
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


def check_url(name: str, value: str, problems: list[str]) -> str:
    """A base URL from the environment: an endpoint (`endpoint_problem`) that paths are appended to, so it carries
    no query or fragment; returned without a trailing slash."""
    problem = endpoint_problem(value)
    if problem is None and (urlsplit(value).query or urlsplit(value).fragment):
        problem = "must not carry a query or fragment"
    if problem:
        problems.append(f"{name} {problem}, got {value!r}")
    return value.rstrip("/")


def positive_seconds(name: str, raw: str | None, default: int, problems: list[str]) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        problems.append(f"{name} must be a positive whole number of seconds, got {raw!r}")
    return value


def timeout_seconds(name: str, raw: str | None, default: float, problems: list[str]) -> float:
    """A network timeout: positive and at most a minute (a request thread must not hang on the IdP)."""
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 60:
        problems.append(f"{name} must be a number of seconds between 0 and 60, got {raw!r}")
    return value


@dataclass(frozen=True)
class Issuer:
    """Where a user pool's tokens come from and where its discovery document lives."""

    issuer: str
    metadata_url: str

    @classmethod
    def from_env(cls, env: Mapping[str, str], problems: list[str]) -> "Issuer":
        issuer = env.get("COGNITO_ISSUER", "")
        if not issuer:
            region, pool = env.get("COGNITO_REGION", ""), env.get("COGNITO_USER_POOL_ID", "")
            match = USER_POOL_ID.fullmatch(pool)
            if not match:
                problems.append(
                    "set COGNITO_USER_POOL_ID (like us-east-1_AbC123xyZ) and COGNITO_REGION, or COGNITO_ISSUER"
                )
                return cls("", "")
            if region and region != match["region"]:
                problems.append(f"COGNITO_REGION {region!r} does not match the user pool id {pool!r}")
            issuer = f"https://cognito-idp.{match['region']}.amazonaws.com/{pool}"
        issuer = check_url("COGNITO_ISSUER", issuer, problems)
        metadata = env.get("COGNITO_METADATA_URL") or f"{issuer}/.well-known/openid-configuration"
        return cls(issuer, check_url("COGNITO_METADATA_URL", metadata, problems))

    @property
    def user_pool_id(self) -> str:
        return self.issuer.rsplit("/", 1)[-1]

    @property
    def region(self) -> str:
        return self.user_pool_id.split("_", 1)[0]

    @property
    def api_endpoint(self) -> str:
        """Cognito's JSON API lives at the issuer's origin (cognito-idp.REGION.amazonaws.com, or the local one)."""
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}/"


@dataclass(frozen=True)
class WebSettings:
    """Everything the web app needs to know about its deployment."""

    issuer: Issuer
    client_id: str
    client_secret: str | None
    cognito_domain: str
    scopes: str
    app_base_url: str
    weather_api_url: str
    secret_key: str
    session_redis_url: str | None = None
    session_dir: str | None = None
    # Sliding: a session unused this long ends. Absolute: no session outlives this, whatever refreshes happen.
    session_idle_timeout: int = DEFAULT_IDLE_TIMEOUT
    session_absolute_lifetime: int = DEFAULT_ABSOLUTE_LIFETIME
    # Refresh the access token this long before it expires, so no request ever sends one about to lapse; never
    # before half its lifetime, though, so short-lived tokens are not refreshed on every request
    # (`webapp.hosted_ui.refresh_time`).
    token_refresh_margin: int = DEFAULT_REFRESH_MARGIN
    # Every call to the IdP (discovery, JWKS, token, revocation, JSON API) gives up after this many seconds.
    http_timeout: float = DEFAULT_HTTP_TIMEOUT

    @property
    def secure_cookies(self) -> bool:
        return self.app_base_url.startswith("https://")

    @property
    def redirect_uri(self) -> str:
        return f"{self.app_base_url}/callback"

    @property
    def logout_uri(self) -> str:
        return f"{self.app_base_url}/signed-out"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "WebSettings":
        env = os.environ if env is None else env
        problems: list[str] = []
        issuer = Issuer.from_env(env, problems)
        client_id = env.get("COGNITO_CLIENT_ID", "")
        if not client_id:
            problems.append("COGNITO_CLIENT_ID is required (the web app client's id)")
        domain = env.get("COGNITO_DOMAIN", "")
        if not domain:
            problems.append("COGNITO_DOMAIN is required (e.g. https://myapp.auth.us-east-1.amazoncognito.com)")
        scopes = " ".join(env.get("COGNITO_SCOPES", DEFAULT_SCOPES).split())
        if "openid" not in scopes.split():
            problems.append("COGNITO_SCOPES must include openid (Cognito issues no ID token without it)")
        secret_key = env.get("SECRET_KEY", "")
        if len(secret_key) < 32:
            problems.append("SECRET_KEY must be set to at least 32 random characters")
        settings = cls(
            issuer=issuer,
            client_id=client_id,
            client_secret=env.get("COGNITO_CLIENT_SECRET") or None,
            cognito_domain=check_url("COGNITO_DOMAIN", domain, problems) if domain else "",
            scopes=scopes,
            app_base_url=check_url("APP_BASE_URL", env.get("APP_BASE_URL", "http://localhost:5000"), problems),
            weather_api_url=check_url(
                "WEATHER_API_URL", env.get("WEATHER_API_URL", "http://localhost:5001"), problems
            ),
            secret_key=secret_key,
            session_redis_url=env.get("SESSION_REDIS_URL") or None,
            session_dir=env.get("SESSION_DIR") or None,
            session_idle_timeout=positive_seconds(
                "SESSION_IDLE_TIMEOUT", env.get("SESSION_IDLE_TIMEOUT"), DEFAULT_IDLE_TIMEOUT, problems
            ),
            session_absolute_lifetime=positive_seconds(
                "SESSION_ABSOLUTE_LIFETIME", env.get("SESSION_ABSOLUTE_LIFETIME"), DEFAULT_ABSOLUTE_LIFETIME, problems
            ),
            token_refresh_margin=positive_seconds(
                "TOKEN_REFRESH_MARGIN", env.get("TOKEN_REFRESH_MARGIN"), DEFAULT_REFRESH_MARGIN, problems
            ),
            http_timeout=timeout_seconds("HTTP_TIMEOUT", env.get("HTTP_TIMEOUT"), DEFAULT_HTTP_TIMEOUT, problems),
        )
        if settings.session_redis_url and not settings.session_redis_url.startswith(
            ("redis://", "rediss://", "unix://")
        ):
            problems.append("SESSION_REDIS_URL must be a redis://, rediss:// or unix:// URL")
        raise_if_problems("web app", problems)
        return settings


@dataclass(frozen=True)
class ApiSettings:
    """Everything the weather API needs: which pool to trust, which clients, which scope."""

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
    def from_env(cls, env: Mapping[str, str] | None = None) -> "ApiSettings":
        env = os.environ if env is None else env
        problems: list[str] = []
        issuer = Issuer.from_env(env, problems)
        client_ids = tuple(c.strip() for c in env.get("WEATHER_API_CLIENT_IDS", "").split(",") if c.strip())
        if not client_ids:
            problems.append("WEATHER_API_CLIENT_IDS must list the app client ids allowed to call the API")
        scope = env.get("WEATHER_API_SCOPE", DEFAULT_API_SCOPE).strip()
        if not scope or " " in scope:
            problems.append("WEATHER_API_SCOPE must be one scope, like weatherapi/read")
        http_timeout = timeout_seconds("HTTP_TIMEOUT", env.get("HTTP_TIMEOUT"), DEFAULT_HTTP_TIMEOUT, problems)
        raise_if_problems("weather API", problems)
        return cls(issuer=issuer, client_ids=client_ids, scope=scope, http_timeout=http_timeout)


@dataclass(frozen=True)
class MachineClient:
    """A confidential app client allowed the client credentials grant, and the pool's token endpoint."""

    token_endpoint: str
    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class PasswordClient:
    """An app client allowed USER_PASSWORD_AUTH, and the pool whose JSON API signs users in."""

    issuer: Issuer
    client_id: str
    client_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ClientSettings:
    """What the command-line client (`webapp.client`) needs for one flow: where its tokens come from, the weather
    API, and where tokens are cached between runs.

    Only the chosen flow's variables are required: a service holding the machine client's credentials has no
    reason to know the cli client, and a person signing in has no machine secret.
    """

    weather_api_url: str
    cache_dir: Path
    machine: MachineClient | None = None
    password: PasswordClient | None = None
    scope: str = DEFAULT_API_SCOPE
    http_timeout: float = DEFAULT_HTTP_TIMEOUT

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, flow: Literal["machine", "user"]
    ) -> "ClientSettings":
        env = os.environ if env is None else env
        problems: list[str] = []
        scope = env.get("WEATHER_API_SCOPE", DEFAULT_API_SCOPE).strip()
        if not scope or " " in scope:
            problems.append("WEATHER_API_SCOPE must be one scope, like weatherapi/read")
        settings = cls(
            weather_api_url=check_url(
                "WEATHER_API_URL", env.get("WEATHER_API_URL", "http://localhost:5001"), problems
            ),
            cache_dir=user_cache_dir(env) / "weather-client",
            machine=machine_client(env, problems) if flow == "machine" else None,
            password=password_client(env, problems) if flow == "user" else None,
            scope=scope,
            http_timeout=timeout_seconds("HTTP_TIMEOUT", env.get("HTTP_TIMEOUT"), DEFAULT_HTTP_TIMEOUT, problems),
        )
        raise_if_problems("weather client", problems)
        return settings


def machine_client(env: Mapping[str, str], problems: list[str]) -> MachineClient:
    domain = env.get("COGNITO_DOMAIN", "")
    if domain:
        domain = check_url("COGNITO_DOMAIN", domain, problems)
    else:
        problems.append("COGNITO_DOMAIN is required (e.g. https://myapp.auth.us-east-1.amazoncognito.com)")
    for name in ("MACHINE_CLIENT_ID", "MACHINE_CLIENT_SECRET"):
        if not env.get(name):
            problems.append(f"{name} is required for --machine (the machine app client's id and secret)")
    return MachineClient(
        token_endpoint=f"{domain}/oauth2/token",
        client_id=env.get("MACHINE_CLIENT_ID", ""),
        client_secret=env.get("MACHINE_CLIENT_SECRET", ""),
    )


def password_client(env: Mapping[str, str], problems: list[str]) -> PasswordClient:
    if not env.get("CLI_CLIENT_ID"):
        problems.append("CLI_CLIENT_ID is required for --user (an app client allowing USER_PASSWORD_AUTH)")
    return PasswordClient(
        issuer=Issuer.from_env(env, problems),
        client_id=env.get("CLI_CLIENT_ID", ""),
        client_secret=env.get("CLI_CLIENT_SECRET") or None,
    )


def user_cache_dir(env: Mapping[str, str]) -> Path:
    """`$XDG_CACHE_HOME`, or `~/.cache` (the XDG Base Directory default; a relative XDG path is ignored, as the
    specification says)."""
    xdg = env.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg)
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".cache"
