"""Account flows shared by the JSON API and the Hosted UI's self-service pages: one function per flow.

Sign-up, confirmation, resending a code, forgotten passwords, password sign-in (with its lockout) and attribute
changes behave the same whether a program calls `SignUp` or a person fills in `/signup`; both raise the errors
in `api_errors`, with Cognito's messages. What a client may learn about whether an account exists follows its
`PreventUserExistenceErrors` setting (ENABLED: generic answers and simulated code deliveries; LEGACY:
`UserNotFoundException`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from local_cognito import outbox
from local_cognito.account_store import CodeCheck, CodePurpose
from local_cognito.api_errors import (
    AliasExists,
    CodeMismatch,
    ExpiredCode,
    InvalidParameter,
    InvalidPassword,
    LimitExceeded,
    NotAuthorized,
    PasswordResetRequired,
    UserNotConfirmed,
    UserNotFound,
    UsernameExists,
)
from local_cognito.clients import AppClient
from local_cognito.store import (
    CONFIRMED,
    FORCE_CHANGE_PASSWORD,
    RESET_REQUIRED,
    UNCONFIRMED,
    StoreError,
    User,
)

INCORRECT_LOGIN = "Incorrect username or password."
UNAUTHORIZED_ATTRIBUTE = "A client attempted to write unauthorized attribute"
# Attributes only the pool (verification) or an administrator may write.
ADMIN_ONLY_ATTRIBUTES = frozenset({"email_verified", "phone_number_verified"})
NOT_FOUND_FOR_CLIENT = "Username/client id combination not found."
EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+")
# The standard attributes of a user pool (custom ones would come from the template's Schema; ours has none).
STANDARD_ATTRIBUTES = frozenset({
    "address", "birthdate", "email", "email_verified", "family_name", "gender", "given_name", "locale",
    "middle_name", "name", "nickname", "phone_number", "phone_number_verified", "picture", "preferred_username",
    "profile", "updated_at", "website", "zoneinfo",
})


@dataclass(frozen=True)
class CodeDelivery:
    """Where a code went, masked as Cognito shows it (`d***@e***`); also returned, simulated, for no one."""

    destination: str

    def to_api(self) -> dict[str, str]:
        return {"Destination": self.destination, "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def mask(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


# -- client checks ---------------------------------------------------------------------------------------------
def secret_hash(client_id: str, client_secret: str, username: str) -> str:
    """Base64(HMAC-SHA256(key=client secret, message=username + client id)), what clients with a secret send."""
    mac = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def check_secret_hash(client: AppClient, supplied: Any, usernames: Iterable[str]) -> None:
    """For a client with a secret, `supplied` must be the secret hash of one of `usernames`.

    [Uncertain] a secret hash sent for a client without a secret is ignored.
    """
    if not client.client_secret:
        return
    if not supplied or not isinstance(supplied, str):
        raise NotAuthorized(f"Client {client.client_id} is configured for secret but secret was not received")
    for username in usernames:
        if hmac.compare_digest(secret_hash(client.client_id, client.client_secret, username), supplied):
            return
    raise NotAuthorized(f"Unable to verify secret hash for client {client.client_id}")


def legacy_errors(client: AppClient) -> bool:
    """True when the client may reveal that an account does not exist (PreventUserExistenceErrors LEGACY)."""
    return client.settings.prevent_user_existence_errors == "LEGACY"


# -- users -----------------------------------------------------------------------------------------------------
def check_password_policy(pool, password: Any) -> str:
    if not isinstance(password, str):
        raise InvalidParameter("Password must be a string.")
    violation = pool.config.password_policy.violation(password)
    if violation:
        raise InvalidPassword(violation)
    return password


def check_username(pool, username: Any) -> str:
    if not isinstance(username, str) or not username.strip():
        raise InvalidParameter("Username must not be empty.")
    username = username.strip()
    if "email" in pool.config.username_attributes and not EMAIL_SHAPE.fullmatch(username):
        raise InvalidParameter("Username should be an email.")
    return username


def attributes_from_api(attributes: Any) -> dict[str, str]:
    """`[{"Name": ..., "Value": ...}]` as a dict; names the pool's schema does not have are refused."""
    if attributes is None:
        return {}
    if not isinstance(attributes, list):
        raise InvalidParameter("UserAttributes must be a list of Name/Value pairs.")
    result: dict[str, str] = {}
    for attribute in attributes:
        name = attribute.get("Name") if isinstance(attribute, dict) else None
        value = attribute.get("Value", "") if isinstance(attribute, dict) else None
        if not isinstance(name, str) or not isinstance(value, str):
            raise InvalidParameter("UserAttributes must be a list of Name/Value pairs.")
        if name not in STANDARD_ATTRIBUTES:
            raise InvalidParameter(f"Attributes did not conform to the schema: {name}: Attribute does not exist "
                                   "in the schema.")
        result[name] = value
    return result


