"""The client's pieces that need no Cognito: SECRET_HASH, reading tokens and errors, output, settings, arguments."""

from __future__ import annotations

import dataclasses
import json

import pytest
from joserfc import jws
from joserfc.jwk import OctKey

from webapp.client.__main__ import build_parser, main
from webapp.client.errors import printable
from webapp.client.output import forecast_json, forecast_table
from webapp.client.password import cognito_error, required_attributes, secret_hash, token_username
from webapp.client.settings import ClientSettings
from webapp.environment import ConfigError
from webapp.forecast import DayForecast

JSON_DAYS = [
    {"date": "2026-01-02", "temperatureC": -3, "temperatureF": 27, "summary": "Bracing"},
    {"date": "2026-01-03", "temperatureC": 12, "temperatureF": 53, "summary": "Cool"},
]
DAYS = [DayForecast.from_json(day) for day in JSON_DAYS]
MACHINE_ENV = {
    "COGNITO_DOMAIN": "https://myapp.auth.eu-west-1.amazoncognito.com",
    "MACHINE_CLIENT_ID": "machine-id",
    "MACHINE_CLIENT_SECRET": "machine-secret",
    "WEATHER_API_URL": "https://api.example.com",
    "HOME": "/home/someone",
}
USER_ENV = {
    "COGNITO_REGION": "eu-west-1",
    "COGNITO_USER_POOL_ID": "eu-west-1_AbC123xyZ",
    "CLI_CLIENT_ID": "cli-id",
    "HOME": "/home/someone",
}


def test_secret_hash_matches_cognitos_definition():
    # echo -n "alice@example.com1example" | openssl dgst -sha256 -hmac "s3cr3t" -binary | base64
    assert secret_hash("alice@example.com", "1example", "s3cr3t") == "ZHrB4j4IPtx/KNnvlBx4AzwygNayqu3YA1hdeowy+x0="


def test_token_username_reads_the_claim_without_trusting_it():
    token = jws.serialize_compact({"alg": "HS256"}, json.dumps({"username": "8f1c-uuid"}), OctKey.generate_key(256))
    assert token_username(token) == "8f1c-uuid"
    assert token_username("not-a-jwt") is None
    no_name = jws.serialize_compact({"alg": "HS256"}, json.dumps({"sub": "x"}), OctKey.generate_key(256))
    assert token_username(no_name) is None


@pytest.mark.parametrize(
    ("code", "message", "line"),
    [
        ("NotAuthorizedException", "Incorrect username or password.", "Incorrect username or password."),
        ("UserNotConfirmedException", "User is not confirmed.", "User is not confirmed."),
        ("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client",
         "Cognito refused the request (InvalidParameterException: USER_PASSWORD_AUTH flow not enabled for this "
         "client)."),
        ("ResourceNotFoundException", "User pool client x does not exist.",
         "Cognito does not know the cli app client: check CLI_CLIENT_ID and the user pool."),
        ("NotAuthorizedException", "\x1b[31mred\x1b[0m\nline", "[31mred[0m line"),
    ],
)
def test_cognito_errors_become_one_line(code, message, line):
    error = cognito_error(code, message)
    assert str(error) == line and error.code == code


def test_required_attributes_of_the_new_password_challenge():
    assert required_attributes('["userAttributes.name"]') == ["userAttributes.name"]
    assert required_attributes(None) == [] and required_attributes("[]") == []
    assert required_attributes("{oops") == ["(unreadable list)"]


def test_printable_removes_escapes_and_bidi_overrides_and_bounds_length():
    assert printable("a\x1b]0;title\x07b\u202ec") == "a]0;titlebc"
    assert printable("x" * 500, limit=10) == "x" * 9 + "…"


def test_table_aligns_columns():
    assert forecast_table(DAYS).splitlines() == [
        "Date        Temp. (C)  Temp. (F)  Summary",
        "2026-01-02         -3         27  Bracing",
        "2026-01-03         12         53  Cool",
    ]


def test_table_prints_server_text_safely():
    day = dataclasses.replace(DAYS[0], summary="\x1b[2JWiped")
    assert "\x1b" not in forecast_table([day])


def test_json_output_is_the_apis_shape():
    assert json.loads(forecast_json(DAYS)) == JSON_DAYS


def test_machine_settings_need_only_the_machine_client():
    settings = ClientSettings.from_env(MACHINE_ENV, flow="machine")
    assert settings.machine.token_endpoint == "https://myapp.auth.eu-west-1.amazoncognito.com/oauth2/token"
    assert settings.password is None and settings.scope == "weatherapi/read"
    assert "machine-secret" not in repr(settings)


def test_user_settings_find_the_json_api_at_the_issuers_origin():
    settings = ClientSettings.from_env(USER_ENV, flow="user")
    assert settings.password.issuer.api_endpoint == "https://cognito-idp.eu-west-1.amazonaws.com/"
    assert settings.password.client_secret is None and settings.machine is None
    assert settings.weather_api_url == "http://localhost:5001"


def test_the_cache_lives_in_the_users_cache_directory():
    assert str(ClientSettings.from_env(USER_ENV, flow="user").cache_dir) == "/home/someone/.cache/weather-client"
    xdg = ClientSettings.from_env({**USER_ENV, "XDG_CACHE_HOME": "/var/cache/me"}, flow="user")
    assert str(xdg.cache_dir) == "/var/cache/me/weather-client"
    relative = ClientSettings.from_env({**USER_ENV, "XDG_CACHE_HOME": "rel"}, flow="user")  # ignored, per XDG
    assert str(relative.cache_dir) == "/home/someone/.cache/weather-client"


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as excinfo:
        ClientSettings.from_env(
            {"COGNITO_DOMAIN": "http://auth.example.com", "WEATHER_API_URL": "http://api.example.com",
             "WEATHER_API_SCOPE": "a b"},
            flow="machine",
        )
    message = str(excinfo.value)
    for fragment in ("COGNITO_DOMAIN must use https", "WEATHER_API_URL must use https", "MACHINE_CLIENT_ID",
                     "MACHINE_CLIENT_SECRET", "WEATHER_API_SCOPE"):
        assert fragment in message


def test_bad_configuration_exits_2_with_the_message(capsys):
    assert main(["forecast", "--user", "a@example.com"], {"HOME": "/nowhere"}) == 2
    assert "CLI_CLIENT_ID is required" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["forecast"],  # no token source
        ["forecast", "--machine", "--user", "a@example.com"],
        ["forecast", "--user", "a@example.com", "--password", "x"],  # passwords never come from arguments
        ["weather"],
        [],
    ],
)
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as excinfo:
        build_parser().parse_args(argv)
    assert excinfo.value.code == 2


def test_arguments():
    args = build_parser().parse_args(["forecast", "--user", "a@example.com", "--city", "london", "--json"])
    assert (args.command, args.user, args.machine, args.city, args.json) == ("forecast", "a@example.com", False,
                                                                             "london", True)
