"""Hostile JSON API bodies: every member of every operation replaced by values of the wrong type or size, bodies
nested too deep, too large or not UTF-8, get HTTP 400 (413 for too large) with Cognito's error shape (or a 200
where the value happens to be acceptable), never a 5xx; an operation that is not emulated is named."""

from __future__ import annotations

import base64
import json

import pytest
import requests

from tests.local_cognito.accounts_support import PASSWORD
from local_cognito.json_api import operations

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
    "AdminInitiateAuth": {"UserPoolId": "POOL", "ClientId": "CLI", "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                          "AuthParameters": {"USERNAME": "USER", "PASSWORD": PASSWORD}},
    "AdminRespondToAuthChallenge": {"UserPoolId": "POOL", "ClientId": "CLI", "ChallengeName": "SOFTWARE_TOKEN_MFA",
                                    "Session": "s" * 40,
                                    "ChallengeResponses": {"USERNAME": "USER", "SOFTWARE_TOKEN_MFA_CODE": "123456"}},
    "AdminUpdateUserAttributes": {"UserPoolId": "POOL", "Username": "USER",
                                  "UserAttributes": [{"Name": "email", "Value": "new-USER"}]},
    "AdminDeleteUserAttributes": {"UserPoolId": "POOL", "Username": "USER", "UserAttributeNames": ["name"]},
    "AdminDisableUser": {"UserPoolId": "POOL", "Username": "USER"},
    "AdminEnableUser": {"UserPoolId": "POOL", "Username": "USER"},
    "AdminResetUserPassword": {"UserPoolId": "POOL", "Username": "USER"},
    "AdminListGroupsForUser": {"UserPoolId": "POOL", "Username": "USER", "Limit": 1, "NextToken": "MQ=="},
    "AdminRemoveUserFromGroup": {"UserPoolId": "POOL", "Username": "USER", "GroupName": "demo-users"},
    "AdminSetUserMFAPreference": {"UserPoolId": "POOL", "Username": "USER",
                                  "SoftwareTokenMfaSettings": {"Enabled": False, "PreferredMfa": False},
                                  "SMSMfaSettings": {"Enabled": False}},
    "CreateGroup": {"UserPoolId": "POOL", "GroupName": "g-USER", "Description": "d", "Precedence": 1,
                    "RoleArn": "arn:aws:iam::000000000000:role/r"},
    "GetGroup": {"UserPoolId": "POOL", "GroupName": "demo-users"},
    "UpdateGroup": {"UserPoolId": "POOL", "GroupName": "g-USER", "Description": "d", "Precedence": 2},
    "DeleteGroup": {"UserPoolId": "POOL", "GroupName": "g-USER"},
    "ListGroups": {"UserPoolId": "POOL", "Limit": 1, "NextToken": "MQ=="},
    "ListUsersInGroup": {"UserPoolId": "POOL", "GroupName": "demo-users", "Limit": 1, "NextToken": "MQ=="},
    "DescribeUserPool": {"UserPoolId": "POOL"},
    "ListUserPools": {"MaxResults": 1, "NextToken": "MQ=="},
    "DescribeUserPoolClient": {"UserPoolId": "POOL", "ClientId": "CLI"},
    "UpdateUserPoolClient": {"UserPoolId": "POOL", "ClientId": "SCRATCH", "ClientName": "scratch",
                             "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"], "AccessTokenValidity": 60,
                             "TokenValidityUnits": {"AccessToken": "minutes"}, "CallbackURLs": ["https://a.example/"],
                             "AllowedOAuthFlows": ["code"], "AllowedOAuthFlowsUserPoolClient": True,
                             "AllowedOAuthScopes": ["openid"]},
    "ListUserPoolClients": {"UserPoolId": "POOL", "MaxResults": 1, "NextToken": "MQ=="},
    "DescribeResourceServer": {"UserPoolId": "POOL", "Identifier": "weatherapi"},
    "ListResourceServers": {"UserPoolId": "POOL", "MaxResults": 1, "NextToken": "MQ=="},
    "DescribeUserPoolDomain": {"Domain": "cognito-weather-demo"},
    "GetUser": {"AccessToken": "TOKEN"},
    "UpdateUserAttributes": {"AccessToken": "TOKEN", "UserAttributes": [{"Name": "name", "Value": "x"}]},
    "GetUserAttributeVerificationCode": {"AccessToken": "TOKEN", "AttributeName": "email"},
    "VerifyUserAttribute": {"AccessToken": "TOKEN", "AttributeName": "email", "Code": "123456"},
    "ChangePassword": {"AccessToken": "TOKEN", "PreviousPassword": PASSWORD, "ProposedPassword": PASSWORD},
    "DeleteUser": {"AccessToken": "a.b.c"},
    "AssociateSoftwareToken": {"AccessToken": "TOKEN"},
    "VerifySoftwareToken": {"AccessToken": "TOKEN", "UserCode": "123456", "FriendlyDeviceName": "phone"},
    "SetUserMFAPreference": {"AccessToken": "TOKEN",
                             "SoftwareTokenMfaSettings": {"Enabled": False, "PreferredMfa": False}},
}
HEADERS = {"Content-Type": "application/x-amz-json-1.1", **SIGNED}