def attributes_to_api(user: User, names: Iterable[str] | None = None) -> list[dict[str, str]]:
    wanted = set(names) if names else None
    return [{"Name": name, "Value": value} for name, value in user.attributes.items()
            if wanted is None or name in wanted]


def user_record(user: User, attribute_names: Iterable[str] | None = None,
                attributes_key: str = "Attributes") -> dict[str, Any]:
    """A UserType (ListUsers, AdminCreateUser) or, with `attributes_key="UserAttributes"`, AdminGetUser's body."""
    return {"Username": user.username, attributes_key: attributes_to_api(user, attribute_names),
            "UserCreateDate": user.created, "UserLastModifiedDate": user.modified, "Enabled": user.enabled,
            "UserStatus": user.status}


def create_user(pool, *, email: str, password: str | None, status: str, attributes: Mapping[str, str],
                exists_message: str) -> User:
    """A new user whose email is its sign-in name; `UsernameExists` with `exists_message` if it is taken."""
    try:
        return pool.store.create_user(login=email, password=password, status=status,
                                      attributes={**attributes, "email": email})
    except StoreError:
        raise UsernameExists(exists_message) from None


# -- sign-up and confirmation ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignUpResult:
    user: User
    delivery: CodeDelivery | None

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {"UserConfirmed": self.user.status == CONFIRMED, "UserSub": self.user.sub}
        if self.delivery:
            body["CodeDeliveryDetails"] = self.delivery.to_api()
        return body


def sign_up(pool, client: AppClient, username: Any, password: Any, attributes: Mapping[str, str]) -> SignUpResult:
    """A new, unconfirmed user; with email auto-verification, a confirmation code is "sent" to the outbox."""
    if not pool.config.allow_self_sign_up:
        raise NotAuthorized("SignUp is not permitted for this user pool")
    email = check_username(pool, username)
    check_password_policy(pool, password)
    user = create_user(pool, email=email, password=password, status=UNCONFIRMED,
                       attributes={**attributes, "email_verified": "false"},
                       exists_message="An account with the given email already exists.")
    delivery = send_code(pool, user, CodePurpose.SIGN_UP) if "email" in pool.config.auto_verified_attributes \
        else None
    return SignUpResult(user, delivery)


def send_code(pool, user: User, purpose: CodePurpose) -> CodeDelivery:
    code = pool.accounts.new_code(user.sub, purpose)
    if purpose is CodePurpose.FORGOT_PASSWORD:
        outbox.send(pool, user.email or user.username, outbox.RESET_SUBJECT, outbox.RESET_BODY.format(code=code))
    else:
        outbox.send(pool, user.email or user.username, outbox.VERIFICATION_SUBJECT,
                    outbox.VERIFICATION_BODY.format(code=code))
    return CodeDelivery(mask(user.email or user.username))


