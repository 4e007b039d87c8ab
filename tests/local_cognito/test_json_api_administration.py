"""Administration through boto3: AdminInitiateAuth and AdminRespondToAuthChallenge, attribute changes, disabling
and enabling, password resets, and the pool's own description (DescribeUserPool, ListUserPools,
ListUserPoolClients, Describe/ListResourceServers, DescribeUserPoolDomain)."""

from __future__ import annotations

import pytest

from tests.local_cognito.accounts_support import (
    PASSWORD,
    claims,
    confirmed_user,
    latest_code,
    latest_message,
    new_email,
    outbox,
    password_sign_in,
    raises_api_error,
)
from local_cognito.accounts import secret_hash

NEW_PASSWORD = "N3w-Passw0rd!"


def attributes(user: dict) -> dict[str, str]:
    return {item["Name"]: item["Value"] for item in user["UserAttributes"]}


def admin_sign_in(pool, idp, email: str, password: str = PASSWORD, client: str = "admin") -> dict:
    info = pool.clients[client]
    parameters = {"USERNAME": email, "PASSWORD": password}
    if info.client_secret:
        parameters["SECRET_HASH"] = secret_hash(info.client_id, info.client_secret, email)
    return idp.admin_initiate_auth(UserPoolId=pool.pool_id, ClientId=info.client_id,
                                   AuthFlow="ADMIN_USER_PASSWORD_AUTH", AuthParameters=parameters)


# -- AdminInitiateAuth -----------------------------------------------------------------------------------------
def test_admin_initiate_auth_signs_in_and_refreshes(api_pool, idp):
    email = confirmed_user(api_pool, "admin-auth")
    result = admin_sign_in(api_pool, idp, email)["AuthenticationResult"]
    access = claims(result["AccessToken"])
    assert access["client_id"] == api_pool.clients["admin"].client_id
    assert access["scope"] == "aws.cognito.signin.user.admin" and claims(result["IdToken"])["email"] == email
    info = api_pool.clients["admin"]
    refreshed = idp.admin_initiate_auth(
        UserPoolId=api_pool.pool_id, ClientId=info.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": result["RefreshToken"],
                        "SECRET_HASH": secret_hash(info.client_id, info.client_secret, access["username"])})
    assert "RefreshToken" not in refreshed["AuthenticationResult"]


def test_admin_initiate_auth_needs_the_clients_admin_flow(api_pool, idp):
    email = confirmed_user(api_pool, "no-admin-flow")
    with raises_api_error("InvalidParameterException", "Auth flow not enabled for this client"):
        admin_sign_in(api_pool, idp, email, client="cli")


def test_admin_initiate_auth_refuses_a_wrong_password_and_an_unsigned_request(api_pool, idp):
    email = confirmed_user(api_pool, "admin-wrong")
    with raises_api_error("NotAuthorizedException", "Incorrect username or password."):
        admin_sign_in(api_pool, idp, email, "Wrong-Passw0rd!")


def test_admin_respond_to_auth_challenge_sets_the_new_password(api_pool, idp):
    email = new_email("admin-invited")
    idp.admin_create_user(UserPoolId=api_pool.pool_id, Username=email, TemporaryPassword=PASSWORD,
                          MessageAction="SUPPRESS")
    challenge = admin_sign_in(api_pool, idp, email)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    info = api_pool.clients["admin"]
    result = idp.admin_respond_to_auth_challenge(
        UserPoolId=api_pool.pool_id, ClientId=info.client_id, ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"], ChallengeResponses={
            "USERNAME": email, "NEW_PASSWORD": NEW_PASSWORD,
            "SECRET_HASH": secret_hash(info.client_id, info.client_secret, email)})
    assert result["AuthenticationResult"]["AccessToken"]
    assert admin_sign_in(api_pool, idp, email, NEW_PASSWORD)["AuthenticationResult"]


# -- attributes, disabling, resets -----------------------------------------------------------------------------
def test_admin_update_user_attributes_verifies_only_when_told(api_pool, idp, cli):
    email, unverified, verified = confirmed_user(api_pool, "adm-attr"), new_email("adm-new"), new_email("adm-ok")
    pool_id = api_pool.pool_id
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username=email, UserAttributes=[
        {"Name": "email", "Value": unverified}, {"Name": "given_name", "Value": "Cy"}])
    user = attributes(idp.admin_get_user(UserPoolId=pool_id, Username=unverified))
    assert (user["email_verified"], user["given_name"]) == ("false", "Cy")
    assert latest_message(api_pool, unverified)["subject"] == "Your verification code"
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username=unverified, UserAttributes=[
        {"Name": "email", "Value": verified}, {"Name": "email_verified", "Value": "true"}])
    user = attributes(idp.admin_get_user(UserPoolId=pool_id, Username=verified))
    assert user["email_verified"] == "true"
    assert [m for m in outbox(api_pool) if m["recipient"] == verified] == []
    idp.admin_delete_user_attributes(UserPoolId=pool_id, Username=verified, UserAttributeNames=["given_name"])
    assert "given_name" not in attributes(idp.admin_get_user(UserPoolId=pool_id, Username=verified))
    with raises_api_error("InvalidParameterException"):
        idp.admin_delete_user_attributes(UserPoolId=pool_id, Username=verified, UserAttributeNames=["email"])


