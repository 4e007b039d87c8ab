"""JSON API self-service: `SignUp`, `ConfirmSignUp`, `ResendConfirmationCode`, `ForgotPassword`,
`ConfirmForgotPassword` (unsigned in AWS; a client with a secret sends `SecretHash`).

The flows themselves are in `accounts`, shared with the Hosted UI's pages; codes go to the development outbox.
"""

from __future__ import annotations

from typing import Any

from local_cognito import accounts
from local_cognito.clients import AppClient
from local_cognito.json_api import find_client, operations, required


def client_with_secret_hash(pool, body: dict[str, Any]) -> tuple[AppClient, str]:
    """The calling client and the username, once the secret hash (if the client has a secret) checks out."""
    client = find_client(pool, required(body, "ClientId"))
    username = required(body, "Username")
    accounts.check_secret_hash(client, body.get("SecretHash"), [username] if isinstance(username, str) else [])
    return client, username


@operations.register("SignUp", signed=False)
def sign_up(pool, body: dict[str, Any]) -> dict[str, Any]:
    """An unconfirmed user; the confirmation code goes to the outbox."""
    client, username = client_with_secret_hash(pool, body)
    attributes = accounts.attributes_from_api(body.get("UserAttributes"))
    return accounts.sign_up(pool, client, username, required(body, "Password"), attributes).to_api()


@operations.register("ConfirmSignUp", signed=False)
def confirm_sign_up(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Confirms the user and verifies their email."""
    client, username = client_with_secret_hash(pool, body)
    accounts.confirm_sign_up(pool, client, username, required(body, "ConfirmationCode"))
    return {}


@operations.register("ResendConfirmationCode", signed=False)
def resend_confirmation_code(pool, body: dict[str, Any]) -> dict[str, Any]:
    """A new code for an unconfirmed user (the latest code is the one that works)."""
    client, username = client_with_secret_hash(pool, body)
    return {"CodeDeliveryDetails": accounts.resend_confirmation_code(pool, client, username).to_api()}


@operations.register("ForgotPassword", signed=False)
def forgot_password(pool, body: dict[str, Any]) -> dict[str, Any]:
    """A reset code to a verified email; a simulated delivery for no account (`PreventUserExistenceErrors`)."""
    client, username = client_with_secret_hash(pool, body)
    return {"CodeDeliveryDetails": accounts.forgot_password(pool, client, username).to_api()}


@operations.register("ConfirmForgotPassword", signed=False)
def confirm_forgot_password(pool, body: dict[str, Any]) -> dict[str, Any]:
    """The code and a new password; also ends `RESET_REQUIRED`."""
    client, username = client_with_secret_hash(pool, body)
    accounts.confirm_forgot_password(pool, client, username, required(body, "ConfirmationCode"),
                                     required(body, "Password"))
    return {}
