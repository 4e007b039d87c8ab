"""The extension's settings: the `COGNITO_*`, `SESSION_*` and timing variables, read and validated once.

`CognitoAuth(app)` reads them from `app.config` first, then from the environment (`from_app`); tests and apps
that assemble their settings themselves pass a `CognitoAuthSettings` instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from flask import Flask

from webapp.environment import DEFAULT_HTTP_TIMEOUT, Env, Issuer

#: The sign-in routes and their default paths (`CognitoAuth(app, routes={...})` moves them).
DEFAULT_ROUTES = {
    "login": "/login",
    "callback": "/callback",
    "logout": "/logout",
    "logout_everywhere": "/logout-everywhere",
    "signed_out": "/signed-out",
}


@dataclass(frozen=True)
class CognitoAuthSettings:
    """Everything the extension needs to know about the user pool, the app and its sessions."""

    issuer: Issuer
    client_id: str
    client_secret: str | None
    cognito_domain: str
    scopes: str
    app_base_url: str
    secret_key: str = field(repr=False)
    # Seal sessions at rest; the first seals, any opens. Empty: SECRET_KEY alone.
    session_encryption_keys: tuple[str, ...] = field(default=(), repr=False)
    session_redis_url: str | None = None
    session_dir: str | None = None
    # Sliding: a session unused this long ends. Absolute: no session outlives this, whatever refreshes happen.
    session_idle_timeout: int = 30 * 60
    session_absolute_lifetime: int = 8 * 60 * 60
    # Refresh the access token this long before it expires, but never before half its lifetime
    # (`oidc_client.refresh_time`).
    token_refresh_margin: int = 5 * 60
    # Every call to Cognito (discovery, JWKS, token, revocation, JSON API) and to the store gives up after this.
    http_timeout: float = DEFAULT_HTTP_TIMEOUT
    routes: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ROUTES))

    #: What sign-in asks for when COGNITO_SCOPES is not set; aws.cognito.signin.user.admin lets "sign out
    #: everywhere" call GlobalSignOut with the user's token.
    default_scopes: ClassVar[str] = "openid email profile aws.cognito.signin.user.admin"
    #: The part named in a configuration error.
    part: ClassVar[str] = "sign-in"

    @property
    def secure_cookies(self) -> bool:
        return self.app_base_url.startswith("https://")

    @property
    def redirect_uri(self) -> str:
        return self.app_base_url + self.routes["callback"]

    @property
    def logout_uri(self) -> str:
        return self.app_base_url + self.routes["signed_out"]

    @classmethod
    def from_env(cls, values: Mapping[str, Any] | None = None):
        env = Env(os.environ if values is None else values)
        settings = cls(**cls.read(env))
        env.raise_if_problems(cls.part)
        return settings

    @classmethod
    def from_app(cls, app: Flask):
        """From `app.config`, then the environment, for what the config leaves unset."""
        return cls.from_env({**os.environ, **{k: v for k, v in app.config.items() if v is not None}})

    @classmethod
    def read(cls, env: Env) -> dict[str, Any]:
        """The fields' values from `env` (its problem list collects what is wrong); subclasses add theirs."""
        scopes = " ".join(env.text("COGNITO_SCOPES", cls.default_scopes).split())
        if "openid" not in scopes.split():
            env.problems.append("COGNITO_SCOPES must include openid (Cognito issues no ID token without it)")
        secret_key = env.text("SECRET_KEY")
        if len(secret_key) < 32:
            env.problems.append("SECRET_KEY must be set to at least 32 random characters")
        keys = tuple(key.strip() for key in env.text("SESSION_ENCRYPTION_KEYS").split(",") if key.strip())
        if any(len(key) < 32 for key in keys):
            env.problems.append("SESSION_ENCRYPTION_KEYS must be comma-separated secrets of at least 32 characters")
        redis_url = env.text("SESSION_REDIS_URL") or None
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            env.problems.append("SESSION_REDIS_URL must be a redis://, rediss:// or unix:// URL")
        domain = env.required("COGNITO_DOMAIN", "e.g. https://myapp.auth.us-east-1.amazoncognito.com")
        return dict(
            issuer=env.issuer(),
            client_id=env.required("COGNITO_CLIENT_ID", "the web app client's id"),
            client_secret=env.text("COGNITO_CLIENT_SECRET") or None,
            cognito_domain=env.check_url("COGNITO_DOMAIN", domain) if domain else "",
            scopes=scopes,
            app_base_url=env.url("APP_BASE_URL", "http://localhost:5000"),
            secret_key=secret_key,
            session_encryption_keys=keys,
            session_redis_url=redis_url,
            session_dir=env.text("SESSION_DIR") or None,
            session_idle_timeout=env.seconds("SESSION_IDLE_TIMEOUT", cls.session_idle_timeout),
            session_absolute_lifetime=env.seconds("SESSION_ABSOLUTE_LIFETIME", cls.session_absolute_lifetime),
            token_refresh_margin=env.seconds("TOKEN_REFRESH_MARGIN", cls.token_refresh_margin),
            http_timeout=env.timeout(),
        )
