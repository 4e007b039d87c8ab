"""The commands: get a token (cached), call the API, print; or forget the cached tokens."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any, Protocol

from webapp.client.api import WeatherApi
from webapp.client.errors import EXIT_OK, InsufficientScopeError, InvalidTokenError
from webapp.client.machine import MachineTokens
from webapp.client.output import forecast_json, forecast_table
from webapp.client.password import PasswordTokens
from webapp.client.settings import ClientSettings
from webapp.client.terminal import Terminal
from webapp.client.token_cache import CachedToken, TokenCache


class TokenSource(Protocol):
    insufficient_scope_hint: str

    def token(self) -> CachedToken: ...

    def reject(self, token: CachedToken) -> None: ...

    def forget(self) -> None: ...


def token_source(args: argparse.Namespace, settings: ClientSettings, clock: Callable[[], float]) -> TokenSource:
    cache = TokenCache(settings.cache_dir, clock=clock)
    if args.user is not None:
        assert settings.password is not None
        terminal = Terminal(sys.stdin, sys.stderr)
        return PasswordTokens(settings.password, args.user, cache, terminal, timeout=settings.http_timeout)
    assert settings.machine is not None
    return MachineTokens(settings.machine, settings.scope, cache, timeout=settings.http_timeout)


def with_token(tokens: TokenSource, call: Callable[[str], Any]) -> Any:
    """`call(access_token)`, once more with a renewed token if the API refuses the first as invalid: a cached
    token can stop working before its expiry (revoked, or the API now trusts another pool)."""
    token = tokens.token()
    try:
        return call(token.access_token)
    except InvalidTokenError:
        tokens.reject(token)
        return call(tokens.token().access_token)


def forecast(args: argparse.Namespace, settings: ClientSettings, clock: Callable[[], float]) -> int:
    tokens = token_source(args, settings, clock)
    api = WeatherApi(settings.weather_api_url, timeout=settings.http_timeout)
    try:
        days = with_token(tokens, lambda access_token: api.forecast(access_token, args.city))
    except InsufficientScopeError as error:
        raise InsufficientScopeError(f"{error} {tokens.insufficient_scope_hint}", error.status, error.code) from None
    print(forecast_json(days) if args.json else forecast_table(days))
    return EXIT_OK


def logout(args: argparse.Namespace, settings: ClientSettings, clock: Callable[[], float]) -> int:
    token_source(args, settings, clock).forget()
    print("Cached tokens removed.", file=sys.stderr)
    return EXIT_OK


COMMANDS = {"forecast": forecast, "logout": logout}
