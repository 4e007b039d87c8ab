"""JSON API sign-in and sign-out through boto3 (reference §4): InitiateAuth (USER_PASSWORD_AUTH with and without
SECRET_HASH, REFRESH_TOKEN_AUTH), the NEW_PASSWORD_REQUIRED challenge, GlobalSignOut, AdminUserGlobalSignOut."""

from __future__ import annotations

import jwt
import pytest
import requests

from tests.local_cognito.accounts_support import (
    PASSWORD,
    claims,
    new_email,
    password_sign_in,
    raises_api_error,
)
from tests.local_cognito.conftest import Browser, make_code_flow, token_request
from local_cognito.accounts import secret_hash

INCORRECT = "Incorrect username or password."


def confirmed_user(pool, prefix: str = "user", password: str = PASSWORD, **kwargs) -> str:
    email = new_email(prefix)
    pool.create_user(email, password, **kwargs)
    return email


def with_secret_hash(pool, client: str, username: str) -> dict:
    info = pool.clients[client]
    return {"SECRET_HASH": secret_hash(info.client_id, info.client_secret, username)}


# -- USER_PASSWORD_AUTH ----------------------------------------------------------------------------------------
def test_password_sign_in_returns_cognito_shaped_tokens_signed_by_the_pool(api_pool, idp, cli):
    email = confirmed_user(api_pool, groups=("testers",))
    response = password_sign_in(idp, cli, email)
    assert response["ChallengeParameters"] == {}
    result = response["AuthenticationResult"]
    assert set(result) == {"AccessToken", "ExpiresIn", "TokenType", "RefreshToken", "IdToken"}
    assert (result["ExpiresIn"], result["TokenType"]) == (3600, "Bearer")
    assert result["RefreshToken"].startswith("eyJjdHki")
    keys = jwt.PyJWKClient(f"{api_pool.issuer}/.well-known/jwks.json")
    access = jwt.decode(result["AccessToken"], keys.get_signing_key_from_jwt(result["AccessToken"]).key,
                        algorithms=["RS256"], issuer=api_pool.issuer)
    assert access["token_use"] == "access" and access["client_id"] == cli and "aud" not in access
    assert access["cognito:groups"] == ["testers"] and access["username"] == access["sub"]
    identity = jwt.decode(result["IdToken"], keys.get_signing_key_from_jwt(result["IdToken"]).key,
                          algorithms=["RS256"], issuer=api_pool.issuer, audience=cli)
    assert identity["token_use"] == "id" and identity["email"] == email and identity["email_verified"] is True
    assert identity["origin_jti"] == access["origin_jti"] and identity["auth_time"] == access["auth_time"]


def test_tokens_from_the_api_carry_only_the_admin_scope_without_a_trigger(api_pool, idp):
    """The `legacy` client is not the one the template's trigger serves: its tokens keep the plain scope."""
    email = confirmed_user(api_pool)
    result = password_sign_in(idp, api_pool.clients["legacy"].client_id, email)["AuthenticationResult"]
    assert claims(result["AccessToken"])["scope"] == "aws.cognito.signin.user.admin"


def test_a_client_without_the_password_flow_is_refused(api_pool, idp):
    with raises_api_error("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client"):
        password_sign_in(idp, api_pool.clients["web"].client_id, api_pool.demo_user.email,
                         api_pool.demo_user.password, **with_secret_hash(api_pool, "web", api_pool.demo_user.email))


@pytest.mark.parametrize("who", ["wrong password", "no such user"])
def test_bad_credentials_get_one_generic_answer(api_pool, idp, cli, who):
    email = confirmed_user(api_pool) if who == "wrong password" else new_email("nobody")
    with raises_api_error("NotAuthorizedException", INCORRECT):
        password_sign_in(idp, cli, email, "Wrong-Passw0rd!")


def test_a_legacy_client_says_when_the_user_does_not_exist(api_pool, idp):
    with raises_api_error("UserNotFoundException", "User does not exist."):
        password_sign_in(idp, api_pool.clients["legacy"].client_id, new_email("nobody"))


