"""JSON API: the signed-in user's own account, with their access token (`GetUser`, `UpdateUserAttributes`,
`GetUserAttributeVerificationCode`, `VerifyUserAttribute`, `ChangePassword`, `DeleteUser`, `GlobalSignOut`).

Cognito accepts only live access tokens that carry `aws.cognito.signin.user.admin` (Hosted UI tokens need that
scope requested; InitiateAuth tokens always have it), and refuses revoked ones even though their signatures
still verify. These operations are unsigned in AWS: the token is the credential.
"""

from __future__ import annotations

from typing import Any

from local_cognito import accounts
from local_cognito.api_errors import NotAuthorized
from local_cognito.json_api import operations, required
from local_cognito.json_api_admin import mfa_settings
from local_cognito.json_api_challenges import ADMIN_SCOPE
from local_cognito.store import User
from local_cognito.token_issuer import InvalidAccessToken

# The JSON API's words for what `TokenIssuer.verify_access_token` refuses.
ACCESS_TOKEN_MESSAGES = {"Access token has expired": "Access Token has expired",
                         "Access token has been revoked": "Access Token has been revoked"}


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
    if not user.enabled:
        raise NotAuthorized("User is disabled.")
    return user


@operations.register("GetUser", signed=False)
def get_user(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Username, attributes, and TOTP MFA settings (`UserMFASettingList`, `PreferredMfaSetting`)."""
    user = access_token_user(pool, body)
    return {"Username": user.username, "UserAttributes": accounts.attributes_to_api(user), **mfa_settings(pool, user)}


@operations.register("UpdateUserAttributes", signed=False)
def update_user_attributes(pool, body: dict[str, Any]) -> dict[str, Any]:
    """A new email is saved unverified (`email_verified` false) and a code is sent to it."""
    user = access_token_user(pool, body)
    changes = accounts.attributes_from_api(required(body, "UserAttributes"))
    deliveries = accounts.update_attributes(pool, user, changes, by_admin=False)
    return {"CodeDeliveryDetailsList": [delivery.to_api() for delivery in deliveries]}


@operations.register("GetUserAttributeVerificationCode", signed=False)
def get_user_attribute_verification_code(pool, body: dict[str, Any]) -> dict[str, Any]:
    """A new code for `email`, to the outbox (the latest code is the one that works)."""
    user = access_token_user(pool, body)
    delivery = accounts.email_verification_code(pool, user, required(body, "AttributeName"))
    return {"CodeDeliveryDetails": delivery.to_api()}


@operations.register("VerifyUserAttribute", signed=False)
def verify_user_attribute(pool, body: dict[str, Any]) -> dict[str, Any]:
    """The emailed code marks the email verified; a wrong one is `CodeMismatchException`."""
    user = access_token_user(pool, body)
    accounts.verify_email(pool, user, required(body, "AttributeName"), required(body, "Code"))
    return {}


@operations.register("ChangePassword", signed=False)
def change_password(pool, body: dict[str, Any]) -> dict[str, Any]:
    """The pool's password policy; a wrong previous password counts toward the lockout."""
    user = access_token_user(pool, body)
    accounts.change_password(pool, user, body.get("PreviousPassword"), required(body, "ProposedPassword"))
    return {}


@operations.register("DeleteUser", signed=False)
def delete_user(pool, body: dict[str, Any]) -> dict[str, Any]:
    """The account and its tokens are gone at once."""
    pool.store.delete_user(access_token_user(pool, body).sub)
    return {}


@operations.register("GlobalSignOut", signed=False)
def global_sign_out(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Every refresh token of the user stops working; the Hosted UI session cookie does not end (as in AWS).

    JWTs already issued still verify for a resource server until they expire; Cognito's own endpoints refuse
    them.
    """
    pool.store.revoke_user_tokens(access_token_user(pool, body).sub)
    return {}
