"""JSON API sign-in: `InitiateAuth`, `AdminInitiateAuth`, `RespondToAuthChallenge`, `AdminRespondToAuthChallenge`
and `RevokeToken` (reference §4, §7).

Flows: `USER_PASSWORD_AUTH`, `USER_SRP_AUTH` (`json_api_srp`), `REFRESH_TOKEN_AUTH`, and for administrators
`ADMIN_USER_PASSWORD_AUTH` (alias `ADMIN_NO_SRP_AUTH`); each needs its `ALLOW_...` flag on the client. What follows
a proven password (tokens or a challenge) is `json_api_challenges`. Tokens issued here carry only the
`aws.cognito.signin.user.admin` scope (reference §3.2), unless the pool's pre-token-generation trigger changes
that, and always an ID token. The admin operations are signed in AWS; the others are not.
"""

from __future__ import annotations

from typing import Any

from local_cognito import accounts, json_api_srp, mfa
from local_cognito.api_errors import (
    InvalidParameter,
    NotAuthorized,
    UnsupportedOperation,
    UnsupportedTokenType,
    validation_error,
)
from local_cognito.clients import AppClient
from local_cognito.json_api import check_pool, find_client, operations, parameter, parameter_map, required
from local_cognito.json_api_challenges import NEW_PASSWORD_REQUIRED, after_password, answer, issue_tokens
from local_cognito.token_issuer import REFRESH_TOKENS, UserGrant

AUTH_FLOWS = ("USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN", "CUSTOM_AUTH", "ADMIN_NO_SRP_AUTH",
              "USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "USER_AUTH")
CHALLENGES = ("SMS_MFA", "EMAIL_OTP", "SOFTWARE_TOKEN_MFA", "SELECT_MFA_TYPE", "MFA_SETUP", "PASSWORD_VERIFIER",
              "CUSTOM_CHALLENGE", "SELECT_CHALLENGE", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER",
              "ADMIN_NO_SRP_AUTH", NEW_PASSWORD_REQUIRED, "SMS_OTP", "PASSWORD", "WEB_AUTHN", "PASSWORD_SRP")
SESSION_CHALLENGES = (NEW_PASSWORD_REQUIRED, mfa.SOFTWARE_TOKEN_MFA, mfa.MFA_SETUP)


def check_flow(flow: Any) -> str:
    if flow not in AUTH_FLOWS:
        raise validation_error("authFlow", flow, f"Member must satisfy enum value set: [{', '.join(AUTH_FLOWS)}]")
    return flow


# -- InitiateAuth ----------------------------------------------------------------------------------------------
@operations.register("InitiateAuth", signed=False)
def initiate_auth(pool, body: dict[str, Any]) -> dict[str, Any]:
    """`USER_PASSWORD_AUTH`, `USER_SRP_AUTH`, `REFRESH_TOKEN_AUTH`: tokens, or the challenge that comes first."""
    flow = check_flow(required(body, "AuthFlow"))
    client = find_client(pool, required(body, "ClientId"))
    parameters = parameter_map(body, "AuthParameters")
    if flow == "USER_PASSWORD_AUTH":
        if not client.check_explicit_auth_flow("ALLOW_USER_PASSWORD_AUTH"):
            raise InvalidParameter("USER_PASSWORD_AUTH flow not enabled for this client")
        return password_auth(pool, client, parameters)
    if flow == "USER_SRP_AUTH":
        return json_api_srp.start(pool, client, parameters)
    if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        return refresh_token_auth(pool, client, parameters)
    raise InvalidParameter(f"{flow} flow not enabled for this client")  # custom, admin, choice-based: not here


@operations.register("AdminInitiateAuth", signed=True)
def admin_initiate_auth(pool, body: dict[str, Any]) -> dict[str, Any]:
    """`ADMIN_USER_PASSWORD_AUTH` (needs `ALLOW_ADMIN_USER_PASSWORD_AUTH`) and `REFRESH_TOKEN_AUTH`."""
    check_pool(pool, body)
    flow = check_flow(required(body, "AuthFlow"))
    client = find_client(pool, required(body, "ClientId"))
    parameters = parameter_map(body, "AuthParameters")
    if flow in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
        if not client.check_explicit_auth_flow("ALLOW_ADMIN_USER_PASSWORD_AUTH"):
            raise InvalidParameter("Auth flow not enabled for this client")
        return password_auth(pool, client, parameters)
    if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        return refresh_token_auth(pool, client, parameters)
    raise InvalidParameter(f"Initiate Auth method not supported: {flow}")  # client-side flows such as SRP


def password_auth(pool, client: AppClient, parameters: dict[str, Any]) -> dict[str, Any]:
    username = parameter(parameters, "USERNAME")
    password = parameter(parameters, "PASSWORD")
    accounts.check_secret_hash(client, parameters.get("SECRET_HASH"), [username])
    return after_password(pool, client, accounts.password_sign_in(pool, client, username, password))


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
    """`PASSWORD_VERIFIER` (SRP), `NEW_PASSWORD_REQUIRED`, `SOFTWARE_TOKEN_MFA`, `MFA_SETUP`."""
    return respond(pool, body)


@operations.register("AdminRespondToAuthChallenge", signed=True)
def admin_respond_to_auth_challenge(pool, body: dict[str, Any]) -> dict[str, Any]:
    """`RespondToAuthChallenge`'s challenges, after `AdminInitiateAuth`."""
    check_pool(pool, body)
    return respond(pool, body)


def respond(pool, body: dict[str, Any]) -> dict[str, Any]:
    client = find_client(pool, required(body, "ClientId"))
    name = required(body, "ChallengeName")
    if name not in CHALLENGES:
        raise validation_error("challengeName", name, f"Member must satisfy enum value set: [{', '.join(CHALLENGES)}]")
    responses = parameter_map(body, "ChallengeResponses")
    if name == json_api_srp.PASSWORD_VERIFIER:
        return after_password(pool, client, json_api_srp.verify(pool, client, responses))
    if name not in SESSION_CHALLENGES:
        raise NotAuthorized("Invalid session for the user, session is expired.")  # never asked by this pool
    return answer(pool, client, name, body.get("Session"), responses)


# -- RevokeToken -----------------------------------------------------------------------------------------------
@operations.register("RevokeToken", signed=False)
def revoke_token(pool, body: dict[str, Any]) -> dict[str, Any]:
    """The refresh token and every token issued from it stop working; an unknown token is not an error.

    As at `/oauth2/revoke` (RFC 7009), another client's token is answered with success and changes nothing.
    [Uncertain] the wording of the errors for a wrong secret and for a client without revocation.
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