def mutations():
    for operation, body in OPERATIONS.items():
        for member in body:
            for value in BAD_VALUES:
                yield operation, member, value
        yield operation, None, None  # the member-less body {}


def filled(value, names: dict[str, str]):
    """`value` with the placeholders POOL, CLI, SCRATCH, USER and TOKEN replaced by `names`."""
    if isinstance(value, str):
        return names.get(value, value.replace("USER", names["USER"]))
    if isinstance(value, dict):
        return {k: filled(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [filled(v, names) for v in value]
    return value


def test_every_operation_is_fuzzed(api_pool):  # the pool registers its operations
    assert sorted(OPERATIONS) == operations.names()


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_no_hostile_body_makes_an_operation_fail_badly(api_pool, operation):
    """Members of the wrong type or size, for a user that exists (with a live access token) or not."""
    http = requests.Session()
    user = f"robust-{operation.lower()}@example.com"
    api_pool.create_user(user, PASSWORD)
    token = requests.post(f"{api_pool.url}/", timeout=10, data=json.dumps({
        "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": api_pool.clients["cli"].client_id,
        "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD}}), headers={
        "X-Amz-Target": TARGET + "InitiateAuth", **HEADERS}).json()["AuthenticationResult"]["AccessToken"]
    names = {"POOL": api_pool.pool_id, "CLI": api_pool.clients["cli"].client_id, "USER": user, "TOKEN": token,
             "SCRATCH": api_pool.store.client_by_name("scratch").client_id if operation == "UpdateUserPoolClient"
             else ""}
    for name, member, value in mutations():
        if name != operation:
            continue
        body = {} if member is None else {**filled(OPERATIONS[operation], names), member: value}
        response = http.post(f"{api_pool.url}/", data=json.dumps(body), timeout=10, headers={
            "X-Amz-Target": TARGET + operation, "Content-Type": "application/x-amz-json-1.1", **SIGNED})
        assert response.status_code in (200, 400), (operation, member, value, response.text[:300])
        assert response.headers["Content-Type"] == "application/x-amz-json-1.1"
        if response.status_code == 400:
            error = response.json()
            assert error["__type"].endswith("Exception") and isinstance(error["message"], str)
            assert "Traceback" not in response.text
    http.close()


BAD_BODIES = {
    "nested 2,000 deep": '{"a": ' + "[" * 2000 + "]" * 2000 + "}",
    "nested objects": '{"a": ' + '{"a": ' * 2000 + "1" + "}" * 2000 + "}",
    "not UTF-8": b'{"Username": "\xff\xfe"}',
    "not JSON": "Username=x",
    "a JSON array": "[1, 2]",
    "empty": "",
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_bodies_that_are_not_a_json_object_are_a_serialization_error(api_pool, operation):
    http = requests.Session()
    for label, body in BAD_BODIES.items():
        response = http.post(f"{api_pool.url}/", data=body, timeout=10,
                             headers={"X-Amz-Target": TARGET + operation, **HEADERS})
        assert response.status_code == 400, (label, response.text[:200])
        assert response.json()["__type"] == "SerializationException", label
    huge = http.post(f"{api_pool.url}/", data=json.dumps({"Username": "x" * (2 * 1024 * 1024)}), timeout=30,
                     headers={"X-Amz-Target": TARGET + operation, **HEADERS})
    assert huge.status_code == 413 and "Traceback" not in huge.text
    http.close()


@pytest.mark.parametrize(("target", "name"), [
    (TARGET + "StartUserImportJob", "StartUserImportJob"), (TARGET + "NoSuchThing", "NoSuchThing"),
    ("SomethingElse.InitiateAuth", "SomethingElse.InitiateAuth"), ("", "An operation without a name")])
def test_an_operation_that_is_not_emulated_is_named(api_pool, target, name):
    response = requests.post(f"{api_pool.url}/", data="{}", timeout=10, headers={"X-Amz-Target": target, **HEADERS})
    assert response.status_code == 400
    assert response.json() == {"__type": "UnknownOperationException",
                               "message": f"{name} is not emulated by the local Cognito"}


def test_basic_credentials_that_are_not_utf8_are_an_invalid_client(api_pool):
    credentials = "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode()
    token = requests.post(f"{api_pool.url}/oauth2/token", data={"grant_type": "client_credentials"}, timeout=10,
                          headers={"Authorization": credentials})
    assert (token.status_code, token.json()) == (400, {"error": "invalid_client"})
    revoke = requests.post(f"{api_pool.url}/oauth2/revoke", data={"token": "x"}, timeout=10,
                           headers={"Authorization": credentials})
    assert (revoke.status_code, revoke.json()) == (401, {"error": "invalid_client"})


@pytest.mark.parametrize("path", ["/", "/login", "/oauth2/authorize", "/oauth2/token", "/nothing-here"])
def test_a_host_header_no_url_can_be_built_for_is_a_bad_request(api_pool, path):
    response = requests.post(f"{api_pool.url}{path}", timeout=10, headers={"Host": "a" * 64 + ".example"})
    assert response.status_code == 400 and "Traceback" not in response.text
