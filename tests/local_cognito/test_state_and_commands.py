"""State survives a restart; the `env`, `rotate-keys` and `serve` commands work as documented."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

import jwt
import requests

from tests.fixtures.local_cognito import start_local_cognito
from tests.local_cognito.conftest import Browser, make_code_flow, token_request
from tests.servers import free_port, wait_for_port
from webapp.demo.settings import WebSettings
from webapp.weather_api.settings import ApiSettings


def run_command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "local_cognito", *args], capture_output=True, text=True,
                          timeout=60, check=True)


def jwks(handle) -> dict:
    return requests.get(f"{handle.issuer}/.well-known/jwks.json", timeout=10).json()


def sign_in(handle, email: str, password: str) -> dict:
    endpoints = requests.get(f"{handle.issuer}/.well-known/openid-configuration", timeout=10).json()
    flow = make_code_flow(handle, endpoints)
    browser = Browser(handle.url)
    url, _ = flow.authorization_url()
    return flow.fetch_token(browser.sign_in(url, email, password))


def test_a_restart_keeps_pool_clients_users_keys_and_refresh_tokens(tmp_path):
    first = start_local_cognito(tmp_path)
    try:
        first.create_user("kept@example.com", "Passw0rd!x", groups=("testers",))
        tokens = sign_in(first, "kept@example.com", "Passw0rd!x")
        before = (first.pool_id, first.clients, jwks(first), first.demo_user)
    finally:
        first.stop()

    second = start_local_cognito(tmp_path)  # on another port: only the issuer's origin differs
    try:
        assert (second.pool_id, second.clients, jwks(second), second.demo_user) == before
        refreshed = token_request(second, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
        assert refreshed.status_code == 200
        claims = jwt.decode(refreshed.json()["id_token"], options={"verify_signature": False})
        assert claims["email"] == "kept@example.com" and claims["cognito:groups"] == ["testers"]
        assert sign_in(second, "kept@example.com", "Passw0rd!x")["access_token"]
        key = jwt.PyJWKClient(f"{second.issuer}/.well-known/jwks.json").get_signing_key_from_jwt(
            tokens["access_token"]).key
        jwt.decode(tokens["access_token"], key, algorithms=["RS256"], issuer=first.issuer)
    finally:
        second.stop()


def test_env_prints_settings_the_web_app_and_api_accept(local_cognito):
    output = run_command("env", "--state-dir", str(local_cognito.store.state_dir), "--base-url",
                         local_cognito.url).stdout
    env = dict(shlex.split(line)[0].split("=", 1) for line in output.splitlines())
    clients = local_cognito.clients
    assert env["COGNITO_CLIENT_ID"] == clients["web"].client_id
    assert env["COGNITO_CLIENT_SECRET"] == clients["web"].client_secret
    assert env["MACHINE_CLIENT_ID"] == clients["machine"].client_id
    assert env["MACHINE_CLIENT_SECRET"] == clients["machine"].client_secret
    assert env["CLI_CLIENT_ID"] == clients["cli"].client_id and "CLI_CLIENT_SECRET" not in env
    # The cli client is there because the pool's pre-token-generation trigger adds the API's scope to its tokens.
    assert env["WEATHER_API_CLIENT_IDS"].split(",") == [clients[name].client_id for name in ("web", "machine", "cli")]
    assert (env["DEMO_USER_EMAIL"], env["DEMO_USER_PASSWORD"]) == (local_cognito.demo_user.email,
                                                                   local_cognito.demo_user.password)
    web = WebSettings.from_env(env)  # SECRET_KEY included
    assert web.issuer.issuer == local_cognito.issuer and web.cognito_domain == local_cognito.url
    assert ApiSettings.from_env(env).client_ids == tuple(env["WEATHER_API_CLIENT_IDS"].split(","))


def test_env_prints_a_secret_key_made_for_the_pool_and_kept_with_it(tmp_path):
    def secret_key(state_dir) -> str:
        output = run_command("env", "--state-dir", str(state_dir)).stdout
        return dict(shlex.split(line)[0].split("=", 1) for line in output.splitlines())["SECRET_KEY"]

    first = secret_key(tmp_path / "a")
    assert len(first) >= 32 and secret_key(tmp_path / "a") == first  # kept: sessions survive restarts
    assert secret_key(tmp_path / "b") != first  # random: no key known in advance


def test_parameter_overrides_are_kept_by_the_state_directory_until_others_are_given(tmp_path):
    def callback_urls() -> list[str]:
        handle = start_local_cognito(tmp_path)
        try:
            idp = handle.boto3_client()
            client = idp.describe_user_pool_client(UserPoolId=handle.pool_id,
                                                   ClientId=handle.clients["web"].client_id)["UserPoolClient"]
            return client["CallbackURLs"] + client["LogoutURLs"]
        finally:
            handle.stop()

    printed = run_command("env", "--state-dir", str(tmp_path), "--parameter-overrides",
                          "WebAppBaseUrl=http://localhost:8080").stdout
    assert "APP_BASE_URL=http://localhost:8080\n" in printed  # the web app's address: where sign-ins come back
    assert callback_urls() == ["http://localhost:8080/callback", "http://localhost:8080/signed-out"]
    run_command("env", "--state-dir", str(tmp_path))  # given none: a running `make run` on port 8080 keeps working
    assert callback_urls() == ["http://localhost:8080/callback", "http://localhost:8080/signed-out"]
    run_command("rotate-keys", "--state-dir", str(tmp_path), "--parameter-overrides",
                "WebAppBaseUrl=http://localhost:5000")
    assert callback_urls() == ["http://localhost:5000/callback", "http://localhost:5000/signed-out"]


def test_an_unknown_parameter_is_a_clear_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "local_cognito", "env", "--state-dir", str(tmp_path),
                             "--parameter-overrides", "WebAppBaseURL=http://localhost:8080"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "the template has no parameter WebAppBaseURL" in result.stderr


def test_fixture_env_matches_the_settings_contract(local_cognito):
    web = WebSettings.from_env({**local_cognito.env_for_webapp("http://127.0.0.1:5000"), "SECRET_KEY": "k" * 40})
    assert web.client_secret == local_cognito.clients["web"].client_secret
    assert web.redirect_uri == "http://127.0.0.1:5000/callback"
    assert ApiSettings.from_env(local_cognito.env_for_api()).issuer.issuer == local_cognito.issuer


def test_rotate_keys_adds_keys_while_the_old_ones_stay_published(tmp_path):
    handle = start_local_cognito(tmp_path)
    try:
        old_tokens = sign_in(handle, handle.demo_user.email, handle.demo_user.password)
        old_kids = {key["kid"] for key in jwks(handle)["keys"]}
        output = run_command("rotate-keys", "--state-dir", str(tmp_path)).stdout
        new_kids = {line.rsplit(" ", 1)[1] for line in output.splitlines()}
        assert len(new_kids) == 2 and not new_kids & old_kids
        assert {key["kid"] for key in jwks(handle)["keys"]} == old_kids | new_kids

        new_tokens = sign_in(handle, handle.demo_user.email, handle.demo_user.password)
        assert {jwt.get_unverified_header(new_tokens[t])["kid"] for t in ("id_token", "access_token")} == new_kids
        keys = jwt.PyJWKClient(f"{handle.issuer}/.well-known/jwks.json")
        for token in (old_tokens["access_token"], new_tokens["access_token"]):
            jwt.decode(token, keys.get_signing_key_from_jwt(token).key, algorithms=["RS256"], issuer=handle.issuer)

        run_command("rotate-keys", "--state-dir", str(tmp_path))
        kids = {key["kid"] for key in jwks(handle)["keys"]}
        assert len(kids) == 4 and not old_kids & kids  # only the previous generation stays published
    finally:
        handle.stop()


def test_serve_binds_loopback_and_prints_the_demo_user(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "local_cognito", "--port", str(port), "--state-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        wait_for_port(port)
        banner = process.stdout.readline() + process.stdout.readline()
        assert f"at http://localhost:{port}" in banner and "demo@example.com / Demo-" in banner
        pool_id = banner.split("pool ", 1)[1].split(" ", 1)[0]
        document = requests.get(f"http://127.0.0.1:{port}/{pool_id}/.well-known/openid-configuration",
                                timeout=10).json()
        assert document["issuer"] == f"http://localhost:{port}/{pool_id}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_a_bad_template_is_a_clear_error_not_a_traceback(tmp_path):
    (tmp_path / "t.yaml").write_text("Resources: {}\n")
    result = subprocess.run([sys.executable, "-m", "local_cognito", "env", "--state-dir",
                             str(tmp_path / "s"), "--template", str(tmp_path / "t.yaml")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