def check_code(pool, user: User, purpose: CodePurpose, code: Any) -> None:
    result = pool.accounts.check_code(user.sub, purpose, code if isinstance(code, str) else "")
    if result is CodeCheck.NONE:
        raise ExpiredCode("Invalid code provided, please request a code again.")
    if result is CodeCheck.MISMATCH:
        raise CodeMismatch("Invalid verification code provided, please try again.")
    if result is CodeCheck.TOO_MANY_FAILURES:
        raise LimitExceeded("Attempt limit exceeded, please try after some time.")


def confirm_sign_up(pool, client: AppClient, username: Any, code: Any) -> User:
    user = pool.store.find_user(username) if isinstance(username, str) else None
    if user is None:
        raise UserNotFound(NOT_FOUND_FOR_CLIENT) if legacy_errors(client) \
            else CodeMismatch("Invalid verification code provided, please try again.")
    if user.status != UNCONFIRMED:
        raise NotAuthorized(f"User cannot be confirmed. Current status is {user.status}")
    check_code(pool, user, CodePurpose.SIGN_UP, code)
    pool.store.set_status(user.sub, CONFIRMED)
    pool.store.update_attributes(user.sub, {"email_verified": "true"})
    return pool.store.user(user.sub) or user


def resend_confirmation_code(pool, client: AppClient, username: Any) -> CodeDelivery:
    user = pool.store.find_user(username) if isinstance(username, str) else None
    if user is None or not user.enabled:
        if legacy_errors(client):
            raise UserNotFound(NOT_FOUND_FOR_CLIENT)
        return CodeDelivery(mask(str(username)))  # simulated: tells nothing about the account
    if user.status != UNCONFIRMED:
        raise InvalidParameter("User is already confirmed.")
    return send_code(pool, user, CodePurpose.SIGN_UP)


# -- forgotten passwords ---------------------------------------------------------------------------------------
def forgot_password(pool, client: AppClient, username: Any) -> CodeDelivery:
    user = pool.store.find_user(username) if isinstance(username, str) else None
    if user is not None and user.enabled and user.status == FORCE_CHANGE_PASSWORD:
        raise NotAuthorized("User password cannot be reset in the current state.")
    if user is None or not user.enabled or not user.email_verified:
        if not legacy_errors(client):
            return CodeDelivery(mask(str(username)))  # simulated delivery
        if user is None:
            raise UserNotFound(NOT_FOUND_FOR_CLIENT)
        raise InvalidParameter("Cannot reset password for the user as there is no registered/verified email or "
                               "phone_number")
    return send_code(pool, user, CodePurpose.FORGOT_PASSWORD)


def confirm_forgot_password(pool, client: AppClient, username: Any, code: Any, password: Any) -> User:
    user = pool.store.find_user(username) if isinstance(username, str) else None
    if user is None or not user.enabled:
        raise UserNotFound(NOT_FOUND_FOR_CLIENT) if legacy_errors(client) and user is None \
            else CodeMismatch("Invalid verification code provided, please try again.")
    check_password_policy(pool, password)
    check_code(pool, user, CodePurpose.FORGOT_PASSWORD, code)
    pool.store.set_password(user.sub, password, CONFIRMED)
    return pool.store.user(user.sub) or user


# -- password sign-in ------------------------------------------------------------------------------------------
def password_sign_in(pool, client: AppClient, username: str, password: str) -> User:
    """The user these credentials belong to, CONFIRMED or FORCE_CHANGE_PASSWORD (the caller asks for a new one)."""
    user = pool.store.find_user(username)
    return proven_sign_in(pool, client, user, lambda: pool.store.verify_login(username, password) is not None)


