"""The AWS CLI drives the JSON API unchanged: `aws cognito-idp ... --endpoint-url`, dummy credentials."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.local_cognito.accounts_support import PASSWORD, claims, confirmed_user, new_email
from local_cognito.accounts import secret_hash


def aws_cli(pool, tmp_path):
    """`run(*args)`: `aws cognito-idp ARGS` against `pool`, with dummy credentials and no configuration files."""
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    env.pop("AWS_PROFILE", None)
    base = [sys.executable, "-m", "awscli", "cognito-idp", "--endpoint-url", pool.url,
            "--region", pool.region, "--output", "json"]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*base, *args], capture_output=True, text=True, env=env, timeout=60)

    return run


@pytest.fixture
def aws(local_cognito, tmp_path):
    return aws_cli(local_cognito, tmp_path)


def test_sign_up_confirm_sign_in_and_list_with_the_cli(local_cognito, aws):
    email = new_email("cli")
    cli = local_cognito.clients["cli"].client_id
    signed_up = aws("sign-up", "--client-id", cli, "--username", email, "--password", PASSWORD)
    assert signed_up.returncode == 0, signed_up.stderr
    assert json.loads(signed_up.stdout)["UserConfirmed"] is False

    confirmed = aws("admin-confirm-sign-up", "--user-pool-id", local_cognito.pool_id, "--username", email)
    assert confirmed.returncode == 0, confirmed.stderr

    signed_in = aws("initiate-auth", "--auth-flow", "USER_PASSWORD_AUTH", "--client-id", cli,
                    "--auth-parameters", f"USERNAME={email},PASSWORD={PASSWORD}")
    assert signed_in.returncode == 0, signed_in.stderr
    access_token = json.loads(signed_in.stdout)["AuthenticationResult"]["AccessToken"]
    assert claims(access_token)["client_id"] == cli

    listed = aws("list-users", "--user-pool-id", local_cognito.pool_id, "--filter", f'email = "{email}"')
    assert listed.returncode == 0, listed.stderr
    assert [user["UserStatus"] for user in json.loads(listed.stdout)["Users"]] == ["CONFIRMED"]


def test_cli_errors_carry_cognitos_exception_and_message(local_cognito, aws):
    refused = aws("initiate-auth", "--auth-flow", "USER_PASSWORD_AUTH", "--client-id",
                  local_cognito.clients["cli"].client_id, "--auth-parameters",
                  f"USERNAME={local_cognito.demo_user.email},PASSWORD=Wrong-Passw0rd!")
    assert refused.returncode != 0
    assert "(NotAuthorizedException)" in refused.stderr and "Incorrect username or password." in refused.stderr


def test_describe_user_pool_list_groups_and_admin_initiate_auth_with_the_cli(local_cognito, aws):
    described = aws("describe-user-pool", "--user-pool-id", local_cognito.pool_id)
    assert described.returncode == 0, described.stderr
    pool = json.loads(described.stdout)["UserPool"]
    assert (pool["Id"], pool["MfaConfiguration"]) == (local_cognito.pool_id, "OPTIONAL")

    listed = aws("list-groups", "--user-pool-id", local_cognito.pool_id)
    assert listed.returncode == 0, listed.stderr
    assert "demo-users" in [group["GroupName"] for group in json.loads(listed.stdout)["Groups"]]

    # The template's clients do not allow the administrators' flow: the CLI shows Cognito's refusal.
    refused = aws("admin-initiate-auth", "--user-pool-id", local_cognito.pool_id, "--client-id",
                  local_cognito.clients["cli"].client_id, "--auth-flow", "ADMIN_USER_PASSWORD_AUTH",
                  "--auth-parameters", f"USERNAME={local_cognito.demo_user.email},PASSWORD=x")
    assert refused.returncode != 0
    assert "(InvalidParameterException)" in refused.stderr and "Auth flow not enabled for this client" in refused.stderr


def test_admin_initiate_auth_with_the_cli(api_pool, tmp_path):
    email = confirmed_user(api_pool, "cli-admin")
    info = api_pool.clients["admin"]
    signed_in = aws_cli(api_pool, tmp_path)(
        "admin-initiate-auth", "--user-pool-id", api_pool.pool_id, "--client-id", info.client_id, "--auth-flow",
        "ADMIN_USER_PASSWORD_AUTH", "--auth-parameters",
        f"USERNAME={email},PASSWORD={PASSWORD},SECRET_HASH={secret_hash(info.client_id, info.client_secret, email)}")
    assert signed_in.returncode == 0, signed_in.stderr
    assert claims(json.loads(signed_in.stdout)["AuthenticationResult"]["IdToken"])["email"] == email
