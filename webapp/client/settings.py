"""What the command-line client needs for one flow: where its tokens come from, the weather API, and where tokens
are cached between runs.

Only the chosen flow's variables are required: a service holding the machine client's credentials has no reason
to know the cli client, and a person signing in has no machine secret.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Mapping

from webapp.environment import DEFAULT_HTTP_TIMEOUT, Env, Issuer
from webapp.forecast import DEFAULT_API_SCOPE


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
    weather_api_url: str
    cache_dir: Path
    machine: MachineClient | None = None
    password: PasswordClient | None = None
    scope: str = DEFAULT_API_SCOPE
    http_timeout: float = DEFAULT_HTTP_TIMEOUT

    @classmethod
    def from_env(cls, values: Mapping[str, str] | None = None, *,
                 flow: Literal["machine", "user"]) -> "ClientSettings":
        env = Env(os.environ if values is None else values)
        settings = cls(
            weather_api_url=env.url("WEATHER_API_URL", "http://localhost:5001"),
            cache_dir=user_cache_dir(env) / "weather-client",
            machine=machine_client(env) if flow == "machine" else None,
            password=password_client(env) if flow == "user" else None,
            scope=env.scope("WEATHER_API_SCOPE", DEFAULT_API_SCOPE),
            http_timeout=env.timeout(),
        )
        env.raise_if_problems("weather client")
        return settings


def machine_client(env: Env) -> MachineClient:
    domain = env.required("COGNITO_DOMAIN", "e.g. https://myapp.auth.us-east-1.amazoncognito.com")
    return MachineClient(
        token_endpoint=f"{env.check_url('COGNITO_DOMAIN', domain) if domain else ''}/oauth2/token",
        client_id=env.required("MACHINE_CLIENT_ID", "for --machine: the machine app client's id"),
        client_secret=env.required("MACHINE_CLIENT_SECRET", "for --machine: the machine app client's secret"),
    )


def password_client(env: Env) -> PasswordClient:
    return PasswordClient(
        issuer=env.issuer(),
        client_id=env.required("CLI_CLIENT_ID", "for --user: an app client allowing USER_PASSWORD_AUTH"),
        client_secret=env.text("CLI_CLIENT_SECRET") or None,
    )


def user_cache_dir(env: Env) -> Path:
    """`$XDG_CACHE_HOME`, or `~/.cache` (the XDG Base Directory default; a relative XDG path is ignored, as the
    specification says)."""
    xdg = env.text("XDG_CACHE_HOME")
    if os.path.isabs(xdg):
        return Path(xdg)
    return Path(env.text("HOME") or str(Path.home())) / ".cache"
