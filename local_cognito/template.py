"""Read the CloudFormation template of the real user pool into a typed pool configuration.

The local Cognito is configured from `deploy/cognito.yaml`, the same file that provisions the real pool, so the
two stay in step. PyYAML does the parsing; CloudFormation's short-form tags (`!Ref`, `!Sub`, ...) become their
long forms, and the few intrinsic functions a user pool template needs are resolved here against the template's
parameters (their defaults, or the values given for them) and the pseudo parameters (no library resolves
CloudFormation intrinsics outside AWS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from local_cognito.clients import ClientSettings, ClientSettingsError

USER_POOL = "AWS::Cognito::UserPool"
USER_POOL_CLIENT = "AWS::Cognito::UserPoolClient"
USER_POOL_DOMAIN = "AWS::Cognito::UserPoolDomain"
RESOURCE_SERVER = "AWS::Cognito::UserPoolResourceServer"
USER_POOL_GROUP = "AWS::Cognito::UserPoolGroup"
LAMBDA_FUNCTION = "AWS::Lambda::Function"

SHORT_FORM_TAGS = {
    "!Ref": "Ref", "!Condition": "Condition", "!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub", "!Join": "Fn::Join",
    "!Select": "Fn::Select", "!Split": "Fn::Split", "!If": "Fn::If", "!Equals": "Fn::Equals", "!Not": "Fn::Not",
    "!And": "Fn::And", "!Or": "Fn::Or", "!FindInMap": "Fn::FindInMap", "!GetAZs": "Fn::GetAZs",
    "!ImportValue": "Fn::ImportValue", "!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr", "!Transform": "Fn::Transform",
}
SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


class TemplateError(ValueError):
    """The template does not describe a user pool the local Cognito can run; the message says where."""


class CloudFormationLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader that turns `!Tag value` into CloudFormation's long form `{"Fn::Tag": value}`. libyaml's parser
    (PyYAML's wheels have it) when there is one: it reads the template ten times faster, which `make run` waits
    for at every start."""


def _construct_short_form(loader: CloudFormationLoader, node: yaml.Node) -> dict[str, Any]:
    name = SHORT_FORM_TAGS[node.tag]
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "Fn::GetAtt":  # !GetAtt Resource.Attribute is the string form of a two-element list
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


for _tag in SHORT_FORM_TAGS:
    CloudFormationLoader.add_constructor(_tag, _construct_short_form)


@dataclass(frozen=True)
class PasswordPolicy:
    """The pool's password rules, with Cognito's own wording when a password breaks them."""

    minimum_length: int = 8
    require_lowercase: bool = True
    require_uppercase: bool = True
    require_numbers: bool = True
    require_symbols: bool = True
    temporary_password_validity_days: int = 7

    SYMBOLS = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

    def violation(self, password: str) -> str | None:
        """None for an acceptable password, else the message Cognito's InvalidPasswordException carries."""
        rules = [
            (len(password) < self.minimum_length, "Password not long enough"),
            (self.require_lowercase and not any(c.islower() for c in password),
             "Password must have lowercase characters"),
            (self.require_uppercase and not any(c.isupper() for c in password),
             "Password must have uppercase characters"),
            (self.require_numbers and not any(c.isdigit() for c in password), "Password must have numeric characters"),
            (self.require_symbols and not any(c in self.SYMBOLS for c in password),
             "Password must have symbol characters"),
        ]
        for broken, message in rules:
            if broken:
                return f"Password did not conform with policy: {message}"
        return None


@dataclass(frozen=True)
class ResourceServer:
    identifier: str
    name: str
    scope_names: tuple[str, ...]
    scope_descriptions: tuple[str, ...] = ()

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(f"{self.identifier}/{name}" for name in self.scope_names)


@dataclass(frozen=True)
class Group:
    name: str
    description: str = ""
    precedence: int | None = None