def test_an_unconfirmed_user_is_told_so_only_with_the_right_password(api_pool, idp, cli):
    email = confirmed_user(api_pool, status="UNCONFIRMED")
    with raises_api_error("UserNotConfirmedException", "User is not confirmed."):
        password_sign_in(idp, cli, email)
    with raises_api_error("NotAuthorizedException", INCORRECT):
        password_sign_in(idp, cli, email, "Wrong-Passw0rd!")


def test_a_disabled_user_cannot_sign_in(api_pool, idp, cli):
    email = confirmed_user(api_pool)
    api_pool.store.set_enabled(api_pool.store.find_user(email).sub, False)
    with raises_api_error("NotAuthorizedException", "User is disabled."):
        password_sign_in(idp, cli, email)


@pytest.mark.parametrize(("call", "code", "message"), [
    ({"ClientId": "nosuchclient"}, "ResourceNotFoundException", "User pool client nosuchclient does not exist."),
    ({"AuthFlow": "PASSWORD_PLEASE"}, "InvalidParameterException", None),
    ({"AuthFlow": "CUSTOM_AUTH"}, "InvalidParameterException", "CUSTOM_AUTH flow not enabled for this client"),
    ({"AuthParameters": {"PASSWORD": PASSWORD}}, "InvalidParameterException", "Missing required parameter USERNAME"),
    ({"AuthParameters": {"USERNAME": "a@example.com"}}, "InvalidParameterException",
     "Missing required parameter PASSWORD"),
])
def test_malformed_requests_get_cognitos_errors(idp, cli, call, code, message):
    request = {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": cli,
               "AuthParameters": {"USERNAME": "a@example.com", "PASSWORD": PASSWORD}, **call}
    with raises_api_error(code, message):
        idp.initiate_auth(**request)


# -- SECRET_HASH -----------------------------------------------------------------------------------------------
def test_a_client_with_a_secret_needs_the_secret_hash_of_the_username(api_pool, idp):
    email = confirmed_user(api_pool)
    scripted = api_pool.clients["scripted"].client_id
    with raises_api_error("NotAuthorizedException",
                          f"Client {scripted} is configured for secret but secret was not received"):
        password_sign_in(idp, scripted, email)
    with raises_api_error("NotAuthorizedException", f"Unable to verify secret hash for client {scripted}"):
        password_sign_in(idp, scripted, email, **with_secret_hash(api_pool, "scripted", "someone@example.com"))
    result = password_sign_in(idp, scripted, email, **with_secret_hash(api_pool, "scripted", email))
    assert claims(result["AuthenticationResult"]["IdToken"])["aud"] == scripted


def test_secret_hash_is_base64_hmac_sha256_of_username_and_client_id():
    """The formula from the reference, against a value computed independently (openssl dgst -sha256 -hmac)."""
    assert secret_hash("client", "secret", "user") == "wvW87lzZoI+qQCVGmWVBJLlucdJ65huAVP1z+0MgA6E="


def test_refresh_with_a_secret_hashes_the_cognito_username_not_the_email(api_pool, idp):
    email = confirmed_user(api_pool)
    scripted = api_pool.clients["scripted"].client_id
    result = password_sign_in(idp, scripted, email, **with_secret_hash(api_pool, "scripted", email))
    username = claims(result["AuthenticationResult"]["AccessToken"])["username"]
    refresh = result["AuthenticationResult"]["RefreshToken"]
    with raises_api_error("NotAuthorizedException", f"Unable to verify secret hash for client {scripted}"):
        idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=scripted,
                          AuthParameters={"REFRESH_TOKEN": refresh, **with_secret_hash(api_pool, "scripted", email)})
    refreshed = idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=scripted, AuthParameters={
        "REFRESH_TOKEN": refresh, **with_secret_hash(api_pool, "scripted", username)})
    assert "AccessToken" in refreshed["AuthenticationResult"]