def proven_sign_in(pool, client: AppClient, user: User | None, proof: Callable[[], bool]) -> User:
    """`user`, once `proof()` shows the caller knows their password (a plain password, or SRP's claim).

    The lockout is checked first and counts the outcome. `proof` runs for unknown users too (it spends the same
    time), and only then is the account's state looked at, so the state is told only to who knows the password.
    """
    if user is not None:
        pool.lockout.check(user.sub)
    if not proof() or user is None:
        if user is not None:
            pool.lockout.failed(user.sub)
        elif legacy_errors(client):
            raise UserNotFound("User does not exist.")
        raise NotAuthorized(INCORRECT_LOGIN)
    pool.lockout.succeeded(user.sub)
    if not user.enabled:
        raise NotAuthorized("User is disabled.")
    if user.status == UNCONFIRMED:
        raise UserNotConfirmed("User is not confirmed.")
    if user.status == RESET_REQUIRED:
        raise PasswordResetRequired("Password reset required for the user")
    if user.status == FORCE_CHANGE_PASSWORD and temporary_password_expired(pool, user):
        raise NotAuthorized("Temporary password has expired and must be reset by an administrator.")
    return user


def change_password(pool, user: User, previous: Any, proposed: Any) -> None:
    """ChangePassword: the current password, checked (and locked out) like a sign-in, then the new one."""
    proposed = check_password_policy(pool, proposed)
    pool.lockout.check(user.sub)
    if not isinstance(previous, str) or pool.store.verify_login(user.username, previous) is None:
        pool.lockout.failed(user.sub)
        raise NotAuthorized(INCORRECT_LOGIN)
    pool.lockout.succeeded(user.sub)
    pool.store.set_password(user.sub, proposed, user.status)


def temporary_password_expired(pool, user: User) -> bool:
    """A temporary password lives TemporaryPasswordValidityDays from when it was set (the user's last change)."""
    validity = pool.config.password_policy.temporary_password_validity_days * 86400
    return pool.clock() > user.modified + validity


# -- attributes ------------------------------------------------------------------------------------------------
def update_attributes(pool, user: User, changes: Mapping[str, str], *, by_admin: bool) -> list[CodeDelivery]:
    """Change a user's attributes; where the codes to verify a new email address went.

    A new email address is unverified (and a code is sent to it, the pool verifying emails) unless an
    administrator sets `email_verified` in the same call. Users cannot set what only verification proves.
    """
    if not by_admin and ADMIN_ONLY_ATTRIBUTES & set(changes):
        raise NotAuthorized(UNAUTHORIZED_ATTRIBUTE)
    changes = dict(changes)
    new_email = "email" in changes and changes["email"] != user.email
    if new_email:
        changes["email"] = check_username(pool, changes["email"]) if "email" in pool.config.username_attributes \
            else changes["email"]
        changes.setdefault("email_verified", "false")
    try:
        pool.store.update_attributes(user.sub, changes)
    except StoreError as error:
        raise AliasExists(str(error)) from None
    updated = pool.store.user(user.sub) or user
    if new_email and not updated.email_verified and "email" in pool.config.auto_verified_attributes:
        return [send_code(pool, updated, CodePurpose.VERIFY_EMAIL)]
    return []


def delete_attributes(pool, user: User, names: Any) -> None:
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise InvalidParameter("UserAttributeNames must be a list of attribute names.")
    if "sub" in names or ("email" in names and "email" in pool.config.username_attributes):
        raise InvalidParameter("Cannot delete a required attribute or the attribute users sign in with.")
    pool.store.update_attributes(user.sub, {}, removed=tuple(names))


def email_verification_code(pool, user: User, name: Any) -> CodeDelivery:
    """GetUserAttributeVerificationCode: only email addresses are verified here (no SMS)."""
    if name != "email" or not user.email:
        raise InvalidParameter(f"Verification of {name} is not supported; only email can be verified.")
    return send_code(pool, user, CodePurpose.VERIFY_EMAIL)


def verify_email(pool, user: User, name: Any, code: Any) -> None:
    if name != "email":
        raise InvalidParameter(f"Verification of {name} is not supported; only email can be verified.")
    check_code(pool, user, CodePurpose.VERIFY_EMAIL, code)
    pool.store.update_attributes(user.sub, {"email_verified": "true"})
