"""`weather-client` / `python -m webapp.client`: the weather forecast from the command line.

    weather-client forecast --machine [--city CITY] [--json]
    weather-client forecast --user EMAIL [--city CITY] [--json]     (password from a prompt or standard input)
    weather-client logout (--machine | --user EMAIL)

Configuration comes from the environment (`webapp.client.settings.ClientSettings`); tokens are cached in
`$XDG_CACHE_HOME/weather-client` (default `~/.cache/weather-client`). Exit codes: 0 success, 1 Cognito or the
API refused or failed, 2 usage or configuration.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping, Sequence

from webapp.client.commands import COMMANDS
from webapp.client.errors import EXIT_USAGE, CommandError
from webapp.client.settings import ClientSettings
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
    add_token_source(forecast)
    forecast.add_argument("--city", help="a city the API knows, like seattle or new-york (default: the API's)")
    forecast.add_argument("--json", action="store_true", help="print the API's JSON, for scripts")
    logout = commands.add_parser("logout", help="forget cached tokens (a user's refresh token is also revoked)")
    add_token_source(logout)
    return parser


def add_token_source(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--machine", action="store_true", help="a machine token (client credentials: MACHINE_CLIENT_ID/SECRET)"
    )
    source.add_argument(
        "--user", metavar="EMAIL", help="a user's token (USER_PASSWORD_AUTH; the password is prompted or piped)"
    )


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
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args, settings, clock)
    except CommandError as error:
        print(f"weather-client: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