# -- REFRESH_TOKEN_AUTH ----------------------------------------------------------------------------------------
def test_refresh_gives_new_id_and_access_tokens_and_no_refresh_token(api_pool, idp, cli):
    email = confirmed_user(api_pool)
    first = password_sign_in(idp, cli, email)["AuthenticationResult"]
    with api_pool.clock.moved(600):
        result = idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cli,
                                   AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]})["AuthenticationResult"]
    assert set(result) == {"AccessToken", "ExpiresIn", "TokenType", "IdToken"}
    before, after = claims(first["AccessToken"]), claims(result["AccessToken"])
    assert after["origin_jti"] == before["origin_jti"] and after["auth_time"] == before["auth_time"]
    assert after["iat"] >= before["iat"] + 600 and after["jti"] != before["jti"]


@pytest.mark.parametrize("token", ["not-a-refresh-token", "eyJjdHkiOiJKV1QifQ.a.b.c.d"])
def test_an_unknown_refresh_token_is_invalid(idp, cli, token):
    with raises_api_error("NotAuthorizedException", "Invalid Refresh Token."):
        idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cli, AuthParameters={"REFRESH_TOKEN": token})


def test_a_refresh_token_works_only_for_its_own_client(api_pool, idp, cli):
    refresh = password_sign_in(idp, cli, confirmed_user(api_pool))["AuthenticationResult"]["RefreshToken"]
    with raises_api_error("NotAuthorizedException", "Invalid Refresh Token."):
        idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=api_pool.clients["legacy"].client_id,
                          AuthParameters={"REFRESH_TOKEN": refresh})


def test_an_expired_refresh_token_is_refused(api_pool, idp, cli):
    refresh = password_sign_in(idp, cli, confirmed_user(api_pool))["AuthenticationResult"]["RefreshToken"]
    with api_pool.clock.moved(31 * 86400), raises_api_error("NotAuthorizedException", "Refresh Token has expired"):
        idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cli, AuthParameters={"REFRESH_TOKEN": refresh})


def test_a_code_flow_refresh_token_also_works_with_refresh_token_auth(local_cognito, signed_in_tokens):
    web = local_cognito.clients["web"]
    sub = claims(signed_in_tokens["access_token"])["username"]
    result = local_cognito.boto3_client().initiate_auth(
        AuthFlow="REFRESH_TOKEN_AUTH", ClientId=web.client_id, AuthParameters={
            "REFRESH_TOKEN": signed_in_tokens["refresh_token"],
            "SECRET_HASH": secret_hash(web.client_id, web.client_secret, sub)})["AuthenticationResult"]
    assert claims(result["AccessToken"])["scope"] == claims(signed_in_tokens["access_token"])["scope"]


# -- NEW_PASSWORD_REQUIRED -------------------------------------------------------------------------------------
def admin_created(pool, idp) -> str:
    email = new_email("invited")
    idp.admin_create_user(UserPoolId=pool.pool_id, Username=email, TemporaryPassword="Temp-0rary!pw",
                          MessageAction="SUPPRESS")
    return email