@dataclass(frozen=True)
class PoolConfig:
    """Everything about the user pool that the template says, before any local state exists."""

    name: str
    username_attributes: tuple[str, ...]
    case_sensitive: bool
    auto_verified_attributes: tuple[str, ...]
    allow_self_sign_up: bool
    password_policy: PasswordPolicy
    domain_prefix: str | None
    resource_servers: tuple[ResourceServer, ...]
    groups: tuple[Group, ...]
    clients: Mapping[str, ClientSettings] = field(default_factory=dict)  # by ClientName
    # For the Lambda triggers (see pre_token_generation.py): the pool's tier and LambdaConfig, the template's
    # functions by logical id, and what a `!Ref` to the pool or to a client resolves to here (its logical id).
    tier: str = "ESSENTIALS"
    lambda_config: Mapping[str, Any] = field(default_factory=dict)
    functions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    pool_logical_id: str = ""
    client_logical_ids: Mapping[str, str] = field(default_factory=dict)  # logical id -> ClientName
    # OFF, OPTIONAL or ON, and the factors the pool offers (only SOFTWARE_TOKEN_MFA is emulated).
    mfa_configuration: str = "OFF"
    enabled_mfas: tuple[str, ...] = ()
    # The user pool's properties as the template resolves them, for DescribeUserPool.
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def custom_scopes(self) -> frozenset[str]:
        return frozenset(scope for server in self.resource_servers for scope in server.scopes)

    @property
    def totp_mfa(self) -> bool:
        """Whether users may (OPTIONAL) or must (ON) sign in with an authenticator app's code."""
        return self.mfa_configuration != "OFF" and "SOFTWARE_TOKEN_MFA" in self.enabled_mfas


def load_pool_config(path: str | Path, *, region: str = "us-east-1", stack_name: str = "local",
                     parameters: Mapping[str, str] | None = None) -> PoolConfig:
    """Parse the template at `path`, with `parameters` in place of their defaults (as `aws cloudformation deploy
    --parameter-overrides` gives them); every problem is a `TemplateError` naming the file."""
    path = Path(path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=CloudFormationLoader)  # noqa: S506 (SafeLoader)
    except (OSError, yaml.YAMLError) as error:
        raise TemplateError(f"{path}: cannot read the template: {error}") from error
    try:
        return _build_pool_config(document, region=region, stack_name=stack_name, parameters=parameters or {})
    except (TemplateError, ClientSettingsError) as error:
        raise TemplateError(f"{path}: {error}") from error


