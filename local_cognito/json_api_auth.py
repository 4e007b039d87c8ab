"""JSON API sign-in and sign-out: `InitiateAuth`, `RespondToAuthChallenge`, `GlobalSignOut`, `RevokeToken`
(reference §4).

Tokens issued here carry only the `aws.cognito.signin.user.admin` scope (reference §3.2), unless the pool's
pre-token-generation trigger changes that, and always an ID token. These operations are unsigned in AWS.
"""

from __future__ import annotations

import json
from typing import Any

from local_cognito import accounts
from local_cognito.api_errors import (
    InvalidParameter,
    NotAuthorized,
    UnsupportedOperation,
    UnsupportedTokenType,
    validation_error,
)
from local_cognito.clients import AppClient
from local_cognito.json_api import find_client, operations, required
from local_cognito.pre_token_generation import TriggerError
from local_cognito.store import CONFIRMED, FORCE_CHANGE_PASSWORD, User
from local_cognito.token_issuer import (
    AUTHENTICATION,
    NEW_PASSWORD_CHALLENGE,
    REFRESH_TOKENS,
    InvalidAccessToken,
    UserGrant,
)

ADMIN_SCOPE = "aws.cognito.signin.user.admin"
NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
AUTH_FLOWS = ("USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN", "CUSTOM_AUTH", "ADMIN_NO_SRP_AUTH",
              "USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "USER_AUTH")
CHALLENGES = ("SMS_MFA", "EMAIL_OTP", "SOFTWARE_TOKEN_MFA", "SELECT_MFA_TYPE", "MFA_SETUP", "PASSWORD_VERIFIER",
              "CUSTOM_CHALLENGE", "SELECT_CHALLENGE", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER",
              "ADMIN_NO_SRP_AUTH", NEW_PASSWORD_REQUIRED, "SMS_OTP", "PASSWORD", "WEB_AUTHN", "PASSWORD_SRP")
INVALID_SESSION = "Invalid session for the user, session is expired."
# The JSON API's words for what `TokenIssuer.verify_access_token` refuses.
ACCESS_TOKEN_MESSAGES = {"Access token has expired": "Access Token has expired",
                         "Access token has been revoked": "Access Token has been revoked"}


def parameter_map(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name) or {}
    if not isinstance(value, dict):
        raise InvalidParameter(f"{name} must be a map of strings.")
    return value


def parameter(parameters: dict[str, Any], name: str) -> str:
    value = parameters.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidParameter(f"Missing required parameter {name}")
    return value


# -- tokens ----------------------------------------------------------------------------------------------------
def issue_tokens(pool, grant: UserGrant, *, include_refresh_token: bool) -> dict[str, Any]:
    """An AuthenticationResult: ID and access tokens, and a refresh token on sign-in (not on refresh)."""
    try:
        tokens = pool.tokens.user_tokens(grant, include_refresh_token=include_refresh_token, include_id_token=True)
    except TriggerError as error:
        raise error.api_error from None
    result = {"AccessToken": tokens["access_token"], "ExpiresIn": tokens["expires_in"],
              "TokenType": tokens["token_type"]}
    if "refresh_token" in tokens:
        result["RefreshToken"] = tokens["refresh_token"]
    result["IdToken"] = tokens["id_token"]
    return {"ChallengeParameters": {}, "AuthenticationResult": result}


def signed_in(pool, client: AppClient, user: User, event: str) -> dict[str, Any]:
    """A new sign-in: a new token family (origin_jti) with its refresh token."""
    origin_jti = pool.store.create_origin(client.client_id, user.sub)
    grant = UserGrant(client, user, ADMIN_SCOPE, int(pool.clock()), origin_jti, event=event)
    return issue_tokens(pool, grant, include_refresh_token=True)


# -- InitiateAuth ----------------------------------------------------------------------------------------------
@operations.register("InitiateAuth", signed=False)
def initiate_auth(pool, body: dict[str, Any]) -> dict[str, Any]:
    flow = required(body, "AuthFlow")
    client = find_client(pool, required(body, "ClientId"))
    parameters = parameter_map(body, "AuthParameters")
    if flow == "USER_PASSWORD_AUTH":
        return user_password_auth(pool, client, parameters)
    if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        return refresh_token_auth(pool, client, parameters)
    if flow in AUTH_FLOWS:
        raise InvalidParameter(f"{flow} flow not enabled for this client")  # SRP, custom, ...: not emulated
    raise validation_error("authFlow", flow, f"Member must satisfy enum value set: [{', '.join(AUTH_FLOWS)}]")


def user_password_auth(pool, client: AppClient, parameters: dict[str, Any]) -> dict[str, Any]:
    if not client.check_explicit_auth_flow("ALLOW_USER_PASSWORD_AUTH"):
        raise InvalidParameter("USER_PASSWORD_AUTH flow not enabled for this client")
    username = parameter(parameters, "USERNAME")
    password = parameter(parameters, "PASSWORD")
    accounts.check_secret_hash(client, parameters.get("SECRET_HASH"), [username])
    user = accounts.password_sign_in(pool, client, username, password)
    if user.status == FORCE_CHANGE_PASSWORD:
        return new_password_challenge(pool, client, user)
    return signed_in(pool, client, user, AUTHENTICATION)


def new_password_challenge(pool, client: AppClient, user: User) -> dict[str, Any]:
    """A user created by an administrator signs in with the temporary password: they must choose their own."""
    session = pool.accounts.new_challenge_session(user.sub, client.client_id, NEW_PASSWORD_REQUIRED,
                                                  client.settings.auth_session_validity * 60)
    attributes = {name: value for name, value in user.attributes.items() if name != "sub"}
    return {"ChallengeName": NEW_PASSWORD_REQUIRED, "Session": session, "ChallengeParameters": {
        "USER_ID_FOR_SRP": user.username, "requiredAttributes": "[]", "userAttributes": json.dumps(attributes)}}


def refresh_token_auth(pool, client: AppClient, parameters: dict[str, Any]) -> dict[str, Any]:
    """New ID and access tokens from a refresh token of this client; never a new refresh token."""
    if client.settings.refresh_token_rotation:
        # Cognito: rotation is incompatible with REFRESH_TOKEN_AUTH (clients use GetTokensFromRefreshToken).
        raise InvalidParameter("REFRESH_TOKEN_AUTH flow not enabled for this client")
    token = parameter(parameters, "REFRESH_TOKEN")
    found = pool.store.refresh_token(token)
    if found is None or found.client_id != client.client_id:
        raise NotAuthorized("Invalid Refresh Token.")
    owner = pool.store.user(found.sub)
    # With email as the username attribute, the secret hash of a refresh is over the Cognito username (the sub).
    accounts.check_secret_hash(client, parameters.get("SECRET_HASH"), [owner.username] if owner else [])
    now = pool.clock()
    if found.revoked_at is not None:
        raise NotAuthorized("Refresh Token has been revoked")
    if found.expires_at <= now or (found.superseded_at is not None
                                   and now > found.superseded_at + client.settings.retry_grace_period_seconds):
        raise NotAuthorized("Refresh Token has expired")
    user = pool.store.active_user(found.sub)
    if user is None:
        raise NotAuthorized("User is disabled." if owner and not owner.enabled else "Invalid Refresh Token.")
    grant = UserGrant(client, user, found.scope, found.auth_time, found.origin_jti, event=REFRESH_TOKENS)
    return issue_tokens(pool, grant, include_refresh_token=False)


# -- RespondToAuthChallenge ------------------------------------------------------------------------------------
@operations.register("RespondToAuthChallenge", signed=False)
def respond_to_auth_challenge(pool, body: dict[str, Any]) -> dict[str, Any]:
    client = find_client(pool, required(body, "ClientId"))
    challenge = required(body, "ChallengeName")
    if challenge not in CHALLENGES:
        raise validation_error("challengeName", challenge,
                               f"Member must satisfy enum value set: [{', '.join(CHALLENGES)}]")
    responses = parameter_map(body, "ChallengeResponses")
    token = body.get("Session")
    session = pool.accounts.challenge_session(token) if isinstance(token, str) and token else None
    if session is None or session.client_id != client.client_id or session.challenge != challenge:
        raise NotAuthorized(INVALID_SESSION)
    username = parameter(responses, "USERNAME")
    user = pool.store.user(session.sub)
    named = pool.store.find_user(username)
    if user is None or named is None or named.sub != user.sub:
        raise NotAuthorized("Invalid session for the user.")
    accounts.check_secret_hash(client, responses.get("SECRET_HASH"), [username])
    new_password = accounts.check_password_policy(pool, parameter(responses, "NEW_PASSWORD"))
    changes = accounts.attributes_from_api([
        {"Name": name.removeprefix("userAttributes."), "Value": value} for name, value in responses.items()
        if name.startswith("userAttributes.")])
    if not pool.accounts.end_challenge_session(token):  # a session answers once, even under concurrent calls
        raise NotAuthorized(INVALID_SESSION)
    pool.store.set_password(user.sub, new_password, CONFIRMED)
    if changes:
        pool.store.update_attributes(user.sub, changes)
    return signed_in(pool, client, pool.store.user(user.sub) or user, NEW_PASSWORD_CHALLENGE)


# -- GlobalSignOut ---------------------------------------------------------------------------------------------
def access_token_user(pool, body: dict[str, Any]) -> User:
    """The user of a live access token that carries `aws.cognito.signin.user.admin` (as Cognito requires)."""
    token = required(body, "AccessToken")
    try:
        claims = pool.tokens.verify_access_token(token if isinstance(token, str) else "")
    except InvalidAccessToken as error:
        raise NotAuthorized(ACCESS_TOKEN_MESSAGES.get(str(error), "Invalid Access Token")) from None
    if ADMIN_SCOPE not in str(claims.get("scope", "")).split():
        raise NotAuthorized("Access Token does not have required scopes")
    user = pool.store.user(str(claims.get("sub")))
    if user is None:
        raise NotAuthorized("User does not exist.")
    return user


@operations.register("GlobalSignOut", signed=False)
def global_sign_out(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Every refresh token of the user stops working, and Cognito's endpoints refuse the tokens issued from them.

    As in AWS, the Hosted UI session cookie is left alone (only /logout ends it), and the JWTs already issued
    still verify for a resource server until they expire.
    """
    pool.store.revoke_user_tokens(access_token_user(pool, body).sub)
    return {}


# -- RevokeToken -----------------------------------------------------------------------------------------------
@operations.register("RevokeToken", signed=False)
def revoke_token(pool, body: dict[str, Any]) -> dict[str, Any]:
    """`/oauth2/revoke` as an operation: the refresh token and every token issued from it stop working.

    As at the endpoint (RFC 7009), an unknown token or another client's is answered with success and changes
    nothing. [Uncertain] the wording of the errors for a wrong secret and for a client without revocation.
    """
    token = required(body, "Token")
    client = find_client(pool, required(body, "ClientId"))
    secret = body.get("ClientSecret")
    if client.client_secret and not (isinstance(secret, str) and client.check_client_secret(secret)):
        raise NotAuthorized(f"Unable to verify secret for client {client.client_id}")
    if not client.settings.enable_token_revocation:
        raise UnsupportedOperation("Token revocation is not enabled for this app client.")
    if not isinstance(token, str) or token.count(".") == 2:  # a JWS: an ID or access token
        raise UnsupportedTokenType("Only refresh tokens can be revoked.")
    found = pool.store.refresh_token(token)
    if found is not None and found.client_id == client.client_id:
        pool.store.revoke_origin(found.origin_jti)
    return {}
