"""Cognito's JSON API at `POST /`: `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`.

boto3 and the AWS CLI (`--endpoint-url`) work against it unchanged. Errors have Cognito's shape: HTTP 400,
`{"__type": "NotAuthorizedException", "message": "..."}`. Operations are plain functions registered in
`operations` by name; add one with::

    @operations.register("AdminGetUser", signed=True)
    def admin_get_user(pool, body): ...

`signed=True` marks the operations AWS requires SigV4 for. The local pool checks only that the request is
signed (the caller had credentials of some kind), not the signature: it is a development tool on loopback.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from flask import Blueprint, Response, current_app, request

from local_cognito.clients import AppClient, ClientSettings, ClientSettingsError

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
    operation = operations.get(target[len(TARGET_PREFIX):]) if target.startswith(TARGET_PREFIX) else None
    if operation is None:
        return api_response({"__type": "UnknownOperationException"}, 400, "UnknownOperationException")
    body = request.get_json(force=True, silent=True)
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


def check_pool(pool, body: dict[str, Any]) -> None:
    pool_id = required(body, "UserPoolId")
    if pool_id != pool.pool_id:
        raise ApiError("ResourceNotFoundException", f"User pool {pool_id} does not exist.")


def find_client(pool, client_id: str) -> AppClient:
    client = pool.store.client(client_id) if isinstance(client_id, str) else None
    if client is None:
        raise ApiError("ResourceNotFoundException", f"User pool client {client_id} does not exist.")
    return client


def describe_client(pool, client: AppClient) -> dict[str, Any]:
    created, modified = pool.store.client_dates(client.client_id)
    description = {"UserPoolId": pool.pool_id, "ClientId": client.client_id, **client.settings.to_api()}
    if client.client_secret:
        description["ClientSecret"] = client.client_secret
    description.update(CreationDate=created, LastModifiedDate=modified)
    return description


# -- operations ------------------------------------------------------------------------------------------------
@operations.register("DescribeUserPoolClient", signed=True)
def describe_user_pool_client(pool, body: dict[str, Any]) -> dict[str, Any]:
    check_pool(pool, body)
    return {"UserPoolClient": describe_client(pool, find_client(pool, required(body, "ClientId")))}


@operations.register("UpdateUserPoolClient", signed=True)
def update_user_pool_client(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the client's settings. As in AWS, an omitted setting goes back to its default."""
    check_pool(pool, body)
    client = find_client(pool, required(body, "ClientId"))
    try:
        settings = ClientSettings.from_properties(body, default_name=client.name,
                                                  generate_secret=bool(client.client_secret))
        settings.validate(pool.config.custom_scopes)
    except ClientSettingsError as error:
        raise ApiError(error.code, str(error)) from None
    if settings.name != client.name and pool.store.client_by_name(settings.name):
        raise ApiError("InvalidParameterException", f"A client named {settings.name} already exists.")
    pool.store.update_client_settings(client.client_id, settings)
    return {"UserPoolClient": describe_client(pool, find_client(pool, client.client_id))}
