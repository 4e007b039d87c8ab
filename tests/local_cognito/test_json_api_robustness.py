"""Hostile JSON API bodies: every member of every operation replaced by values of the wrong type or size gets
HTTP 400 with Cognito's error shape (or a 200 where the value happens to be acceptable), never a 500."""

from __future__ import annotations

import json

import pytest
import requests

from tests.local_cognito.accounts_support import PASSWORD

TARGET = "AWSCognitoIdentityProviderService."
SIGNED = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/cognito-idp/aws4_request"}
BAD_VALUES = [None, 0, -1, True, [], {}, ["x"], {"a": "b"}, "", "x" * 5000, "\u0000", "\ud800"]  # a lone surrogate
# A well-formed body per operation ("POOL", "CLI", "USER" are filled in per pool).
OPERATIONS = {
    "InitiateAuth": {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "CLI",
                     "AuthParameters": {"USERNAME": "USER", "PASSWORD": PASSWORD}},
    "RespondToAuthChallenge": {"ClientId": "CLI", "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "s" * 40,
                               "ChallengeResponses": {"USERNAME": "USER", "NEW_PASSWORD": PASSWORD}},
    "GlobalSignOut": {"AccessToken": "a.b.c"},
    "RevokeToken": {"Token": "x" * 40, "ClientId": "CLI"},
    "SignUp": {"ClientId": "CLI", "Username": "USER", "Password": PASSWORD,
               "UserAttributes": [{"Name": "name", "Value": "x"}]},
    "ConfirmSignUp": {"ClientId": "CLI", "Username": "USER", "ConfirmationCode": "123456"},
    "ResendConfirmationCode": {"ClientId": "CLI", "Username": "USER"},
    "ForgotPassword": {"ClientId": "CLI", "Username": "USER"},
    "ConfirmForgotPassword": {"ClientId": "CLI", "Username": "USER", "ConfirmationCode": "123456",
                              "Password": PASSWORD},
    "AdminCreateUser": {"UserPoolId": "POOL", "Username": "USER", "TemporaryPassword": PASSWORD,
                        "MessageAction": "SUPPRESS", "UserAttributes": [{"Name": "name", "Value": "x"}]},
    "AdminSetUserPassword": {"UserPoolId": "POOL", "Username": "USER", "Password": PASSWORD, "Permanent": True},
    "AdminConfirmSignUp": {"UserPoolId": "POOL", "Username": "USER"},
    "AdminDeleteUser": {"UserPoolId": "POOL", "Username": "USER"},
    "AdminAddUserToGroup": {"UserPoolId": "POOL", "Username": "USER", "GroupName": "demo-users"},
    "AdminGetUser": {"UserPoolId": "POOL", "Username": "USER"},
    "AdminUserGlobalSignOut": {"UserPoolId": "POOL", "Username": "USER"},
    "ListUsers": {"UserPoolId": "POOL", "Limit": 2, "Filter": 'email ^= "a"', "AttributesToGet": ["email"],
                  "PaginationToken": "WzEuMCwgIngiXQ=="},
}


def mutations():
    for operation, body in OPERATIONS.items():
        for member in body:
            for value in BAD_VALUES:
                yield operation, member, value
        yield operation, None, None  # the member-less body {}


def filled(value, pool, user: str):
    names = {"POOL": pool.pool_id, "CLI": pool.clients["cli"].client_id, "USER": user}
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, dict):
        return {k: filled(v, pool, user) for k, v in value.items()}
    if isinstance(value, list):
        return [filled(v, pool, user) for v in value]
    return value


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_no_hostile_body_makes_an_operation_fail_badly(api_pool, operation):
    http = requests.Session()
    user = f"robust-{operation.lower()}@example.com"
    for name, member, value in mutations():
        if name != operation:
            continue
        body = {} if member is None else {**filled(OPERATIONS[operation], api_pool, user), member: value}
        response = http.post(f"{api_pool.url}/", data=json.dumps(body), timeout=10, headers={
            "X-Amz-Target": TARGET + operation, "Content-Type": "application/x-amz-json-1.1", **SIGNED})
        assert response.status_code in (200, 400), (operation, member, value, response.text[:300])
        assert response.headers["Content-Type"] == "application/x-amz-json-1.1"
        if response.status_code == 400:
            error = response.json()
            assert error["__type"].endswith("Exception") and isinstance(error["message"], str)
            assert "Traceback" not in response.text
    http.close()
