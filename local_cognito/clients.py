"""App clients: their settings as Cognito describes them, and the client model Authlib's server works with.

Settings use Cognito's own names (`CallbackURLs`, `AllowedOAuthFlows`, ...) because the CloudFormation
properties, `DescribeUserPoolClient` and `UpdateUserPoolClient` all share them: one type reads all three.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Mapping
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import ClientMixin, scope_to_list

OIDC_SCOPES = frozenset({"openid", "email", "phone", "profile"})
RESERVED_SCOPES = OIDC_SCOPES | {"aws.cognito.signin.user.admin"}
OAUTH_FLOWS = frozenset({"code", "implicit", "client_credentials"})
EXPLICIT_AUTH_FLOWS = frozenset({
    "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH",
})
# What Cognito gives a client created (or updated) without ExplicitAuthFlows.
DEFAULT_EXPLICIT_AUTH_FLOWS = ("ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH")
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# Cognito's defaults: access and ID tokens 1 hour (counted in hours), refresh tokens 30 days (in days).
DEFAULT_UNITS = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}
DEFAULT_SECONDS = {"AccessToken": 3600, "IdToken": 3600, "RefreshToken": 30 * 86400}
MAX_CALLBACK_URLS = 100
MAX_URL_LENGTH = 1024


class ClientSettingsError(ValueError):
    """Settings Cognito would refuse; `code` is the JSON API's exception name."""

    def __init__(self, message: str, code: str = "InvalidParameterException"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ClientSettings:
    """An app client's configuration, field for field what `DescribeUserPoolClient` returns."""

    name: str
    generate_secret: bool = False
    explicit_auth_flows: tuple[str, ...] = DEFAULT_EXPLICIT_AUTH_FLOWS
    allowed_oauth_flows: tuple[str, ...] = ()
    allowed_oauth_scopes: tuple[str, ...] = ()
    allowed_oauth_flows_user_pool_client: bool = False
    callback_urls: tuple[str, ...] = ()
    logout_urls: tuple[str, ...] = ()
    default_redirect_uri: str | None = None
    supported_identity_providers: tuple[str, ...] = ()
    read_attributes: tuple[str, ...] = ()
    access_token_validity: int = 60
    id_token_validity: int = 60
    refresh_token_validity: int = 30
    token_validity_units: Mapping[str, str] = field(default_factory=lambda: {
        "AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"})
    enable_token_revocation: bool = True
    prevent_user_existence_errors: str = "ENABLED"
    refresh_token_rotation: bool = False
    retry_grace_period_seconds: int = 0
    auth_session_validity: int = 3

    API_NAMES = {
        "name": "ClientName", "explicit_auth_flows": "ExplicitAuthFlows",
        "allowed_oauth_flows": "AllowedOAuthFlows", "allowed_oauth_scopes": "AllowedOAuthScopes",
        "allowed_oauth_flows_user_pool_client": "AllowedOAuthFlowsUserPoolClient",
        "callback_urls": "CallbackURLs", "logout_urls": "LogoutURLs", "default_redirect_uri": "DefaultRedirectURI",
        "supported_identity_providers": "SupportedIdentityProviders", "read_attributes": "ReadAttributes",
        "access_token_validity": "AccessTokenValidity", "id_token_validity": "IdTokenValidity",
        "refresh_token_validity": "RefreshTokenValidity", "token_validity_units": "TokenValidityUnits",
        "enable_token_revocation": "EnableTokenRevocation",
        "prevent_user_existence_errors": "PreventUserExistenceErrors",
        "auth_session_validity": "AuthSessionValidity",
    }

    @classmethod
    def from_properties(cls, properties: Mapping[str, Any], *, default_name: str = "",
                        generate_secret: bool | None = None) -> "ClientSettings":
        """From CloudFormation properties or an Update/CreateUserPoolClient request (the same names).

        Anything absent takes Cognito's default, which is also what UpdateUserPoolClient does with an
        omitted field: it resets it (a well-known trap that scripts must handle by sending every field).
        """
        values: dict[str, Any] = {}
        for attr, api_name in cls.API_NAMES.items():
            if api_name in properties and properties[api_name] is not None:
                value = properties[api_name]
                values[attr] = tuple(value) if isinstance(value, list) else value
        values.setdefault("name", properties.get("ClientName") or default_name)
        for setting in fields(cls):
            value, default = values.get(setting.name), setting.default
            if value is None or setting.name not in cls.API_NAMES:
                continue
            if isinstance(default, tuple) and not (isinstance(value, tuple) and all(isinstance(v, str) for v in value)):
                raise ClientSettingsError(f"{cls.API_NAMES[setting.name]} must be a list of strings")
            if setting.name in ("name", "default_redirect_uri", "prevent_user_existence_errors") \
                    and not isinstance(value, str):
                raise ClientSettingsError(f"{cls.API_NAMES[setting.name]} must be a string")
        units = {**DEFAULT_UNITS, **dict(values.get("token_validity_units") or {})}
        values["token_validity_units"] = units
        for attr, token in (("access_token_validity", "AccessToken"), ("id_token_validity", "IdToken"),
                            ("refresh_token_validity", "RefreshToken")):
            if attr not in values and units[token] in UNIT_SECONDS:
                values[attr] = max(1, DEFAULT_SECONDS[token] // UNIT_SECONDS[units[token]])
        rotation = properties.get("RefreshTokenRotation") or {}
        values["refresh_token_rotation"] = rotation.get("Feature") == "ENABLED"
        values["retry_grace_period_seconds"] = int(rotation.get("RetryGracePeriodSeconds", 0))
        values["generate_secret"] = bool(properties.get("GenerateSecret", False)) if generate_secret is None \
            else generate_secret
        for flag in ("allowed_oauth_flows_user_pool_client", "enable_token_revocation"):
            if flag in values and not isinstance(values[flag], bool):
                values[flag] = str(values[flag]).lower() == "true"
        for number in ("access_token_validity", "id_token_validity", "refresh_token_validity",
                       "auth_session_validity"):
            if number in values:
                values[number] = _integer(number, values[number])
        return cls(**values)

    def to_api(self) -> dict[str, Any]:
        """The settings part of a UserPoolClientType (ids, secret and dates are added by the caller)."""
        data = {api: getattr(self, attr) for attr, api in self.API_NAMES.items()}
        data = {k: (list(v) if isinstance(v, tuple) else v) for k, v in data.items()}
        data["TokenValidityUnits"] = dict(self.token_validity_units)
        data["RefreshTokenRotation"] = {
            "Feature": "ENABLED" if self.refresh_token_rotation else "DISABLED",
            "RetryGracePeriodSeconds": self.retry_grace_period_seconds,
        }
        data["EnablePropagateAdditionalUserContextData"] = False
        return {k: v for k, v in data.items() if v not in (None, [])}

    def to_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ClientSettings":
        return cls(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items()})

    # -- lifetimes ---------------------------------------------------------------------------------------------
    def _seconds(self, value: int, token: str) -> int:
        return value * UNIT_SECONDS[self.token_validity_units.get(token, DEFAULT_UNITS[token])]

    @property
    def access_token_seconds(self) -> int:
        return self._seconds(self.access_token_validity, "AccessToken")

    @property
    def id_token_seconds(self) -> int:
        return self._seconds(self.id_token_validity, "IdToken")

    @property
    def refresh_token_seconds(self) -> int:
        return self._seconds(self.refresh_token_validity, "RefreshToken")

    # -- Cognito's rules ---------------------------------------------------------------------------------------
    def validate(self, custom_scopes: frozenset[str]) -> None:
        """Raise `ClientSettingsError` for settings the real CreateUserPoolClient would refuse."""
        if not self.name or len(self.name) > 128:
            raise ClientSettingsError("ClientName must be 1 to 128 characters")
        for flow in self.explicit_auth_flows:
            if flow not in EXPLICIT_AUTH_FLOWS:
                raise ClientSettingsError(f"Invalid ExplicitAuthFlows value: {flow}")
        flows = set(self.allowed_oauth_flows)
        if flows - OAUTH_FLOWS:
            raise ClientSettingsError(f"Invalid AllowedOAuthFlows: {', '.join(sorted(flows - OAUTH_FLOWS))}")
        if flows and not self.allowed_oauth_flows_user_pool_client:
            raise ClientSettingsError("AllowedOAuthFlowsUserPoolClient must be true to use AllowedOAuthFlows")
        if "client_credentials" in flows:
            if len(flows) > 1:
                raise ClientSettingsError(
                    "client_credentials flow can not be selected along with code flow or implicit flow.",
                    "InvalidOAuthFlowException")
            if not self.generate_secret:
                raise ClientSettingsError("client_credentials flow can not be selected if client does not "
                                          "have a client secret.", "InvalidOAuthFlowException")
            if set(self.allowed_oauth_scopes) & RESERVED_SCOPES:
                raise ClientSettingsError("client_credentials flow can only be used with custom scopes.",
                                          "InvalidOAuthFlowException")
        for scope in self.allowed_oauth_scopes:
            if scope not in RESERVED_SCOPES and scope not in custom_scopes:
                raise ClientSettingsError(f"Invalid scope requested: {scope}", "ScopeDoesNotExistException")
        if flows & {"code", "implicit"} and not self.callback_urls:
            raise ClientSettingsError("A callback URL is required to use the code or implicit flow",
                                      "InvalidOAuthFlowException")
        if len(self.callback_urls) > MAX_CALLBACK_URLS or len(self.logout_urls) > MAX_CALLBACK_URLS:
            raise ClientSettingsError(f"At most {MAX_CALLBACK_URLS} callback and logout URLs are allowed")
        for url in (*self.callback_urls, *self.logout_urls):
            check_registered_url(url)
        if self.default_redirect_uri and self.default_redirect_uri not in self.callback_urls:
            raise ClientSettingsError("DefaultRedirectURI must be one of the CallbackURLs")
        self._validate_lifetimes()

    def _validate_lifetimes(self) -> None:
        for token, unit in self.token_validity_units.items():
            if token not in DEFAULT_UNITS or unit not in UNIT_SECONDS:
                raise ClientSettingsError(f"Invalid TokenValidityUnits: {token}={unit}")
        for label, seconds in (("AccessTokenValidity", self.access_token_seconds),
                               ("IdTokenValidity", self.id_token_seconds)):
            if not 300 <= seconds <= 86400:
                raise ClientSettingsError(f"{label} must be between 5 minutes and 1 day")
        if not 3600 <= self.refresh_token_seconds <= 10 * 365 * 86400:
            raise ClientSettingsError("RefreshTokenValidity must be between 60 minutes and 10 years")
        if self.refresh_token_seconds < max(self.access_token_seconds, self.id_token_seconds):
            raise ClientSettingsError("RefreshTokenValidity must be longer than the access and ID token validity")
        if not 0 <= self.retry_grace_period_seconds <= 60:
            raise ClientSettingsError("RetryGracePeriodSeconds must be between 0 and 60")


def _integer(name: str, value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ClientSettingsError(f"{name} must be a whole number") from None


def check_registered_url(url: str) -> None:
    """Cognito's rules for callback and sign-out URLs: absolute, no fragment, https except on loopback."""
    if len(url) > MAX_URL_LENGTH:
        raise ClientSettingsError(f"URLs must be at most {MAX_URL_LENGTH} characters")
    parts = urlsplit(url)
    if not parts.scheme or parts.fragment:
        raise ClientSettingsError(f"{url} is not an absolute URL without a fragment")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ClientSettingsError(f"{url}: http is only allowed for localhost; use https")
    if parts.scheme in ("http", "https") and not parts.hostname:
        raise ClientSettingsError(f"{url} has no host")


def is_loopback(host: str | None) -> bool:
    """Where plain http is accepted: `localhost`, as Cognito allows, or a loopback address (the same machine)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class AppClient(ClientMixin):
    """An app client as Authlib's authorization server sees it: id, optional secret, and its settings."""

    client_id: str
    client_secret: str | None = field(repr=False)
    settings: ClientSettings

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def is_public(self) -> bool:
        return not self.client_secret

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # Cognito requires redirect_uri on every authorize request; the hosted UI checks it before Authlib runs.
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The scope to grant at /oauth2/authorize, or None (invalid_scope) when any requested one is not allowed.

        No scope means all of the client's scopes. `email`, `phone` and `profile` are OIDC scopes and need
        `openid` alongside them.
        """
        allowed = list(self.settings.allowed_oauth_scopes)
        requested = scope_to_list(scope) if scope else allowed
        if not requested or any(s not in allowed for s in requested):
            return None
        if set(requested) & {"email", "phone", "profile"} and "openid" not in requested:
            return None
        return " ".join(dict.fromkeys(requested))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.settings.callback_urls

    def check_logout_uri(self, logout_uri: str) -> bool:
        return logout_uri in self.settings.logout_urls

    def check_client_secret(self, client_secret: str) -> bool:
        return bool(self.client_secret) and hmac.compare_digest(self.client_secret.encode(), client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.is_public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        flow = {"code": "code", "token": "implicit"}.get(response_type)
        return self.oauth_enabled and flow in self.settings.allowed_oauth_flows

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "authorization_code":
            return self.oauth_enabled and "code" in self.settings.allowed_oauth_flows
        if grant_type == "client_credentials":
            return self.oauth_enabled and "client_credentials" in self.settings.allowed_oauth_flows
        if grant_type == "refresh_token":
            return "ALLOW_REFRESH_TOKEN_AUTH" in self.settings.explicit_auth_flows
        return False

    @property
    def oauth_enabled(self) -> bool:
        return self.settings.allowed_oauth_flows_user_pool_client

    def check_explicit_auth_flow(self, flow: str) -> bool:
        return flow in self.settings.explicit_auth_flows
