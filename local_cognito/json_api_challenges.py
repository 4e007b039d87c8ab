"""What the JSON API answers once a password is proven: tokens, or the next challenge and its `Session`.

The challenges after the password are `NEW_PASSWORD_REQUIRED` (a temporary password), then, in a pool with TOTP
MFA, `SOFTWARE_TOKEN_MFA` (the authenticator's code) or, when MFA is ON and the user has no authenticator yet,
`MFA_SETUP` (`AssociateSoftwareToken` and `VerifySoftwareToken` with the `Session`, then this challenge's answer).
Each `Session` answers once and lives the client's `AuthSessionValidity` (3 minutes by default); a wrong code may
be corrected a few times within it.
"""

from __future__ import annotations

import json
from typing import Any

from local_cognito import accounts, mfa
from local_cognito.account_store import ChallengeSession
from local_cognito.api_errors import CodeMismatch, NotAuthorized
from local_cognito.clients import AppClient
from local_cognito.json_api import parameter
from local_cognito.pre_token_generation import TriggerError
from local_cognito.store import CONFIRMED, FORCE_CHANGE_PASSWORD, User
from local_cognito.token_issuer import AUTHENTICATION, NEW_PASSWORD_CHALLENGE, UserGrant

ADMIN_SCOPE = "aws.cognito.signin.user.admin"
NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"
INVALID_SESSION = "Invalid session for the user, session is expired."


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


def signed_in(pool, client: AppClient, user: User, event: str = AUTHENTICATION) -> dict[str, Any]:
    """A new sign-in: a new token family (origin_jti) with its refresh token."""
    origin_jti = pool.store.create_origin(client.client_id, user.sub)
    grant = UserGrant(client, user, ADMIN_SCOPE, int(pool.clock()), origin_jti, event=event)
    return issue_tokens(pool, grant, include_refresh_token=True)


# -- the steps after the password ------------------------------------------------------------------------------
def after_password(pool, client: AppClient, user: User, event: str = AUTHENTICATION) -> dict[str, Any]:
    """Tokens for `user`, whose password was just proven, or the challenge that must come first."""
    if user.status == FORCE_CHANGE_PASSWORD:
        attributes = {name: value for name, value in user.attributes.items() if name != "sub"}
        return challenge(pool, client, user, NEW_PASSWORD_REQUIRED, {
            "USER_ID_FOR_SRP": user.username, "requiredAttributes": "[]", "userAttributes": json.dumps(attributes)})
    step = mfa.required_step(pool, user.sub)
    if step == mfa.SOFTWARE_TOKEN_MFA:
        name = pool.software_tokens.token(user.sub).friendly_name
        return challenge(pool, client, user, step, {"USER_ID_FOR_SRP": user.username,
                                                    **({"FRIENDLY_DEVICE_NAME": name} if name else {})})
    if step == mfa.MFA_SETUP:
        return challenge(pool, client, user, step, {"MFAS_CAN_SETUP": json.dumps([mfa.SOFTWARE_TOKEN_MFA])})
    return signed_in(pool, client, user, event)


def challenge(pool, client: AppClient, user: User, name: str, parameters: dict[str, str],
              data: dict[str, Any] | None = None) -> dict[str, Any]:
    session = pool.accounts.new_challenge_session(ChallengeSession(user.sub, client.client_id, name, data or {}),
                                                  client.settings.auth_session_validity * 60)
    return {"ChallengeName": name, "Session": session, "ChallengeParameters": parameters}


def open_session(pool, token: Any, challenge_name: str, client_id: str | None = None) -> tuple[ChallengeSession, User]:
    """The live session `token` for `challenge_name` (and `client_id`, when the caller names one), and its user."""
    session = pool.accounts.challenge_session(token) if isinstance(token, str) and token else None
    if session is None or session.challenge != challenge_name or (client_id and session.client_id != client_id):
        raise NotAuthorized(INVALID_SESSION)
    user = pool.store.user(session.sub) if session.sub else None
    if user is None:
        raise NotAuthorized(INVALID_SESSION)
    return session, user


def answer(pool, client: AppClient, name: str, token: Any, responses: dict[str, Any]) -> dict[str, Any]:
    """RespondToAuthChallenge for the challenges that carry a `Session`."""
    session, user = open_session(pool, token, name, client.client_id)
    username = parameter(responses, "USERNAME")
    named = pool.store.find_user(username)
    if named is None or named.sub != user.sub:
        raise NotAuthorized("Invalid session for the user.")
    accounts.check_secret_hash(client, responses.get("SECRET_HASH"), [username])
    if name == NEW_PASSWORD_REQUIRED:
        return new_password(pool, client, user, token, responses)
    if name == mfa.SOFTWARE_TOKEN_MFA:
        if not pool.software_tokens.check_code(user.sub, responses.get("SOFTWARE_TOKEN_MFA_CODE", "")):
            if not pool.accounts.count_session_failure(token, mfa.MAX_CODE_FAILURES):
                raise NotAuthorized(INVALID_SESSION)
            raise CodeMismatch("Invalid code received for user")
    elif not session.data.get("verified"):  # MFA_SETUP, before VerifySoftwareToken succeeded
        raise NotAuthorized("Software token has not been verified for the user.")
    if not pool.accounts.end_challenge_session(token):  # a session answers once, even under concurrent calls
        raise NotAuthorized(INVALID_SESSION)
    if name == mfa.MFA_SETUP:
        pool.software_tokens.set_preference(user.sub, enabled=True, preferred=True)
    return signed_in(pool, client, pool.store.user(user.sub) or user)


def new_password(pool, client: AppClient, user: User, token: str, responses: dict[str, Any]) -> dict[str, Any]:
    password = accounts.check_password_policy(pool, parameter(responses, "NEW_PASSWORD"))
    changes = accounts.attributes_from_api([
        {"Name": name.removeprefix("userAttributes."), "Value": value} for name, value in responses.items()
        if name.startswith("userAttributes.")])
    if not pool.accounts.end_challenge_session(token):
        raise NotAuthorized(INVALID_SESSION)
    pool.store.set_password(user.sub, password, CONFIRMED)
    if changes:
        accounts.update_attributes(pool, pool.store.user(user.sub) or user, changes, by_admin=False)
    return after_password(pool, client, pool.store.user(user.sub) or user, NEW_PASSWORD_CHALLENGE)
