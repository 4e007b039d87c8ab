"""`weather-client` / `python -m webapp.client`: the weather forecast from the command line.

    weather-client forecast --machine [--city CITY] [--json]
    weather-client forecast --user EMAIL [--city CITY] [--json]     (password from a prompt or standard input)
    weather-client logout (--machine | --user EMAIL)

Configuration comes from the environment (`webapp.client.settings.ClientSettings`); tokens are cached in
`$XDG_CACHE_HOME/weather-client` (default `~/.cache/weather-client`).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from webapp.client.api import WeatherApi
from webapp.client.errors import CommandError, InsufficientScopeError, InvalidTokenError
from webapp.client.machine import MachineTokens
from webapp.client.output import forecast_json, forecast_table
from webapp.client.password import PasswordTokens
from webapp.client.settings import ClientSettings
from webapp.client.terminal import Terminal
from webapp.client.token_cache import TokenCache
from webapp.environment import ConfigError

EPILOG = """\
environment:
  WEATHER_API_URL            the weather API (default http://localhost:5001)
  WEATHER_API_SCOPE          the scope --machine requests (default weatherapi/read)
  COGNITO_DOMAIN             --machine: the Hosted UI domain, whose /oauth2/token issues the token
  MACHINE_CLIENT_ID, MACHINE_CLIENT_SECRET
                             --machine: the app client allowed the client credentials grant
  COGNITO_ISSUER, or COGNITO_REGION and COGNITO_USER_POOL_ID
                             --user: the user pool (its JSON API signs the user in)
  CLI_CLIENT_ID, CLI_CLIENT_SECRET (if the client has a secret)
                             --user: the app client allowed USER_PASSWORD_AUTH

exit codes: 0 success, 1 Cognito or the API refused or failed, 2 usage or configuration
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="weather-client",
        description="Call the weather API with a Cognito access token.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    forecast = commands.add_parser("forecast", help="print the five-day forecast")
    forecast.add_argument("--city", help="a city the API knows, like seattle or new-york (default: the API's)")
    forecast.add_argument("--json", action="store_true", help="print the API's JSON, for scripts")
    logout = commands.add_parser("logout", help="forget cached tokens (a user's refresh token is also revoked)")
    for command in (forecast, logout):
        source = command.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--machine", action="store_true", help="a machine token (client credentials: MACHINE_CLIENT_ID/SECRET)"
        )
        source.add_argument(
            "--user", metavar="EMAIL", help="a user's token (USER_PASSWORD_AUTH; the password is prompted or piped)"
        )
    return parser


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    *,
    clock: Callable[[], float] = time.time,
) -> int:
    """Run one command; the exit code. `env` defaults to the process environment, `clock` to the wall clock."""
    args = build_parser().parse_args(argv)
    try:
        settings = ClientSettings.from_env(env, flow="user" if args.user is not None else "machine")
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    cache = TokenCache(settings.cache_dir, clock=clock)
    if args.user is not None:
        tokens: MachineTokens | PasswordTokens = PasswordTokens(
            settings.password, args.user, cache, Terminal(sys.stdin, sys.stderr), timeout=settings.http_timeout)
    else:
        tokens = MachineTokens(settings.machine, settings.scope, cache, timeout=settings.http_timeout)
    try:
        if args.command == "logout":
            tokens.forget()
            print("Cached tokens removed.", file=sys.stderr)
        else:
            forecast(tokens, WeatherApi(settings.weather_api_url, timeout=settings.http_timeout), args)
        return 0
    except CommandError as error:
        print(f"weather-client: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130


def forecast(tokens: MachineTokens | PasswordTokens, api: WeatherApi, args: argparse.Namespace) -> None:
    try:
        days = with_token(tokens, lambda access_token: api.forecast(access_token, args.city))
    except InsufficientScopeError as error:
        raise InsufficientScopeError(f"{error} {tokens.insufficient_scope_hint}", error.status, error.code) from None
    print(forecast_json(days) if args.json else forecast_table(days))


def with_token(tokens: MachineTokens | PasswordTokens, call: Callable[[str], Any]) -> Any:
    """`call(access_token)`, once more with a renewed token if the API refuses the first as invalid: a cached
    token can stop working before its expiry (revoked, or the API now trusts another pool)."""
    token = tokens.token()
    try:
        return call(token.access_token)
    except InvalidTokenError:
        tokens.reject(token)
        return call(tokens.token().access_token)


if __name__ == "__main__":
    sys.exit(main())
