"""`--user EMAIL` end to end: USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH through the local Cognito's JSON API
(boto3, unsigned), the tokens cached, the real weather API called with them."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.client.conftest import cache_files, cached_tokens
from webapp.client.password import PasswordTokens
from webapp.client.terminal import Terminal
from webapp.client.token_cache import TokenCache
from webapp.client.settings import ClientSettings

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Correct-Horse-9"
TWO_HOURS_LATER = lambda: time.time() + 7200  # noqa: E731  (the client's clock, past the access token's hour)


@pytest.fixture
def user(local_cognito) -> str:
    email = f"cli-{uuid.uuid4().hex[:10]}@example.com"
    local_cognito.create_user(email, PASSWORD)
    return email


def only_token(env) -> dict:
    (entry,) = cached_tokens(env)
    return entry


def test_sign_in_and_forecast(run_cli, client_env, user):
    result = run_cli(client_env, "forecast", "--user", user, "--city", "seattle", stdin=PASSWORD + "\n")
    assert result.code == 0, result
    assert len(result.out.splitlines()) == 6 and result.err == ""
    (path,) = cache_files(client_env)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    entry = json.loads(path.read_text())
    assert entry["refresh_token"] and entry["access_token"]
    printed = result.out + result.err
    assert entry["access_token"] not in printed and entry["refresh_token"] not in printed
    assert PASSWORD not in path.read_text()


def test_cached_tokens_need_no_password(run_cli, client_env, user):
    assert run_cli(client_env, "forecast", "--user", user, stdin=PASSWORD + "\n").code == 0
    first = only_token(client_env)
    result = run_cli(client_env, "forecast", "--user", user, "--json", stdin="")
    assert result.code == 0, result
    assert len(json.loads(result.out)) == 5
    assert only_token(client_env) == first


def test_an_expired_access_token_is_refreshed_without_the_password(run_cli, client_env, user):
    assert run_cli(client_env, "forecast", "--user", user, stdin=PASSWORD + "\n").code == 0
    first = only_token(client_env)
    result = run_cli(client_env, "forecast", "--user", user, stdin="", clock=TWO_HOURS_LATER)
    assert result.code == 0, result
    renewed = only_token(client_env)
    assert renewed["access_token"] != first["access_token"]
    assert renewed["refresh_token"] == first["refresh_token"]  # no rotation: Cognito sends no new one


def test_a_revoked_refresh_token_means_signing_in_again(run_cli, client_env, user, local_cognito):
    assert run_cli(client_env, "forecast", "--user", user, stdin=PASSWORD + "\n").code == 0
    first = only_token(client_env)
    # An administrator signs the user out everywhere: Cognito revokes every refresh token the user holds.
    local_cognito.boto3_client().admin_user_global_sign_out(UserPoolId=local_cognito.pool_id, Username=user)

    result = run_cli(client_env, "forecast", "--user", user, stdin="", clock=TWO_HOURS_LATER)
    assert result.code == 2
    assert result.err == (f"Your saved sign-in for {user} no longer works; sign in again.\n"
                          "weather-client: No password given.\n")

    result = run_cli(client_env, "forecast", "--user", user, stdin=PASSWORD + "\n", clock=TWO_HOURS_LATER)
    assert result.code == 0, result
    assert only_token(client_env)["refresh_token"] != first["refresh_token"]


def test_wrong_password(run_cli, client_env, user):
    result = run_cli(client_env, "forecast", "--user", user, stdin="Wrong-password-1\n")
    assert (result.code, result.out, result.err) == (1, "", "weather-client: Incorrect username or password.\n")
    assert cache_files(client_env) == []


def test_unknown_user_looks_like_a_wrong_password(run_cli, client_env):
    result = run_cli(client_env, "forecast", "--user", "nobody@example.com", stdin=PASSWORD + "\n")
    assert (result.code, result.err) == (1, "weather-client: Incorrect username or password.\n")


def test_unconfirmed_user(run_cli, client_env, local_cognito):
    email = f"unconfirmed-{uuid.uuid4().hex[:8]}@example.com"
    local_cognito.boto3_client().sign_up(ClientId=local_cognito.clients["cli"].client_id, Username=email,
                                         Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": email}])
    result = run_cli(client_env, "forecast", "--user", email, stdin=PASSWORD + "\n")
    assert (result.code, result.err) == (1, "weather-client: User is not confirmed.\n")


def test_new_password_required(run_cli, client_env, local_cognito, tmp_path):
    email = f"invited-{uuid.uuid4().hex[:8]}@example.com"
    local_cognito.boto3_client().admin_create_user(
        UserPoolId=local_cognito.pool_id, Username=email, TemporaryPassword="Temporary-Pass-1",
        MessageAction="SUPPRESS", UserAttributes=[{"Name": "email", "Value": email},
                                                  {"Name": "email_verified", "Value": "true"}])
    result = run_cli(client_env, "forecast", "--user", email, stdin="Temporary-Pass-1\nChosen-Pass-2\n")
    assert result.code == 0, result

    elsewhere = {**client_env, "XDG_CACHE_HOME": str(tmp_path / "other-cache")}  # no cached tokens there
    assert run_cli(elsewhere, "forecast", "--user", email, stdin="Temporary-Pass-1\n").code == 1
    assert run_cli(elsewhere, "forecast", "--user", email, stdin="Chosen-Pass-2\n").code == 0


def test_a_new_password_the_policy_refuses(run_cli, client_env, local_cognito):
    email = f"invited-{uuid.uuid4().hex[:8]}@example.com"
    local_cognito.boto3_client().admin_create_user(
        UserPoolId=local_cognito.pool_id, Username=email, TemporaryPassword="Temporary-Pass-1",
        MessageAction="SUPPRESS", UserAttributes=[{"Name": "email", "Value": email}])
    result = run_cli(client_env, "forecast", "--user", email, stdin="Temporary-Pass-1\nshort\n")
    assert result.code == 1
    assert result.err.startswith("weather-client: Password did not conform with policy")  # Cognito's own words


def test_a_token_without_the_apis_scope(run_cli, client_env, user, write_scope_api):
    result = run_cli({**client_env, "WEATHER_API_URL": write_scope_api.url}, "forecast", "--user", user,
                     stdin=PASSWORD + "\n")
    assert result.code == 1
    assert result.err == (
        "weather-client: The access token lacks the scope weatherapi/write that the weather API requires. "
        "Password sign-in tokens carry the API's scope only when the user pool adds it (a pre token generation "
        "trigger): see \"Password sign-in and the API's scope\" in the README.\n"
    )


def test_logout_revokes_the_refresh_token(run_cli, client_env, user, local_cognito):
    assert run_cli(client_env, "forecast", "--user", user, stdin=PASSWORD + "\n").code == 0
    refresh_token = only_token(client_env)["refresh_token"]
    result = run_cli(client_env, "logout", "--user", user)
    assert (result.code, result.err) == (0, "Cached tokens removed.\n")
    assert cache_files(client_env) == []
    with pytest.raises(ClientError) as excinfo:
        local_cognito.boto3_client().initiate_auth(
            AuthFlow="REFRESH_TOKEN_AUTH", ClientId=local_cognito.clients["cli"].client_id,
            AuthParameters={"REFRESH_TOKEN": refresh_token})
    assert excinfo.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_as_a_subprocess_with_the_password_piped(client_env, user):
    env = {**client_env, "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "webapp.client", "forecast", "--user", user, "--json"], env=env,
                          input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 5
    assert PASSWORD not in done.stdout + done.stderr


def test_an_api_that_does_not_trust_the_cli_client(run_cli, client_env, user, machine_only_api):
    """The user's token is refused, renewed once (a cached token may have gone bad), refused again, and the
    message says where to look."""
    result = run_cli({**client_env, "WEATHER_API_URL": machine_only_api.url}, "forecast", "--user", user,
                     stdin=PASSWORD + "\n")
    assert result.code == 1
    assert result.err == ("weather-client: The weather API refused the access token (invalid_token): check that it "
                          "trusts this user pool and app client (WEATHER_API_CLIENT_IDS).\n")


def read_until(fd: int, marker: bytes, limit: float = 60) -> bytes:
    """What the terminal shows until `marker` appears or the program ends (bounded by `limit` seconds)."""
    seen, deadline = b"", time.monotonic() + limit
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the program ended and closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_on_a_terminal_the_password_prompt_does_not_echo(client_env, user):
    """A person at a terminal: a hidden prompt (getpass turns echo off), the typed password never shown."""
    env = {**client_env, "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "TERM": "dumb"}
    controller, terminal = pty.openpty()
    # A new session has no controlling terminal, so getpass prompts on standard input, which is the pty.
    child = subprocess.Popen([sys.executable, "-m", "webapp.client", "forecast", "--user", user], env=env,
                             stdin=terminal, stdout=terminal, stderr=terminal, start_new_session=True)
    os.close(terminal)
    try:
        prompt = read_until(controller, b"Password for")
        os.write(controller, PASSWORD.encode() + b"\n")
        rest = read_until(controller, b"__never__")
    finally:
        code = child.wait(timeout=60)
        os.close(controller)
    assert f"Password for {user}:".encode() in prompt
    assert code == 0, rest
    assert b"Temp. (C)" in rest and PASSWORD.encode() not in prompt + rest


def test_an_expired_refresh_token_means_signing_in_again(local_cognito, client_env, user):
    """31 days on (the cli client's refresh tokens live 30), for Cognito and for the client alike: the refresh is
    refused as expired, the client says so and signs in with the password. (No API call: the API checks tokens
    against the real clock, which has not moved.)"""
    settings = ClientSettings.from_env(client_env, flow="user")
    later = 31 * 24 * 3600
    cache = TokenCache(settings.cache_dir, clock=lambda: time.time() + later)
    notices = io.StringIO()
    first = PasswordTokens(settings.password, user, TokenCache(settings.cache_dir),
                           Terminal(io.StringIO(PASSWORD + "\n"), io.StringIO()), timeout=10).token()
    with local_cognito.clock.moved(later):
        renewed = PasswordTokens(settings.password, user, cache, Terminal(io.StringIO(PASSWORD + "\n"), notices),
                                 timeout=10).token()
    assert notices.getvalue() == f"Your saved sign-in for {user} no longer works; sign in again.\n"
    assert renewed.refresh_token != first.refresh_token
