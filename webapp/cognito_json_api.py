"""Cognito's JSON API: one operation is a POST to the issuer's origin naming it in `X-Amz-Target`; Cognito answers
JSON, and refuses with HTTP 400 `{"__type": …, "message": …}`.

The operations the product calls (InitiateAuth, RespondToAuthChallenge, RevokeToken, and those a user's access
token authorises) take no AWS credentials, so a plain POST over a bounded session does: boto3 would add 35 MB to
an install and 0.15 s to a start, and botocore logs request bodies (passwords, tokens) at DEBUG. Nothing here
logs a body."""

from __future__ import annotations

import json

import requests


class CognitoError(Exception):
    """Cognito refused the operation: `code` is its exception name (NotAuthorizedException…), `message` its text."""

    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code, self.message = code, message


class NoAnswer(Exception):
    """No usable answer; its text says why: the call failed (the exception's class name), Cognito failed (its
    exception name, or `http_<status>`), or a 200 that is not a JSON object (`invalid_response`). Try again later."""


def call(http: requests.Session, endpoint: str, operation: str, parameters: dict, *, timeout: float) -> dict:
    """Cognito's answer to `operation`, or CognitoError, or NoAnswer. `http` should be a bounded session."""
    try:
        answer = http.post(endpoint, data=json.dumps(parameters), timeout=timeout, allow_redirects=False,
                           headers={"X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}",
                                    "Content-Type": "application/x-amz-json-1.1"})
    except requests.RequestException as failure:
        raise NoAnswer(type(failure).__name__) from None
    try:
        body = json.loads(answer.content) if answer.content else {}
    except (ValueError, RecursionError):  # RecursionError: brackets nested deeper than the parser goes
        body = None
    if not isinstance(body, dict):
        raise NoAnswer("invalid_response" if answer.status_code == 200 else f"http_{answer.status_code}")
    if answer.status_code == 200:
        return body
    # As botocore reads it: the name may carry a namespace before `#`, or a URI after `:`.
    code = str(body.get("__type", "")).partition(":")[0].rpartition("#")[2]
    if answer.status_code >= 500 or not code:
        raise NoAnswer(code or f"http_{answer.status_code}")
    raise CognitoError(code, str(body.get("message", body.get("Message", ""))))
