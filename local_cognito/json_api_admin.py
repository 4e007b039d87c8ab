"""JSON API user administration: `AdminCreateUser`, `AdminSetUserPassword`, `AdminConfirmSignUp`,
`AdminDeleteUser`, `AdminGetUser`, `AdminUpdateUserAttributes`, `AdminDeleteUserAttributes`, `AdminDisableUser`,
`AdminEnableUser`, `AdminResetUserPassword`, `AdminUserGlobalSignOut`, `ListUsers`.

In AWS these need SigV4-signed requests from IAM principals. The dispatcher checks only that the request is
signed; it does not verify signatures (any credentials do: this is a local development pool). Unlike the
client-facing operations, admin operations say plainly when a user does not exist (`UserNotFoundException`).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import string
from typing import Any

from local_cognito import accounts, outbox
from local_cognito.account_store import CodePurpose
from local_cognito.api_errors import (
    InvalidParameter,
    NotAuthorized,
    UnsupportedUserState,
    UserNotFound,
    validation_error,
)
from local_cognito.json_api import check_pool, operations, required
from local_cognito.mfa import SOFTWARE_TOKEN_MFA
from local_cognito.store import CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED, UNCONFIRMED, User
from local_cognito.template import PasswordPolicy

MESSAGE_ACTIONS = ("RESEND", "SUPPRESS")
LIST_USERS_LIMIT = 60
# ListUsers' Filter: `attribute = "value"` (exact) or `attribute ^= "value"` (prefix), nothing else.
FILTER = re.compile(r'\s*(?P<name>[\w:]+)\s*(?P<operator>\^?=)\s*"(?P<value>(?:[^"\\]|\\.)*)"\s*')
SEARCHABLE = frozenset({"username", "email", "phone_number", "name", "given_name", "family_name",
                        "preferred_username", "cognito:user_status", "status", "sub"})


def admin_user(pool, body: dict[str, Any]) -> User:
    """The pool's user named by `Username` (the username or the email alias)."""
    check_pool(pool, body)
    username = required(body, "Username")
    user = pool.store.find_user(username) if isinstance(username, str) else None
    if user is None:
        raise UserNotFound("User does not exist.")
    return user


def mfa_settings(pool, user: User) -> dict[str, Any]:
    """GetUser's and AdminGetUser's MFA members: present only when the user has TOTP enabled."""
    token = pool.software_tokens.token(user.sub)
    if not (token.verified and token.enabled):
        return {}
    return {"UserMFASettingList": [SOFTWARE_TOKEN_MFA],
            **({"PreferredMfaSetting": SOFTWARE_TOKEN_MFA} if token.preferred else {})}


def new_temporary_password(policy: PasswordPolicy) -> str:
    """Random, with one character of each kind the policy may ask for."""
    kinds = [string.ascii_lowercase, string.ascii_uppercase, string.digits, "!#%+-=_~"]
    characters = [secrets.choice(kind) for kind in kinds]
    alphabet = "".join(kinds)
    characters += [secrets.choice(alphabet) for _ in range(max(policy.minimum_length, 12) - len(characters))]
    secrets.SystemRandom().shuffle(characters)
    return "".join(characters)


@operations.register("AdminCreateUser", signed=True)
def admin_create_user(pool, body: dict[str, Any]) -> dict[str, Any]:
    """A user with a temporary password (`FORCE_CHANGE_PASSWORD`), invited through the outbox unless `SUPPRESS`."""
    check_pool(pool, body)
    username = accounts.check_username(pool, required(body, "Username"))
    attributes = accounts.attributes_from_api(body.get("UserAttributes"))
    action = body.get("MessageAction")
    if action is not None and action not in MESSAGE_ACTIONS:
        raise validation_error("messageAction", action, "Member must satisfy enum value set: [RESEND, SUPPRESS]")
    temporary = body.get("TemporaryPassword")
    if temporary:
        accounts.check_password_policy(pool, temporary)
    else:
        temporary = new_temporary_password(pool.config.password_policy)
    if action == "RESEND":
        user = admin_user(pool, body)
        if user.status != FORCE_CHANGE_PASSWORD:
            raise UnsupportedUserState(f"Resend not possible. {user.username} status is not FORCE_CHANGE_PASSWORD")
        pool.store.set_password(user.sub, temporary, FORCE_CHANGE_PASSWORD)
    else:
        user = accounts.create_user(pool, email=username, password=temporary, status=FORCE_CHANGE_PASSWORD,
                                    attributes=attributes, exists_message="User account already exists")
    if action != "SUPPRESS":
        outbox.send(pool, user.email or username, outbox.INVITATION_SUBJECT,
                    outbox.INVITATION_BODY.format(username=username, password=temporary), log_body=False)
    return {"User": accounts.user_record(pool.store.user(user.sub) or user)}


@operations.register("AdminSetUserPassword", signed=True)
def admin_set_user_password(pool, body: dict[str, Any]) -> dict[str, Any]:
    """`Permanent` confirms the user; a temporary password makes them choose a new one at sign-in."""
    user = admin_user(pool, body)
    password = accounts.check_password_policy(pool, required(body, "Password"))
    pool.store.set_password(user.sub, password, CONFIRMED if body.get("Permanent") is True else FORCE_CHANGE_PASSWORD)
    return {}


