"""Discovery and JWKS (§2), and the JSON API's dispatcher, error shapes and client operations (§4) via boto3."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from botocore.exceptions import ClientError

from tests.local_cognito.conftest import Browser

TARGET = "AWSCognitoIdentityProviderService."


def test_discovery_has_exactly_cognitos_members(local_cognito):
    document = requests.get(f"{local_cognito.issuer}/.well-known/openid-configuration", timeout=10).json()
    assert set(document) == {
        "authorization_endpoint", "end_session_endpoint", "id_token_signing_alg_values_supported", "issuer",
        "jwks_uri", "response_types_supported", "revocation_endpoint", "scopes_supported",
        "subject_types_supported", "token_endpoint", "token_endpoint_auth_methods_supported", "userinfo_endpoint"}
    assert document["issuer"] == local_cognito.issuer == f"{local_cognito.url}/{local_cognito.pool_id}"
    assert document["authorization_endpoint"] == f"{local_cognito.url}/oauth2/authorize"
    assert document["userinfo_endpoint"] == f"{local_cognito.url}/oauth2/userInfo"
    assert document["jwks_uri"] == f"{local_cognito.issuer}/.well-known/jwks.json"


def test_jwks_publishes_two_rs256_keys_with_cognito_shaped_kids(local_cognito):
    keys = requests.get(f"{local_cognito.issuer}/.well-known/jwks.json", timeout=10).json()["keys"]
    assert len(keys) == 2 and keys[0]["kid"] != keys[1]["kid"]
    for key in keys:
        assert list(key) == ["alg", "e", "kid", "kty", "n", "use"]
        assert (key["alg"], key["e"], key["kty"], key["use"]) == ("RS256", "AQAB", "RSA", "sig")
        assert len(key["kid"]) == 44 and len(base64.b64decode(key["kid"])) == 32


def test_another_pool_id_is_not_found(local_cognito):
    assert requests.get(f"{local_cognito.url}/us-east-1_Other/.well-known/jwks.json", timeout=10).status_code == 404


def raw_api(local_cognito, operation: str, body, signed: bool = False) -> requests.Response:
    headers = {"X-Amz-Target": TARGET + operation, "Content-Type": "application/x-amz-json-1.1"}
    if signed:
        headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=x/20250101/us-east-1/cognito-idp/aws4_request"
    data = body if isinstance(body, str) else json.dumps(body)
    return requests.post(f"{local_cognito.url}/", data=data, headers=headers, timeout=10)


@pytest.mark.parametrize(("operation", "body", "signed", "error"), [
    ("NoSuchOperation", {}, True, "UnknownOperationException"),
    ("DescribeUserPoolClient", "not json", True, "SerializationException"),
    ("DescribeUserPoolClient", [], True, "SerializationException"),
    ("DescribeUserPoolClient", {"UserPoolId": "POOL", "ClientId": "WEB"}, False,
     "MissingAuthenticationTokenException"),
    ("DescribeUserPoolClient", {"UserPoolId": "POOL"}, True, "InvalidParameterException"),
])
def test_api_errors_have_cognitos_shape(local_cognito, operation, body, signed, error):
    if isinstance(body, dict):
        body = {k: {"POOL": local_cognito.pool_id, "WEB": local_cognito.clients["web"].client_id}[v]
                for k, v in body.items()}
    response = raw_api(local_cognito, operation, body, signed)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert response.json()["__type"] == error


def test_describe_user_pool_client_with_boto3(local_cognito):
    web = local_cognito.clients["web"]
    client = local_cognito.boto3_client().describe_user_pool_client(
        UserPoolId=local_cognito.pool_id, ClientId=web.client_id)["UserPoolClient"]
    assert client["ClientId"] == web.client_id and client["ClientSecret"] == web.client_secret
    assert client["ClientName"] == "web"
    assert "http://localhost:5000/callback" in client["CallbackURLs"]  # other suites register theirs too
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}
    assert client["EnableTokenRevocation"] is True


@pytest.mark.parametrize(("call", "code"), [
    ({"UserPoolId": "us-east-1_Nope", "ClientId": "WEB"}, "ResourceNotFoundException"),
    ({"UserPoolId": "POOL", "ClientId": "nosuchclient"}, "ResourceNotFoundException"),
])
def test_describe_errors_with_boto3(local_cognito, call, code):
    call = {k: {"POOL": local_cognito.pool_id, "WEB": local_cognito.clients["web"].client_id}.get(v, v)
            for k, v in call.items()}
    with pytest.raises(ClientError) as raised:
        local_cognito.boto3_client().describe_user_pool_client(**call)
    assert raised.value.response["Error"]["Code"] == code


def test_allow_app_registers_a_web_apps_urls_through_boto3(local_cognito):
    local_cognito.allow_app("http://127.0.0.1:8123")
    web = local_cognito.clients["web"].client_id
    browser = Browser(local_cognito.url)
    page = browser.follow_to_login(f"/oauth2/authorize?response_type=code&client_id={web}"
                                   "&redirect_uri=http://127.0.0.1:8123/callback&scope=openid")
    response = browser.submit(page, username=local_cognito.demo_user.email, password=local_cognito.demo_user.password)
    assert response.headers["Location"].startswith("http://127.0.0.1:8123/callback?code=")
    out = browser.get("/logout", client_id=web, logout_uri="http://127.0.0.1:8123/signed-out")
    assert out.headers["Location"] == "http://127.0.0.1:8123/signed-out"
    # The template's own URLs are still there, and so is everything else about the client.
    client = local_cognito.boto3_client().describe_user_pool_client(UserPoolId=local_cognito.pool_id,
                                                                   ClientId=web)["UserPoolClient"]
    assert "http://localhost:5000/callback" in client["CallbackURLs"]
    assert client["AllowedOAuthScopes"] == ["openid", "email", "profile", "aws.cognito.signin.user.admin",
                                            "weatherapi/read"]


def test_update_resets_what_it_is_not_given_like_aws(other_pool):
    idp = other_pool.boto3_client()
    client_id = other_pool.clients["scratch"].client_id
    updated = idp.update_user_pool_client(UserPoolId=other_pool.pool_id, ClientId=client_id,
                                          CallbackURLs=["https://app.example/cb"], AllowedOAuthFlows=["code"],
                                          AllowedOAuthFlowsUserPoolClient=True,
                                          AllowedOAuthScopes=["openid"])["UserPoolClient"]
    assert updated["CallbackURLs"] == ["https://app.example/cb"]
    assert updated["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"]
    assert updated["TokenValidityUnits"]["AccessToken"] == "hours" and updated["AccessTokenValidity"] == 1
    assert updated["EnableTokenRevocation"] is True  # back to the default
    response = Browser(other_pool.url).get("/oauth2/authorize", response_type="code", client_id=client_id,
                                           redirect_uri="https://app.example/cb", state="x")
    assert response.headers["Location"].startswith("/login?")


@pytest.mark.parametrize(("settings", "code"), [
    ({"CallbackURLs": ["http://app.example/cb"], "AllowedOAuthFlows": ["code"],
      "AllowedOAuthFlowsUserPoolClient": True, "AllowedOAuthScopes": ["openid"]}, "InvalidParameterException"),
    ({"CallbackURLs": ["https://app.example/cb#frag"]}, "InvalidParameterException"),
    ({"AllowedOAuthFlows": ["client_credentials", "code"], "AllowedOAuthFlowsUserPoolClient": True,
      "CallbackURLs": ["https://app.example/cb"], "AllowedOAuthScopes": ["weatherapi/read"]},
     "InvalidOAuthFlowException"),
    ({"AllowedOAuthFlows": ["code"], "AllowedOAuthFlowsUserPoolClient": True,
      "CallbackURLs": ["https://app.example/cb"], "AllowedOAuthScopes": ["weatherapi/write"]},
     "ScopeDoesNotExistException"),
    ({"AccessTokenValidity": 1, "TokenValidityUnits": {"AccessToken": "minutes"}}, "InvalidParameterException"),
])
def test_update_refuses_what_cognito_refuses(other_pool, settings, code):
    with pytest.raises(ClientError) as raised:
        other_pool.boto3_client().update_user_pool_client(
            UserPoolId=other_pool.pool_id, ClientId=other_pool.clients["scratch"].client_id, **settings)
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400



def test_the_aws_cli_works_against_the_json_api(local_cognito, tmp_path):
    """`aws cognito-idp ... --endpoint-url` reaches the local pool unchanged (credentials are only signed with)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIDLOCAL", "AWS_SECRET_ACCESS_KEY": "local",
           "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    env.pop("AWS_PROFILE", None)
    web = local_cognito.clients["web"].client_id
    base = [sys.executable, "-m", "awscli", "cognito-idp", "--endpoint-url", local_cognito.url,
            "--region", local_cognito.region, "--output", "json"]
    described = subprocess.run([*base, "describe-user-pool-client", "--user-pool-id", local_cognito.pool_id,
                                "--client-id", web], capture_output=True, text=True, env=env, timeout=60)
    assert described.returncode == 0, described.stderr
    assert json.loads(described.stdout)["UserPoolClient"]["ClientId"] == web
    missing = subprocess.run([*base, "describe-user-pool-client", "--user-pool-id", local_cognito.pool_id,
                              "--client-id", "nosuchclient"], capture_output=True, text=True, env=env, timeout=60)
    assert missing.returncode != 0
    assert "ResourceNotFoundException" in missing.stderr
