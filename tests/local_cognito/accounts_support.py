"""Helpers for the JSON API, self-service and trigger tests: fresh users, outbox codes, token claims, error codes."""

from __future__ import annotations

import re
import uuid
from contextlib import contextmanager
from typing import Iterator

import boto3
import jwt
import pyotp
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.fixtures.local_cognito import FAKE_CREDENTIALS

PASSWORD = "Passw0rd!x"
CODE = re.compile(r"\b(\d{6})\b")


def cognito_idp(handle):
    """boto3's client for the pool's JSON API, making each call exactly once.

    botocore retries LimitExceededException as throttling (legacy retry mode), which would hide the error and
    spend another attempt; tests must see what one call does.
    """
    return boto3.client("cognito-idp", endpoint_url=handle.url, region_name=handle.region,
                        config=Config(retries={"total_max_attempts": 1}), **FAKE_CREDENTIALS)


def new_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def outbox(handle) -> list[dict]:
    """The development outbox as a script reads it: newest message first."""
    response = requests.get(f"{handle.url}/_dev/outbox.json", timeout=10)
    assert response.status_code == 200
    return response.json()["messages"]


def latest_message(handle, email: str) -> dict:
    return next(message for message in outbox(handle) if message["recipient"] == email)


def latest_code(handle, email: str) -> str:
    match = CODE.search(latest_message(handle, email)["body"])
    assert match, "the message carries no code"
    return match.group(1)


def claims(token: str) -> dict:
    """A token's claims, unverified (tests that care about signatures verify them separately)."""
    return jwt.decode(token, options={"verify_signature": False})


@contextmanager
def raises_api_error(code: str, message: str | None = None) -> Iterator[pytest.ExceptionInfo]:
    """botocore's ClientError with Cognito's `__type` (and message), answered with HTTP 400."""
    with pytest.raises(ClientError) as raised:
        yield raised
    error = raised.value.response["Error"]
    assert error["Code"] == code, error
    if message is not None:
        assert error["Message"] == message
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def password_sign_in(idp, client_id: str, email: str, password: str = PASSWORD, **extra) -> dict:
    return idp.initiate_auth(AuthFlow="USER_PASSWORD_AUTH", ClientId=client_id,
                             AuthParameters={"USERNAME": email, "PASSWORD": password, **extra})


def confirmed_user(pool, prefix: str = "user", password: str = PASSWORD, **kwargs) -> str:
    """A confirmed user with a verified email, straight in the store; their email."""
    email = new_email(prefix)
    pool.create_user(email, password, **kwargs)
    return email


def totp_code(pool, secret: str, steps: int = 0) -> str:
    """The authenticator's code at the pool's time (its clock may have been moved), `steps` 30-second steps on."""
    return pyotp.TOTP(secret).at(pool.clock(), counter_offset=steps)


def with_totp(pool, idp, client_id: str, email: str) -> tuple[str, str]:
    """Sign `email` in and turn TOTP MFA on for them with their access token: (secret, access token)."""
    access = password_sign_in(idp, client_id, email)["AuthenticationResult"]["AccessToken"]
    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    idp.verify_software_token(AccessToken=access, UserCode=totp_code(pool, secret))
    idp.set_user_mfa_preference(AccessToken=access,
                                SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    return secret, access
