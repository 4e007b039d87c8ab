"""The pre token generation Lambda trigger (event V2_0), run from the template's own inline function code.

When the pool's `LambdaConfig.PreTokenGenerationConfig` names a function of the template, every issuance of user
tokens sends the handler a V2_0 event (`triggerSource`, `callerContext.clientId`, `request.userAttributes`,
`request.groupConfiguration`, `request.scopes`) and applies its `claimsAndScopeOverrideDetails` to the claims
before signing: `scopesToAdd`/`scopesToSuppress` and `claimsToAddOrOverride`/`claimsToSuppress` for the access
token, the claims ones for the ID token, and `groupOverrideDetails` for `cognito:groups` in both.

The handler is the function's `Code.ZipFile` (Python runtimes only), executed in a fresh namespace on every call
with the function's environment variables set; a `!Ref` to the pool or to an app client in them becomes the
local pool id or client id, as CloudFormation would resolve it.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Iterator, Mapping

from authlib.oauth2 import OAuth2Error

from local_cognito.api_errors import CognitoError, InvalidLambdaResponse, UserLambdaValidation
from local_cognito.store import Store
from local_cognito.template import PoolConfig, TemplateError
from local_cognito.token_issuer import UserGrant

CONFIG_KEY = "PreTokenGenerationConfig"
# V1_0 customises ID tokens only; V3_0 also client-credentials tokens: neither is emulated (a clear error instead).
EVENT_VERSIONS = {"V2_0": "2"}
TIERS_WITH_ACCESS_TOKEN_CUSTOMISATION = ("ESSENTIALS", "PLUS")
# Claims a trigger cannot add, change or suppress. [Uncertain] Cognito's reaction to trying: ignored here.
RESERVED_CLAIMS = frozenset({
    "acr", "amr", "aud", "at_hash", "auth_time", "azp", "client_id", "cognito:groups", "cognito:username",
    "event_id", "exp", "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "scope", "sub", "token_use",
    "username", "version",
})
# os.environ belongs to the whole process, so the lock that guards setting a function's variables must too.
PROCESS_ENVIRONMENT_LOCK = threading.Lock()


class TriggerError(OAuth2Error):
    """The trigger failed; the token endpoint answers `invalid_request` [Uncertain], the JSON API `api_error`."""

    error = "invalid_request"

    def __init__(self, api_error: CognitoError):
        super().__init__()
        self.api_error = api_error


@dataclass(frozen=True)
class InlineFunction:
    """An `AWS::Lambda::Function` of the template with inline Python code."""

    logical_id: str
    name: str
    code: str
    handler: str
    environment: Mapping[str, Any]
    timeout: int

    @classmethod
    def from_template(cls, logical_id: str, properties: Mapping[str, Any]) -> "InlineFunction":
        code = (properties.get("Code") or {}).get("ZipFile")
        if not isinstance(code, str):
            raise TemplateError(f"function {logical_id}: the local Cognito runs only inline Code.ZipFile functions")
        if not str(properties.get("Runtime", "")).startswith("python"):
            raise TemplateError(f"function {logical_id}: the local Cognito runs only Python functions")
        module, _, handler = str(properties.get("Handler", "")).partition(".")
        if module != "index" or not handler:  # inline Python code is deployed as index.py
            raise TemplateError(f"function {logical_id}: Handler must be index.<function> for inline code")
        return cls(logical_id, str(properties.get("FunctionName") or logical_id), code, handler,
                   dict((properties.get("Environment") or {}).get("Variables") or {}),
                   int(properties.get("Timeout", 3)))


def load(config: PoolConfig) -> tuple[InlineFunction, str] | None:
    """The pool's pre-token-generation function and event version, or None when it has none."""
    others = sorted(set(config.lambda_config) - {CONFIG_KEY})
    if others:
        raise TemplateError(f"the local Cognito does not run these Lambda triggers: {', '.join(others)}")
    settings = config.lambda_config.get(CONFIG_KEY)
    if not settings:
        return None
    version = str(settings.get("LambdaVersion", "V1_0"))
    if version not in EVENT_VERSIONS:
        raise TemplateError(f"{CONFIG_KEY}: the local Cognito emulates LambdaVersion V2_0, not {version}")
    if config.tier not in TIERS_WITH_ACCESS_TOKEN_CUSTOMISATION:
        raise TemplateError(f"{CONFIG_KEY}: LambdaVersion {version} needs UserPoolTier ESSENTIALS or PLUS")
    logical_id = _function_of(config, str(settings.get("LambdaArn", "")))
    return InlineFunction.from_template(logical_id, config.functions[logical_id]), version


def _function_of(config: PoolConfig, arn: str) -> str:
    """The logical id of the function an ARN designates: `!GetAtt F.Arn`, or an ARN ending `function:NAME`."""
    if arn.endswith(".Arn") and arn[:-4] in config.functions:
        return arn[:-4]
    name = arn.split(":function:", 1)[1].split(":", 1)[0] if ":function:" in arn else None
    for logical_id, properties in config.functions.items():
        if name is not None and name == str(properties.get("FunctionName") or logical_id):
            return logical_id
    raise TemplateError(f"{CONFIG_KEY}: LambdaArn {arn!r} is not a function of this template")