@operations.register("AdminConfirmSignUp", signed=True)
def admin_confirm_sign_up(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Confirms without a code; unlike `ConfirmSignUp` it does not mark the email as verified."""
    user = admin_user(pool, body)
    if user.status != UNCONFIRMED:
        raise NotAuthorized(f"User cannot be confirmed. Current status is {user.status}")
    pool.store.set_status(user.sub, CONFIRMED)
    return {}


@operations.register("AdminDeleteUser", signed=True)
def admin_delete_user(pool, body: dict[str, Any]) -> dict[str, Any]:
    """The user's tokens stop working at Cognito's endpoints too."""
    pool.store.delete_user(admin_user(pool, body).sub)
    return {}


@operations.register("AdminGetUser", signed=True)
def admin_get_user(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Attributes, status, and TOTP MFA settings (`UserMFASettingList`, `PreferredMfaSetting`)."""
    user = admin_user(pool, body)
    return {**accounts.user_record(user, attributes_key="UserAttributes"), **mfa_settings(pool, user)}


@operations.register("AdminUpdateUserAttributes", signed=True)
def admin_update_user_attributes(pool, body: dict[str, Any]) -> dict[str, Any]:
    """A new email is unverified (a code is sent) unless the same call sets `email_verified` to `true`."""
    user = admin_user(pool, body)
    changes = accounts.attributes_from_api(required(body, "UserAttributes"))
    accounts.update_attributes(pool, user, changes, by_admin=True)
    return {}


@operations.register("AdminDeleteUserAttributes", signed=True)
def admin_delete_user_attributes(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Not the sign-in email (a required attribute), nor `sub`."""
    user = admin_user(pool, body)
    accounts.delete_attributes(pool, user, required(body, "UserAttributeNames"))
    return {}


@operations.register("AdminDisableUser", signed=True)
def admin_disable_user(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Sign-in answers "User is disabled."; refresh tokens, Hosted UI sessions and access tokens stop working."""
    pool.store.set_enabled(admin_user(pool, body).sub, False)
    return {}


@operations.register("AdminEnableUser", signed=True)
def admin_enable_user(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Undoes `AdminDisableUser`."""
    pool.store.set_enabled(admin_user(pool, body).sub, True)
    return {}


@operations.register("AdminResetUserPassword", signed=True)
def admin_reset_user_password(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Status `RESET_REQUIRED` and a code in the outbox; sign-in answers `PasswordResetRequiredException` until
    `ConfirmForgotPassword`."""
    user = admin_user(pool, body)
    if not user.email_verified:
        raise InvalidParameter("Cannot reset password for the user as there is no registered/verified email or "
                               "phone_number")
    if user.status == UNCONFIRMED:
        raise NotAuthorized("User password cannot be reset in the current state.")
    pool.store.set_status(user.sub, RESET_REQUIRED)
    accounts.send_code(pool, user, CodePurpose.FORGOT_PASSWORD)
    return {}


@operations.register("AdminUserGlobalSignOut", signed=True)
def admin_user_global_sign_out(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Like `GlobalSignOut`, by an administrator: every refresh token of the user stops working."""
    pool.store.revoke_user_tokens(admin_user(pool, body).sub)
    return {}


# -- ListUsers -------------------------------------------------------------------------------------------------
@operations.register("ListUsers", signed=True)
def list_users(pool, body: dict[str, Any]) -> dict[str, Any]:
    """In creation order, `Limit` (at most 60) at a time; `Filter` with `=` or `^=` on the searchable attributes."""
    check_pool(pool, body)
    limit = body.get("Limit") or LIST_USERS_LIMIT
    if not isinstance(limit, int) or not 0 < limit <= LIST_USERS_LIMIT:
        raise validation_error("limit", limit, f"Member must have value less than or equal to {LIST_USERS_LIMIT}")
    names = body.get("AttributesToGet")
    if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
        raise InvalidParameter("AttributesToGet must be a list of attribute names.")
    wanted = user_filter(pool, body.get("Filter"))
    users = sorted((user for user in pool.store.users() if wanted(user)), key=lambda u: (u.created, u.sub))
    after = decode_pagination_token(body.get("PaginationToken"))
    if after is not None:
        users = [user for user in users if (user.created, user.sub) > after]
    page = users[:limit]
    response: dict[str, Any] = {"Users": [accounts.user_record(user, names) for user in page]}
    if len(users) > limit:
        response["PaginationToken"] = encode_pagination_token(page[-1])
    return response


def user_filter(pool, expression: Any):
    """A predicate for ListUsers' `Filter`; none or an empty one lists everyone."""
    if expression in (None, ""):
        return lambda user: True
    match = FILTER.fullmatch(expression) if isinstance(expression, str) else None
    if match is None:
        raise InvalidParameter("Error while parsing filter.")
    name, operator = match["name"], match["operator"]
    if name not in SEARCHABLE:
        raise InvalidParameter(f"Invalid search attribute: {name}")
    wanted = re.sub(r"\\(.)", r"\1", match["value"])
    # [Uncertain] in a pool whose sign-in is case-insensitive, so are searches on username and email.
    fold = name in ("username", "email") and not pool.config.case_sensitive
    wanted = wanted.lower() if fold else wanted

    def matches(user: User) -> bool:
        value = searchable_value(user, name)
        if value is None:
            return False
        value = value.lower() if fold else value
        return value == wanted if operator == "=" else value.startswith(wanted)

    return matches


def searchable_value(user: User, name: str) -> str | None:
    if name == "username":
        return user.username
    if name == "cognito:user_status":
        return user.status
    if name == "status":
        return "Enabled" if user.enabled else "Disabled"
    return user.attributes.get(name)


def encode_pagination_token(user: User) -> str:
    return base64.urlsafe_b64encode(json.dumps([user.created, user.sub]).encode()).decode()


def decode_pagination_token(token: Any) -> tuple[float, str] | None:
    if token in (None, ""):
        return None
    try:
        created, sub = json.loads(base64.urlsafe_b64decode(str(token).encode()))
        return float(created), str(sub)
    except (ValueError, TypeError, UnicodeError):
        raise InvalidParameter("Invalid pagination token") from None
