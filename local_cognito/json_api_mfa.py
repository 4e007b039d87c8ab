"""JSON API TOTP MFA: `AssociateSoftwareToken`, `VerifySoftwareToken`, `SetUserMFAPreference`,
`AdminSetUserMFAPreference` (reference §7.2; the secrets and codes are `mfa`'s).

Associate and Verify take either the user's access token (turning MFA on from a profile page) or the `Session`
of an `MFA_SETUP` challenge (a pool with MFA ON, at sign-in); with a Session each answers a new Session, and
the challenge's answer (`RespondToAuthChallenge MFA_SETUP`) then enables and prefers the verified token.
"""

from __future__ import annotations

from typing import Any

from local_cognito import mfa
from local_cognito.account_store import ChallengeSession
from local_cognito.api_errors import (
    EnableSoftwareTokenMfa,
    InvalidParameter,
    NotAuthorized,
    SoftwareTokenMfaNotFound,
    validation_error,
)
from local_cognito.json_api import operations, required
from local_cognito.json_api_account import access_token_user
from local_cognito.json_api_admin import admin_user
from local_cognito.json_api_challenges import INVALID_SESSION, open_session
from local_cognito.store import User

MAX_DEVICE_NAME = 131072


def check_pool_offers_totp(pool) -> None:
    if not pool.config.totp_mfa:
        raise SoftwareTokenMfaNotFound("Software Token MFA has not been enabled by the userPool.")


def caller(pool, body: dict[str, Any]) -> tuple[User, ChallengeSession | None]:
    """The user an Associate/Verify call is about: by access token, or by the Session of an MFA_SETUP challenge."""
    token, session = body.get("AccessToken"), body.get("Session")
    if (token is None) == (session is None):
        raise InvalidParameter("Exactly one of AccessToken and Session must be given.")
    if token is not None:
        return access_token_user(pool, body), None
    challenge, user = open_session(pool, session, mfa.MFA_SETUP)
    return user, challenge


def next_session(pool, body: dict[str, Any], challenge: ChallengeSession, **data: Any) -> str:
    """Replace the Session the call came with by a new one (each Session is used once)."""
    if not pool.accounts.end_challenge_session(body["Session"]):
        raise NotAuthorized(INVALID_SESSION)
    client = pool.store.client(challenge.client_id)
    lifetime = client.settings.auth_session_validity * 60 if client else 180
    return pool.accounts.new_challenge_session(
        ChallengeSession(challenge.sub, challenge.client_id, challenge.challenge, {**challenge.data, **data}),
        lifetime)


@operations.register("AssociateSoftwareToken", signed=False)
def associate_software_token(pool, body: dict[str, Any]) -> dict[str, Any]:
    """A new base32 `SecretCode` for an authenticator app; it is used once verified."""
    check_pool_offers_totp(pool)
    user, challenge = caller(pool, body)
    response = {"SecretCode": pool.software_tokens.associate(user.sub)}
    if challenge is not None:
        response["Session"] = next_session(pool, body, challenge)
    return response


@operations.register("VerifySoftwareToken", signed=False)
def verify_software_token(pool, body: dict[str, Any]) -> dict[str, Any]:
    """A first code from the app verifies the associated secret; a wrong one: `EnableSoftwareTokenMFAException`."""
    check_pool_offers_totp(pool)
    code = required(body, "UserCode")
    name = body.get("FriendlyDeviceName")
    if name is not None and (not isinstance(name, str) or len(name) > MAX_DEVICE_NAME):
        raise InvalidParameter("FriendlyDeviceName must be a string.")
    user, challenge = caller(pool, body)
    if not isinstance(code, str) or len(code) != 6 or not code.isdigit():
        raise validation_error("userCode", code, "Member must satisfy regular expression pattern: [0-9]+")
    verified = pool.software_tokens.verify_pending(user.sub, code, name or None)
    if verified is None:
        raise SoftwareTokenMfaNotFound("Software token has not been associated with the user.")
    if not verified:
        if challenge is not None and not pool.accounts.count_session_failure(body["Session"], mfa.MAX_CODE_FAILURES):
            raise NotAuthorized(INVALID_SESSION)
        raise EnableSoftwareTokenMfa("Code mismatch")
    response: dict[str, Any] = {"Status": "SUCCESS"}
    if challenge is not None:
        response["Session"] = next_session(pool, body, challenge, verified=True)
    return response


def set_preference(pool, user: User, body: dict[str, Any]) -> None:
    """Software-token settings are applied; SMS and email factors can only be switched off (not emulated)."""
    for other in ("SMSMfaSettings", "EmailMfaSettings", "WebAuthnMfaSettings"):
        settings = body.get(other)
        if isinstance(settings, dict) and (settings.get("Enabled") is True or settings.get("PreferredMfa") is True):
            raise InvalidParameter(f"{other.removesuffix('Settings')} is not emulated by the local Cognito.")
    settings = body.get("SoftwareTokenMfaSettings")
    if settings is None:
        return
    enabled, preferred = (settings.get("Enabled"), settings.get("PreferredMfa")) if isinstance(settings, dict) \
        else ("", "")
    if not all(value is None or isinstance(value, bool) for value in (enabled, preferred)):
        raise InvalidParameter("SoftwareTokenMfaSettings takes the booleans Enabled and PreferredMfa.")
    if enabled or preferred:
        check_pool_offers_totp(pool)
        if not pool.software_tokens.token(user.sub).verified:
            raise InvalidParameter("User has not verified software token mfa")
    pool.software_tokens.set_preference(user.sub, enabled, preferred)


@operations.register("SetUserMFAPreference", signed=False)
def set_user_mfa_preference(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Enables (or disables) and prefers the verified software token; enabling an unverified one is refused."""
    set_preference(pool, access_token_user(pool, body), body)
    return {}


@operations.register("AdminSetUserMFAPreference", signed=True)
def admin_set_user_mfa_preference(pool, body: dict[str, Any]) -> dict[str, Any]:
    """`SetUserMFAPreference` for an administrator, naming the user by pool and username."""
    set_preference(pool, admin_user(pool, body), body)
    return {}
