"""The AWS CLI drives the JSON API unchanged: `aws cognito-idp ... --endpoint-url`, dummy credentials."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.local_cognito.accounts_support import PASSWORD, claims, new_email


@pytest.fixture
def aws(local_cognito, tmp_path):
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    env.pop("AWS_PROFILE", None)
    base = [sys.executable, "-m", "awscli", "cognito-idp", "--endpoint-url", local_cognito.url,
            "--region", local_cognito.region, "--output", "json"]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*base, *args], capture_output=True, text=True, env=env, timeout=60)

    return run


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
