"""Cognito's JSON API at `POST /`: `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`.

boto3 and the AWS CLI (`--endpoint-url`) work against it unchanged. Errors have Cognito's shape: HTTP 400,
`{"__type": "NotAuthorizedException", "message": "..."}`. Operations are plain functions registered in
`operations` by name; add one with::

    @operations.register("AdminGetUser", signed=True)
    def admin_get_user(pool, body): ...

`signed=True` marks the operations AWS requires SigV4 for. The local pool checks only that the request is
signed (the caller had credentials of some kind), not the signature: it is a development tool on loopback.
The handler's docstring (its first line) is what the README's table of operations says about it
(`python -m local_cognito operations` prints that table).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Sequence, TypeVar

from flask import Blueprint, Response, current_app, request

from local_cognito.clients import AppClient

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
CONTENT_TYPE = "application/x-amz-json-1.1"

bp = Blueprint("json_api", __name__)

Handler = Callable[[Any, dict[str, Any]], dict[str, Any]]


class ApiError(Exception):
    """An error answer of the JSON API: `code` is the `__type`, as botocore raises it (`ClientError`)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Operation:
    name: str
    handler: Handler
    signed: bool


class OperationRegistry:
    """The table of operations, filled at import time by `register` (like a blueprint's routes)."""

    def __init__(self) -> None:
        self._operations: dict[str, Operation] = {}

    def register(self, name: str, *, signed: bool) -> Callable[[Handler], Handler]:
        def decorator(handler: Handler) -> Handler:
            self._operations[name] = Operation(name, handler, signed)
            return handler

        return decorator

    def get(self, name: str) -> Operation | None:
        return self._operations.get(name)

    def names(self) -> list[str]:
        return sorted(self._operations)

    def table(self) -> str:
        """The README's table of emulated operations (Markdown), from the registry and the handlers' docstrings."""
        rows = ["| Operation | Signed (IAM) | Notes |", "| --- | --- | --- |"]
        for name in self.names():
            operation = self._operations[name]
            summary = " ".join((operation.handler.__doc__ or "").strip().split("\n\n")[0].split())
            rows.append(f"| `{name}` | {'yes' if operation.signed else 'no'} | {summary} |")
        return "\n".join(rows) + "\n"


operations = OperationRegistry()


def api_response(body: dict[str, Any], status: int = 200, error_type: str | None = None) -> Response:
    response = Response(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    if error_type:
        response.headers["x-amzn-ErrorType"] = f"{error_type}:"
    return response


def api_error(code: str, message: str) -> Response:
    return api_response({"__type": code, "message": message}, 400, code)


@bp.post("/")
def dispatch() -> Response:
    target = request.headers.get("X-Amz-Target", "")
    name = target.removeprefix(TARGET_PREFIX)
    operation = operations.get(name) if target.startswith(TARGET_PREFIX) else None
    if operation is None:
        return api_error("UnknownOperationException", f"{name[:100] or 'An operation without a name'} is not "
                                                      "emulated by the local Cognito")
    try:
        body = request.get_json(force=True, silent=True)
    except RecursionError:  # nested deeper than the JSON decoder goes
        body = None
    if not isinstance(body, dict) or not is_unicode(body):
        return api_error("SerializationException", "The request body is not a JSON object.")
    if operation.signed and not request.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 "):
        return api_error("MissingAuthenticationTokenException", "Missing Authentication Token")
    try:
        return api_response(operation.handler(current_app.extensions["local_cognito"], body))
    except ApiError as error:
        return api_error(error.code, error.message)


def is_unicode(body: dict[str, Any]) -> bool:
    """False when JSON escapes smuggled in text no UTF-8 store can hold (a lone surrogate such as \\ud800)."""
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# -- helpers for operations ------------------------------------------------------------------------------------
def required(body: dict[str, Any], name: str) -> Any:
    """A required member, or the validation error AWS answers when it is missing."""
    value = body.get(name)
    if value in (None, ""):
        member = name[0].lower() + name[1:]
        raise ApiError("InvalidParameterException",
                       f"1 validation error detected: Value null at '{member}' failed to satisfy constraint: "
                       "Member must not be null")
    return value


def parameter_map(body: dict[str, Any], name: str) -> dict[str, Any]:
    """A map member such as `AuthParameters` (absent: empty)."""
    value = body.get(name) or {}
    if not isinstance(value, dict):
        raise ApiError("InvalidParameterException", f"{name} must be a map of strings.")
    return value


def parameter(parameters: dict[str, Any], name: str) -> str:
    """A required entry of such a map."""
    value = parameters.get(name)
    if not isinstance(value, str) or not value:
        raise ApiError("InvalidParameterException", f"Missing required parameter {name}")
    return value


def check_pool(pool, body: dict[str, Any]) -> None:
    pool_id = required(body, "UserPoolId")
    if pool_id != pool.pool_id:
        raise ApiError("ResourceNotFoundException", f"User pool {pool_id} does not exist.")


def find_client(pool, client_id: str) -> AppClient:
    client = pool.store.client(client_id) if isinstance(client_id, str) else None
    if client is None:
        raise ApiError("ResourceNotFoundException", f"User pool client {client_id} does not exist.")
    return client


T = TypeVar("T")


def paginate(items: Sequence[T], body: dict[str, Any], key: str, describe: Callable[[T], Any], *,
             limit_member: str = "MaxResults", maximum: int) -> dict[str, Any]:
    """A list operation's answer: one page of `items` (in a stable order), each described, under `key`, and a
    `NextToken` when more follow; from `Limit`/`MaxResults` and `NextToken` as the list operations take them. The
    token is opaque to callers: the position, encoded."""
    limit = body.get(limit_member) or maximum
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= maximum:
        member = limit_member[0].lower() + limit_member[1:]
        raise ApiError("InvalidParameterException", f"1 validation error detected: Value '{limit}' at '{member}' "
                                                    f"failed to satisfy constraint: Member must have value less "
                                                    f"than or equal to {maximum}")
    token = body.get("NextToken")
    start = 0
    if token not in (None, ""):
        try:
            start = int(base64.urlsafe_b64decode(str(token).encode()).decode())
        except (ValueError, UnicodeError, binascii.Error):
            raise ApiError("InvalidParameterException", "Invalid pagination token") from None
    if start < 0:
        raise ApiError("InvalidParameterException", "Invalid pagination token")
    end = start + limit
    answer: dict[str, Any] = {key: [describe(item) for item in items[start:end]]}
    if end < len(items):
        answer["NextToken"] = base64.urlsafe_b64encode(str(end).encode()).decode()
    return answer