def _build_pool_config(document: Any, *, region: str, stack_name: str, parameters: Mapping[str, str]) -> PoolConfig:
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError("not a CloudFormation template (no Resources mapping)")
    resources: dict[str, Any] = document["Resources"]
    resolver = _Resolver(document, region=region, stack_name=stack_name, parameters=parameters)
    by_type: dict[str, list[tuple[str, dict]]] = {}
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict):
            raise TemplateError(f"resource {logical_id} is not a mapping")
        properties = resolver.resolve(resource.get("Properties") or {})
        by_type.setdefault(resource.get("Type", ""), []).append((logical_id, properties))

    pools = by_type.get(USER_POOL, [])
    if len(pools) != 1:
        raise TemplateError(f"expected exactly one {USER_POOL}, found {len(pools)}")
    pool_id, pool = pools[0]
    servers = tuple(_resource_server(p) for _, p in by_type.get(RESOURCE_SERVER, []))
    custom_scopes = frozenset(scope for server in servers for scope in server.scopes)
    clients: dict[str, ClientSettings] = {}
    client_logical_ids: dict[str, str] = {}
    for logical_id, properties in by_type.get(USER_POOL_CLIENT, []):
        settings = ClientSettings.from_properties(properties, default_name=logical_id)
        settings.validate(custom_scopes)
        if settings.name in clients:
            raise TemplateError(f"two app clients are named {settings.name!r}; ClientName must be unique")
        clients[settings.name] = settings
        client_logical_ids[logical_id] = settings.name
    domains = by_type.get(USER_POOL_DOMAIN, [])
    policy = (pool.get("Policies") or {}).get("PasswordPolicy") or {}
    mfa = str(pool.get("MfaConfiguration", "OFF"))
    if mfa not in ("OFF", "OPTIONAL", "ON"):
        raise TemplateError(f"MfaConfiguration must be OFF, OPTIONAL or ON, not {mfa!r}")
    return PoolConfig(
        name=str(pool.get("UserPoolName") or pool_id),
        username_attributes=tuple(pool.get("UsernameAttributes") or ()),
        case_sensitive=bool((pool.get("UsernameConfiguration") or {}).get("CaseSensitive", False)),
        auto_verified_attributes=tuple(pool.get("AutoVerifiedAttributes") or ()),
        allow_self_sign_up=not (pool.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly", False),
        password_policy=PasswordPolicy(
            minimum_length=int(policy.get("MinimumLength", 8)),
            require_lowercase=_flag(policy.get("RequireLowercase", True)),
            require_uppercase=_flag(policy.get("RequireUppercase", True)),
            require_numbers=_flag(policy.get("RequireNumbers", True)),
            require_symbols=_flag(policy.get("RequireSymbols", True)),
            temporary_password_validity_days=int(policy.get("TemporaryPasswordValidityDays", 7)),
        ),
        domain_prefix=str(domains[0][1].get("Domain")) if domains else None,
        resource_servers=servers,
        groups=tuple(
            Group(str(p["GroupName"]), str(p.get("Description", "")), p.get("Precedence"))
            for _, p in by_type.get(USER_POOL_GROUP, [])
            if p.get("GroupName")
        ),
        clients=clients,
        tier=str(pool.get("UserPoolTier", "ESSENTIALS")),  # CloudFormation's default for a new pool
        lambda_config=pool.get("LambdaConfig") or {},
        functions=dict(by_type.get(LAMBDA_FUNCTION, [])),
        pool_logical_id=pool_id,
        client_logical_ids=client_logical_ids,
        mfa_configuration=mfa,
        enabled_mfas=tuple(pool.get("EnabledMfas") or ()),
        properties=pool,
    )


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def _resource_server(properties: dict) -> ResourceServer:
    identifier = properties.get("Identifier")
    if not identifier:
        raise TemplateError("a resource server has no Identifier")
    scopes = properties.get("Scopes") or ()
    names = tuple(str(scope["ScopeName"]) for scope in scopes)
    if any("/" in name for name in names):
        raise TemplateError(f"resource server {identifier}: a ScopeName may not contain '/'")
    return ResourceServer(str(identifier), str(properties.get("Name", identifier)), names,
                          tuple(str(scope.get("ScopeDescription", "")) for scope in scopes))


class _Resolver:
    """Resolves Ref, Fn::Sub, Fn::Join and Fn::GetAtt against the parameters (given, else their defaults) and the
    pseudo parameters.

    A reference to a resource resolves to its logical id: the template only needs physical ids in places the
    local Cognito ignores (UserPoolId of a client, Outputs).
    """

    def __init__(self, document: dict, *, region: str, stack_name: str, parameters: Mapping[str, str]):
        declared = document.get("Parameters") or {}
        unknown = sorted(set(parameters) - set(declared))
        if unknown:
            raise TemplateError(f"the template has no parameter {', '.join(unknown)}")
        self.values: dict[str, Any] = {
            name: parameters.get(name, spec.get("Default")) for name, spec in declared.items() if isinstance(spec, dict)
        }
        missing = [name for name, value in self.values.items() if value is None]
        if missing:
            raise TemplateError(f"parameters without a Default need a value (--parameter-overrides): "
                                f"{', '.join(missing)}")
        self.values.update({
            "AWS::Region": region, "AWS::StackName": stack_name, "AWS::AccountId": "000000000000",
            "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": None,
        })
        self.values.update({logical_id: logical_id for logical_id in document.get("Resources") or {}})

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not None]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), = value.items()
            if key == "Ref":
                return self._ref(argument)
            if key == "Fn::Sub":
                return self._sub(argument)
            if key == "Fn::Join":
                separator, items = argument
                return str(separator).join(str(item) for item in self.resolve(items))
            if key == "Fn::GetAtt":
                return ".".join(str(part) for part in argument)
            if key.startswith("Fn::") or key == "Condition":
                raise TemplateError(f"the local Cognito cannot resolve {key} (use Ref, Sub, Join or GetAtt)")
        return {k: v for k, v in ((k, self.resolve(v)) for k, v in value.items()) if v is not None}

    def _ref(self, name: str) -> Any:
        if name not in self.values:
            raise TemplateError(f"Ref to unknown name {name!r}")
        return self.values[name]

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
        local = {name: self.resolve(value) for name, value in variables.items()}

        def substitute(match: re.Match) -> str:
            name = match.group(1)
            if name in local:
                return str(local[name])
            return str(self._ref(name.split(".", 1)[0]))

        return SUB_VARIABLE.sub(substitute, text).replace("${!", "${")