def test_a_disabled_user_cannot_sign_in_or_refresh_until_enabled(api_pool, idp, cli):
    email = confirmed_user(api_pool, "adm-disabled")
    refresh = password_sign_in(idp, cli, email)["AuthenticationResult"]["RefreshToken"]
    idp.admin_disable_user(UserPoolId=api_pool.pool_id, Username=email)
    assert idp.admin_get_user(UserPoolId=api_pool.pool_id, Username=email)["Enabled"] is False
    with raises_api_error("NotAuthorizedException", "User is disabled."):
        password_sign_in(idp, cli, email)
    with raises_api_error("NotAuthorizedException", "User is disabled."):
        idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cli, AuthParameters={"REFRESH_TOKEN": refresh})
    idp.admin_enable_user(UserPoolId=api_pool.pool_id, Username=email)
    assert password_sign_in(idp, cli, email)["AuthenticationResult"]
    assert idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cli,
                             AuthParameters={"REFRESH_TOKEN": refresh})["AuthenticationResult"]


def test_admin_reset_user_password_requires_a_reset_before_sign_in(api_pool, idp, cli):
    email = confirmed_user(api_pool, "adm-reset")
    idp.admin_reset_user_password(UserPoolId=api_pool.pool_id, Username=email)
    assert idp.admin_get_user(UserPoolId=api_pool.pool_id, Username=email)["UserStatus"] == "RESET_REQUIRED"
    with raises_api_error("PasswordResetRequiredException", "Password reset required for the user"):
        password_sign_in(idp, cli, email)
    assert latest_message(api_pool, email)["subject"] == "Your password reset code"
    idp.confirm_forgot_password(ClientId=cli, Username=email, ConfirmationCode=latest_code(api_pool, email),
                                Password=NEW_PASSWORD)
    assert password_sign_in(idp, cli, email, NEW_PASSWORD)["AuthenticationResult"]


def test_a_user_without_a_verified_email_cannot_be_reset(api_pool, idp):
    email = confirmed_user(api_pool, "adm-noreset", email_verified=False)
    with raises_api_error("InvalidParameterException"):
        idp.admin_reset_user_password(UserPoolId=api_pool.pool_id, Username=email)


@pytest.mark.parametrize("operation", ["admin_update_user_attributes", "admin_delete_user_attributes",
                                       "admin_disable_user", "admin_enable_user", "admin_reset_user_password"])
def test_the_new_admin_operations_say_when_a_user_does_not_exist(api_pool, idp, operation):
    extra = {"admin_update_user_attributes": {"UserAttributes": [{"Name": "name", "Value": "x"}]},
             "admin_delete_user_attributes": {"UserAttributeNames": ["name"]}}.get(operation, {})
    with raises_api_error("UserNotFoundException", "User does not exist."):
        getattr(idp, operation)(UserPoolId=api_pool.pool_id, Username="nobody@example.com", **extra)


# -- the pool's description ------------------------------------------------------------------------------------
def test_describe_user_pool_reports_the_templates_settings(api_pool, idp):
    pool = idp.describe_user_pool(UserPoolId=api_pool.pool_id)["UserPool"]
    assert (pool["Id"], pool["Name"], pool["MfaConfiguration"]) == (api_pool.pool_id, "local-users", "OPTIONAL")
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert pool["UsernameAttributes"] == ["email"] and pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["Domain"] == "cognito-weather-demo" and pool["UserPoolTier"] == "ESSENTIALS"
    schema = {attribute["Name"]: attribute for attribute in pool["SchemaAttributes"]}
    assert schema["email"]["Required"] is True and schema["sub"]["Mutable"] is False
    assert pool["EstimatedNumberOfUsers"] == len(api_pool.store.users())
    with raises_api_error("ResourceNotFoundException"):
        idp.describe_user_pool(UserPoolId="us-east-1_NotThere1")


def test_list_user_pools_and_clients(api_pool, idp):
    pools = idp.list_user_pools(MaxResults=10)["UserPools"]
    assert [(p["Id"], p["Name"]) for p in pools] == [(api_pool.pool_id, "local-users")]
    clients = idp.list_user_pool_clients(UserPoolId=api_pool.pool_id)["UserPoolClients"]
    assert {c["ClientName"]: c["ClientId"] for c in clients} == {
        name: info.client_id for name, info in api_pool.clients.items()}
    first = idp.list_user_pool_clients(UserPoolId=api_pool.pool_id, MaxResults=2)
    rest = idp.list_user_pool_clients(UserPoolId=api_pool.pool_id, MaxResults=60, NextToken=first["NextToken"])
    assert [c["ClientId"] for c in first["UserPoolClients"] + rest["UserPoolClients"]] == [
        c["ClientId"] for c in clients]
    with raises_api_error("InvalidParameterException"):
        idp.list_user_pool_clients(UserPoolId=api_pool.pool_id, NextToken="not-a-token")


def test_resource_servers_and_the_domain(api_pool, idp):
    server = idp.describe_resource_server(UserPoolId=api_pool.pool_id, Identifier="weatherapi")["ResourceServer"]
    assert server == {"UserPoolId": api_pool.pool_id, "Identifier": "weatherapi", "Name": "Weather API",
                      "Scopes": [{"ScopeName": "read", "ScopeDescription": "Read weather forecasts"}]}
    assert idp.list_resource_servers(UserPoolId=api_pool.pool_id, MaxResults=10)["ResourceServers"] == [server]
    with raises_api_error("ResourceNotFoundException"):
        idp.describe_resource_server(UserPoolId=api_pool.pool_id, Identifier="nosuchapi")
    domain = idp.describe_user_pool_domain(Domain="cognito-weather-demo")["DomainDescription"]
    assert (domain["UserPoolId"], domain["Status"]) == (api_pool.pool_id, "ACTIVE")
    assert idp.describe_user_pool_domain(Domain="someone-elses")["DomainDescription"] == {}