class PreTokenGeneration:
    """The trigger bound to one pool: a `ClaimsHook` for the token issuer.

    `store` gives the app clients' ids, which a function's environment may name with `!Ref`.
    """

    def __init__(self, function: InlineFunction, version: str, *, config: PoolConfig, region: str, pool_id: str,
                 store: Store):
        self.function = function
        self.version = version
        self.config = config
        self.region = region
        self.pool_id = pool_id
        self.store = store

    def __call__(self, grant: UserGrant, access_claims: dict[str, Any], id_claims: dict[str, Any] | None) -> None:
        details = self.invoke(self.event(grant))
        if details is not None:
            apply_overrides(details, access_claims, id_claims)

    def event(self, grant: UserGrant) -> dict[str, Any]:
        user = grant.user
        return {
            "version": EVENT_VERSIONS[self.version],
            "triggerSource": grant.event,
            "region": self.region,
            "userPoolId": self.pool_id,
            "userName": user.username,
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": grant.client.client_id},
            "request": {
                "userAttributes": {**user.attributes, "cognito:user_status": user.status},
                "groupConfiguration": {"groupsToOverride": list(user.groups), "iamRolesToOverride": [],
                                       "preferredRole": None},
                "scopes": grant.scope.split(),
            },
            "response": {"claimsAndScopeOverrideDetails": None},
        }

    def invoke(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """Run the handler like Lambda would; its `claimsAndScopeOverrideDetails`, or None for no change."""
        context = SimpleNamespace(
            function_name=self.function.name, function_version="$LATEST", memory_limit_in_mb=128,
            invoked_function_arn=f"arn:aws:lambda:{self.region}:000000000000:function:{self.function.name}",
            aws_request_id=str(uuid.uuid4()), get_remaining_time_in_millis=lambda: self.function.timeout * 1000)
        namespace: dict[str, Any] = {"__name__": "index"}
        try:
            with PROCESS_ENVIRONMENT_LOCK, process_environment(self.environment()):
                # exec of code from the template: it is the project's own deployment template, run locally the
                # way Lambda would run it, never code from a request.
                code = compile(self.function.code, f"{self.function.logical_id}/index.py", "exec")
                exec(code, namespace)  # noqa: S102
                result = namespace[self.function.handler](copy.deepcopy(event), context)
        except Exception as error:  # the function's own failure, reported as Cognito reports it
            raise TriggerError(UserLambdaValidation(f"PreTokenGeneration failed with error {error}.")) from None
        try:
            response = json.loads(json.dumps(result))["response"]  # what crosses the wire: JSON only
            details = response.get("claimsAndScopeOverrideDetails")
            if details is not None and not isinstance(details, dict):
                raise TypeError
        except (TypeError, ValueError, KeyError, AttributeError):
            raise TriggerError(InvalidLambdaResponse("Invalid lambda response received")) from None
        return details

    def environment(self) -> dict[str, str]:
        """The function's variables, with `!Ref`s to the pool and its clients resolved to local ids."""
        config = self.config
        resolved: dict[str, str] = {}
        for name, value in self.function.environment.items():
            value = str(value)
            if value == config.pool_logical_id:
                value = self.pool_id
            elif value in config.client_logical_ids:
                client = self.store.client_by_name(config.client_logical_ids[value])
                if client is None:
                    raise KeyError(f"the template defines no app client named {config.client_logical_ids[value]!r}")
                value = client.client_id
            resolved[str(name)] = value
        return resolved


@contextmanager
def process_environment(variables: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def apply_overrides(details: dict[str, Any], access_claims: dict[str, Any], id_claims: dict[str, Any] | None) -> None:
    """Apply a V2_0 response to the claims; a suppressed claim or scope stays suppressed even if also added."""
    access = _section(details, "accessTokenGeneration")
    _apply_claims(access_claims, access)
    _apply_scopes(access_claims, access)
    if id_claims is not None:
        _apply_claims(id_claims, _section(details, "idTokenGeneration"))
    if "groupOverrideDetails" in details:  # present but empty or null: the groups are suppressed
        groups = _strings((_section(details, "groupOverrideDetails")).get("groupsToOverride"), "groupsToOverride")
        for claims in (access_claims, id_claims):
            if claims is not None:
                claims.pop("cognito:groups", None)
                if groups:
                    claims["cognito:groups"] = groups


def _section(details: dict[str, Any], name: str) -> dict[str, Any]:
    section = details.get(name) or {}
    if not isinstance(section, dict):
        raise TriggerError(InvalidLambdaResponse(f"Invalid lambda response received: {name} is not an object"))
    return section


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TriggerError(InvalidLambdaResponse(f"Invalid lambda response received: {name} is not a list of "
                                                 "strings"))
    return value


def _apply_claims(claims: dict[str, Any], section: dict[str, Any]) -> None:
    additions = section.get("claimsToAddOrOverride") or {}
    if not isinstance(additions, dict):
        raise TriggerError(InvalidLambdaResponse("Invalid lambda response received: claimsToAddOrOverride is not "
                                                 "an object"))
    suppressed = set(_strings(section.get("claimsToSuppress"), "claimsToSuppress"))
    for name, value in additions.items():
        if name not in RESERVED_CLAIMS and name not in suppressed:
            claims[name] = value
    for name in suppressed - RESERVED_CLAIMS:
        claims.pop(name, None)


def _apply_scopes(access_claims: dict[str, Any], section: dict[str, Any]) -> None:
    suppressed = set(_strings(section.get("scopesToSuppress"), "scopesToSuppress"))
    scopes = [*str(access_claims.get("scope", "")).split(), *_strings(section.get("scopesToAdd"), "scopesToAdd")]
    kept = [scope for scope in dict.fromkeys(scopes) if scope not in suppressed]
    if kept:
        access_claims["scope"] = " ".join(kept)
    else:
        access_claims.pop("scope", None)  # [Uncertain] a token whose every scope was suppressed has no scope claim
