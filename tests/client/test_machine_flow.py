"""`--machine` end to end: client credentials at the local Cognito's /oauth2/token, the token cached in memory and
on disk, the real weather API called with it."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

from tests.client.conftest import cache_files, cached_tokens
from tests.servers import free_port
from webapp.client.api import WeatherApi
from webapp.client.__main__ import with_token
from webapp.client.machine import MachineTokens
from webapp.client.token_cache import TokenCache
from webapp.client.settings import ClientSettings

ROOT = Path(__file__).resolve().parents[2]


def grants(local_cognito) -> int:
    return local_cognito.grant_count("client_credentials")


def test_forecast_as_a_table(run_cli, client_env, local_cognito):
    before = grants(local_cognito)
    result = run_cli(client_env, "forecast", "--machine", "--city", "london")
    assert result.code == 0, result
    header, *rows = result.out.splitlines()
    assert header.split() == ["Date", "Temp.", "(C)", "Temp.", "(F)", "Summary"]
    assert len(rows) == 5
    assert result.err == ""
    assert grants(local_cognito) == before + 1


def test_many_calls_cost_one_token(run_cli, client_env, local_cognito):
    """Each run is a new process as far as the cache knows (a new TokenCache): the file carries the token over."""
    before = grants(local_cognito)
    for city in ("seattle", "tokyo", "cairo", "seattle", "london"):
        assert run_cli(client_env, "forecast", "--machine", "--city", city).code == 0
    assert grants(local_cognito) == before + 1


def test_concurrent_callers_in_one_process_share_one_fetch(client_env, local_cognito):
    settings = ClientSettings.from_env(client_env, flow="machine")
    tokens = MachineTokens(settings.machine, settings.scope, TokenCache(settings.cache_dir), timeout=10)
    api = WeatherApi(settings.weather_api_url, timeout=10)
    before = grants(local_cognito)
    start, results = threading.Barrier(8), []

    def caller():
        start.wait()
        results.append(with_token(tokens, api.forecast))

    threads = [threading.Thread(target=caller) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and all(len(days) == 5 for days in results)
    assert grants(local_cognito) == before + 1


def test_json_output_for_scripts(run_cli, client_env, weather_api):
    result = run_cli(client_env, "forecast", "--machine", "--json", "--city", "tokyo")
    assert result.code == 0, result
    days = json.loads(result.out)
    assert [set(day) for day in days] == [{"date", "temperatureC", "temperatureF", "summary"}] * 5
    token = cached_tokens(client_env)[0]["access_token"]
    assert days == weather_api.get(token=token, params={"city": "tokyo"}).json()


def test_the_cache_file_is_private_and_no_token_is_printed(run_cli, client_env):
    result = run_cli(client_env, "forecast", "--machine")
    assert result.code == 0, result
    (path,) = cache_files(client_env)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    entry = json.loads(path.read_text())
    assert entry["refresh_token"] is None  # the client credentials grant has none
    assert entry["access_token"] not in result.out + result.err


def test_a_cached_token_the_api_refuses_is_replaced_once(run_cli, client_env, local_cognito):
    assert run_cli(client_env, "forecast", "--machine").code == 0
    (path,) = cache_files(client_env)
    entry = json.loads(path.read_text())
    forged = entry["access_token"][:-4] + "AAAA"  # a broken signature: the API answers 401 invalid_token
    path.write_text(json.dumps({**entry, "access_token": forged}))
    os.chmod(path, 0o600)
    before = grants(local_cognito)
    result = run_cli(client_env, "forecast", "--machine")
    assert result.code == 0, result
    assert grants(local_cognito) == before + 1
    assert cached_tokens(client_env)[0]["access_token"] not in (forged, entry["access_token"])


def test_wrong_secret(run_cli, client_env):
    result = run_cli({**client_env, "MACHINE_CLIENT_SECRET": "wrong"}, "forecast", "--machine")
    assert result.code == 1
    assert result.err == (
        "weather-client: Cognito refused the machine client's credentials: check MACHINE_CLIENT_ID and "
        "MACHINE_CLIENT_SECRET.\n"
    )
    assert result.out == "" and cache_files(client_env) == []


def test_a_scope_the_client_may_not_request(run_cli, client_env):
    result = run_cli({**client_env, "WEATHER_API_SCOPE": "weatherapi/write"}, "forecast", "--machine")
    assert result.code == 1
    assert "may not request the scope weatherapi/write" in result.err


def test_an_unknown_token_endpoint_error_is_shown_as_sent(run_cli, client_env, scripted):
    """The endpoint's own words (made printable), never read as a template: braces in them are just text."""
    scripted.answer('{"error": "odd_error", "error_description": "no {scope} for {you}"}', 400)
    result = run_cli({**client_env, "COGNITO_DOMAIN": scripted.url}, "forecast", "--machine")
    assert (result.code, result.err) == (1, "weather-client: The token endpoint refused the client credentials "
                                            "grant (odd_error: no {scope} for {you}).\n")


def test_a_token_lacking_the_scope_the_api_requires(run_cli, client_env, write_scope_api):
    result = run_cli({**client_env, "WEATHER_API_URL": write_scope_api.url}, "forecast", "--machine")
    assert result.code == 1
    assert result.err.startswith("weather-client: The access token lacks the scope weatherapi/write that the "
                                 "weather API requires. Set WEATHER_API_SCOPE")
    assert result.err.count("\n") == 1


def test_unknown_city(run_cli, client_env):
    result = run_cli(client_env, "forecast", "--machine", "--city", "atlantis")
    assert result.code == 1
    assert result.err.startswith("weather-client: Unknown city. Choose one of: cairo, cape-town,")


def test_unreachable_cognito_and_api(run_cli, client_env):
    nowhere = f"http://127.0.0.1:{free_port()}"
    result = run_cli({**client_env, "COGNITO_DOMAIN": nowhere}, "forecast", "--machine")
    assert (result.code, result.err) == (1, f"weather-client: Cannot get a token from {nowhere}/oauth2/token "
                                            "(ConnectionError).\n")
    result = run_cli({**client_env, "WEATHER_API_URL": nowhere}, "forecast", "--machine")
    assert (result.code, result.err) == (1, f"weather-client: Cannot reach the weather API at {nowhere} "
                                            "(ConnectionError).\n")


def test_logout_forgets_the_token(run_cli, client_env, local_cognito):
    assert run_cli(client_env, "forecast", "--machine").code == 0
    assert run_cli(client_env, "logout", "--machine").code == 0
    assert cache_files(client_env) == []
    before = grants(local_cognito)
    assert run_cli(client_env, "forecast", "--machine").code == 0
    assert grants(local_cognito) == before + 1


def test_as_a_subprocess_reusing_the_cache(client_env, local_cognito):
    """The installed way to run it: `python -m webapp.client`, configured by the environment alone."""
    env = {**client_env, "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "webapp.client", "forecast", "--machine", "--json"]
    before = grants(local_cognito)
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert (first.returncode, second.returncode) == (0, 0), (first.stderr, second.stderr)
    assert len(json.loads(first.stdout)) == 5 and json.loads(second.stdout) == json.loads(first.stdout)
    assert grants(local_cognito) == before + 1