def test_an_invited_user_must_choose_a_new_password(api_pool, idp, cli):
    email = admin_created(api_pool, idp)
    challenge = password_sign_in(idp, cli, email, "Temp-0rary!pw")
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED" and "AuthenticationResult" not in challenge
    assert set(challenge["ChallengeParameters"]) == {"USER_ID_FOR_SRP", "requiredAttributes", "userAttributes"}
    answer = {"ClientId": cli, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": challenge["Session"]}
    with raises_api_error("InvalidPasswordException"):
        idp.respond_to_auth_challenge(**answer, ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": "short"})
    result = idp.respond_to_auth_challenge(**answer, ChallengeResponses={
        "USERNAME": email, "NEW_PASSWORD": "Chosen-Passw0rd!", "userAttributes.name": "Ada"})
    tokens = result["AuthenticationResult"]
    assert {"AccessToken", "IdToken", "RefreshToken"} <= set(tokens)
    assert claims(tokens["IdToken"])["name"] == "Ada"
    with raises_api_error("NotAuthorizedException", "Invalid session for the user, session is expired."):
        idp.respond_to_auth_challenge(**answer, ChallengeResponses={"USERNAME": email,
                                                                    "NEW_PASSWORD": "Another-Passw0rd!"})
    assert "AuthenticationResult" in password_sign_in(idp, cli, email, "Chosen-Passw0rd!")
    with raises_api_error("NotAuthorizedException", INCORRECT):
        password_sign_in(idp, cli, email, "Temp-0rary!pw")


@pytest.mark.parametrize("session", ["made-up-session-of-twenty-characters", "EXPIRED", "OTHER_CLIENT"])
def test_a_challenge_needs_a_live_session_of_the_same_client(api_pool, idp, cli, session):
    email = admin_created(api_pool, idp)
    real = password_sign_in(idp, cli, email, "Temp-0rary!pw")["Session"]
    client = api_pool.clients["legacy"].client_id if session == "OTHER_CLIENT" else cli
    moved = 181 if session == "EXPIRED" else 0  # AuthSessionValidity: 3 minutes
    with api_pool.clock.moved(moved), raises_api_error("NotAuthorizedException",
                                                       "Invalid session for the user, session is expired."):
        idp.respond_to_auth_challenge(
            ClientId=client, ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=session if session.startswith("made-up") else real,
            ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": "Chosen-Passw0rd!"})


def test_a_temporary_password_expires_after_the_policys_days(api_pool, idp, cli):
    email = admin_created(api_pool, idp)
    with api_pool.clock.moved(8 * 86400), raises_api_error(
            "NotAuthorizedException", "Temporary password has expired and must be reset by an administrator."):
        password_sign_in(idp, cli, email, "Temp-0rary!pw")


# -- GlobalSignOut ---------------------------------------------------------------------------------------------
def test_global_sign_out_ends_every_refresh_token_and_userinfo_access(local_cognito):
    """Two devices (the API and the Hosted UI): after GlobalSignOut neither refresh token nor token works at
    Cognito's own endpoints; a new sign-in does."""
    idp = local_cognito.boto3_client()
    email = new_email("everywhere")
    local_cognito.create_user(email, PASSWORD)
    cli = local_cognito.clients["cli"].client_id
    phone = password_sign_in(idp, cli, email)["AuthenticationResult"]
    endpoints = requests.get(f"{local_cognito.issuer}/.well-known/openid-configuration", timeout=10).json()
    flow = make_code_flow(local_cognito, endpoints, scope="openid email aws.cognito.signin.user.admin")
    laptop = flow.fetch_token(Browser(local_cognito.url).sign_in(flow.authorization_url()[0], email, PASSWORD))

    assert idp.global_sign_out(AccessToken=laptop["access_token"])["ResponseMetadata"]["HTTPStatusCode"] == 200

    with raises_api_error("NotAuthorizedException", "Refresh Token has been revoked"):
        idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cli,
                          AuthParameters={"REFRESH_TOKEN": phone["RefreshToken"]})
    refreshed = token_request(local_cognito, grant_type="refresh_token", refresh_token=laptop["refresh_token"])
    assert (refreshed.status_code, refreshed.json()) == (400, {"error": "invalid_grant"})
    info = requests.get(f"{local_cognito.url}/oauth2/userInfo", timeout=10,
                        headers={"Authorization": f"Bearer {laptop['access_token']}"})
    assert info.status_code == 401 and 'error="invalid_token"' in info.headers["WWW-Authenticate"]
    with raises_api_error("NotAuthorizedException", "Access Token has been revoked"):
        idp.global_sign_out(AccessToken=phone["AccessToken"])
    again = password_sign_in(idp, cli, email)["AuthenticationResult"]
    assert idp.global_sign_out(AccessToken=again["AccessToken"]) is not None


def test_global_sign_out_needs_the_admin_scope(local_cognito, signed_in_tokens):
    """The code flow's default scope for the web app has no aws.cognito.signin.user.admin: Cognito refuses."""
    assert "aws.cognito.signin.user.admin" not in claims(signed_in_tokens["access_token"])["scope"].split()
    with raises_api_error("NotAuthorizedException", "Access Token does not have required scopes"):
        local_cognito.boto3_client().global_sign_out(AccessToken=signed_in_tokens["access_token"])


@pytest.mark.parametrize("token", ["garbage", "a.b.c"])
def test_global_sign_out_refuses_what_is_not_an_access_token_of_the_pool(idp, token):
    with raises_api_error("NotAuthorizedException", "Invalid Access Token"):
        idp.global_sign_out(AccessToken=token)


def test_global_sign_out_refuses_an_id_token(api_pool, idp, cli):
    id_token = password_sign_in(idp, cli, confirmed_user(api_pool))["AuthenticationResult"]["IdToken"]
    with raises_api_error("NotAuthorizedException", "Invalid Access Token"):
        idp.global_sign_out(AccessToken=id_token)


def test_global_sign_out_leaves_the_hosted_ui_session_alone(local_cognito, browser, code_flow):
    """AWS: GlobalSignOut "doesn't clear the managed login session cookie"; only /logout does."""
    email = new_email("session")
    local_cognito.create_user(email, PASSWORD)
    flow = make_code_flow(local_cognito, code_flow.endpoints, scope="openid aws.cognito.signin.user.admin")
    tokens = flow.fetch_token(browser.sign_in(flow.authorization_url()[0], email, PASSWORD))
    local_cognito.boto3_client().global_sign_out(AccessToken=tokens["access_token"])
    silent = browser.get(flow.authorization_url()[0])
    assert silent.status_code == 302 and "code=" in silent.headers["Location"]


def test_admin_user_global_sign_out(api_pool, idp, cli):
    email = confirmed_user(api_pool)
    refresh = password_sign_in(idp, cli, email)["AuthenticationResult"]["RefreshToken"]
    idp.admin_user_global_sign_out(UserPoolId=api_pool.pool_id, Username=email)
    with raises_api_error("NotAuthorizedException", "Refresh Token has been revoked"):
        idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cli, AuthParameters={"REFRESH_TOKEN": refresh})
    with raises_api_error("UserNotFoundException", "User does not exist."):
        idp.admin_user_global_sign_out(UserPoolId=api_pool.pool_id, Username=new_email("nobody"))


# -- RevokeToken -----------------------------------------------------------------------------------------------
def test_revoke_token_ends_the_refresh_token_and_what_was_issued_from_it(api_pool, idp, cli):
    email = confirmed_user(api_pool)
    first = password_sign_in(idp, cli, email)["AuthenticationResult"]
    second = password_sign_in(idp, cli, email)["AuthenticationResult"]
    idp.revoke_token(Token=first["RefreshToken"], ClientId=cli)
    with raises_api_error("NotAuthorizedException", "Refresh Token has been revoked"):
        idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cli,
                          AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]})
    with raises_api_error("NotAuthorizedException", "Access Token has been revoked"):
        idp.global_sign_out(AccessToken=first["AccessToken"])
    assert idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cli,  # the other sign-in lives on
                             AuthParameters={"REFRESH_TOKEN": second["RefreshToken"]})["AuthenticationResult"]


def test_revoke_token_refuses_what_the_endpoint_refuses(api_pool, idp, cli):
    tokens = password_sign_in(idp, cli, confirmed_user(api_pool))["AuthenticationResult"]
    with raises_api_error("UnsupportedTokenTypeException"):
        idp.revoke_token(Token=tokens["AccessToken"], ClientId=cli)
    scripted = api_pool.clients["scripted"].client_id
    with raises_api_error("NotAuthorizedException"):
        idp.revoke_token(Token=tokens["RefreshToken"], ClientId=scripted, ClientSecret="wrong-secret-of-24-characters")
    assert idp.revoke_token(Token="unknown-token", ClientId=cli)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert idp.revoke_token(Token=tokens["RefreshToken"], ClientId=api_pool.clients["legacy"].client_id)
    assert idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cli,  # another client's call changed nothing
                             AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})["AuthenticationResult"]
