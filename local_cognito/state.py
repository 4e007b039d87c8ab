"""One local user pool: its template configuration, persistent store, keys, token issuer and OAuth server.

`LocalCognito` is what `create_app` keeps in `app.extensions["local_cognito"]`; the command-line tools build
one too (they share the state directory with a running server).
"""

from __future__ import annotations

import json
import secrets
import string
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from local_cognito import pre_token_generation
from local_cognito.account_store import AccountStore
from local_cognito.clients import AppClient
from local_cognito.keys import KeyRing
from local_cognito.lockout import Lockout
from local_cognito.mfa import SoftwareTokens
from local_cognito.oauth import CognitoAuthorizationServer
from local_cognito.store import CONFIRMED, Store
from local_cognito.template import PoolConfig, TemplateError, load_pool_config
from local_cognito.token_issuer import TokenIssuer

DEMO_EMAIL = "demo@example.com"
DEMO_GROUP = "demo-users"
LOWER_ALNUM = string.ascii_lowercase + string.digits
ALNUM = string.ascii_letters + string.digits


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_pool_id(region: str) -> str:
    """Shaped like Cognito's, e.g. `us-east-1_AbC123xyZ`."""
    return f"{region}_{_random(ALNUM, 9)}"


def new_client_id() -> str:
    """26 lower-case letters and digits, like Cognito's app client ids."""
    return _random(LOWER_ALNUM, 26)


def new_client_secret() -> str:
    """51 lower-case letters and digits, like Cognito's app client secrets."""
    return _random(LOWER_ALNUM, 51)


def new_demo_password() -> str:
    """Random, and meets the template's default policy (lower, upper, digit, symbol, 8+ characters)."""
    return f"Demo-{_random(ALNUM, 10)}7a!"


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str


class LocalCognito:
    """Everything one running pool needs, built from the template and the state directory."""

    def __init__(self, *, state_dir: str | Path, base_url: str, template: str | Path, region: str = "us-east-1",
                 parameters: Mapping[str, str] | None = None, clock: Callable[[], float] = time.time,
                 token_lifetime: int | None = None):
        self.clock = clock
        self.store = Store(state_dir, clock, new_pool_id=lambda: new_pool_id(region))
        self.pool_id = self.store.pool_id
        self.region = self.pool_id.split("_", 1)[0]
        self.config: PoolConfig = self._load_template(template, parameters)
        self.base_url = base_url.rstrip("/")
        self.issuer = f"{self.base_url}/{self.pool_id}"
        self.secret_key = self.store.meta("flask_secret_key", lambda: secrets.token_urlsafe(32)) or ""
        self.keys = KeyRing(self.store)
        self.keys.ensure_keys()
        self.accounts = AccountStore(self.store)
        self.lockout = Lockout(self.store)
        self.software_tokens = SoftwareTokens(self.store)
        self.tokens = TokenIssuer(issuer=self.issuer, keys=self.keys, store=self.store, clock=clock,
                                  lifetime_override=token_lifetime, claims_hook=self._pre_token_generation(template))
        self._sync_template()
        self.demo_user = self._ensure_demo_user()
        self.oauth = CognitoAuthorizationServer(store=self.store, tokens=self.tokens,
                                                custom_scopes=self.config.custom_scopes)

    def _load_template(self, template: str | Path, parameters: Mapping[str, str] | None) -> PoolConfig:
        """The template with `parameters`, which the state directory keeps: like a stack's, a pool's parameters stay
        as they were last given, so a command given none (`env`, `rotate-keys`) does not undo a server's (the web
        app's URLs of a `make run` on other ports)."""
        kept = json.loads(self.store.meta("template_parameters") or "{}")
        config = load_pool_config(template, region=self.region, parameters=kept if parameters is None else parameters)
        if parameters is not None:
            self.store.set_meta("template_parameters", json.dumps(dict(parameters)))
        return config

    def _pre_token_generation(self, template: str | Path) -> pre_token_generation.PreTokenGeneration | None:
        try:
            trigger = pre_token_generation.load(self.config)
        except TemplateError as error:
            raise TemplateError(f"{template}: {error}") from error
        if trigger is None:
            return None
        return pre_token_generation.PreTokenGeneration(*trigger, config=self.config, region=self.region,
                                                       pool_id=self.pool_id, store=self.store)

    def _sync_template(self) -> None:
        for settings in self.config.clients.values():
            self.store.sync_client(settings, new_client_id, new_client_secret)
        for group in self.config.groups:
            self.store.ensure_group(group.name, group.description, group.precedence)

    def _ensure_demo_user(self) -> DemoUser:
        """On first start, a confirmed demo user with a verified email, in the demo group."""
        password = self.store.meta("demo_password", new_demo_password) or ""
        if self.store.meta("demo_user_sub") is None:
            user = self.store.find_user(DEMO_EMAIL) or self.store.create_user(
                login=DEMO_EMAIL, password=password, status=CONFIRMED,
                attributes={"email": DEMO_EMAIL, "email_verified": "true"})
            self.store.ensure_group(DEMO_GROUP, "People who may try the demo")
            self.store.add_to_group(user.sub, DEMO_GROUP)
            self.store.meta("demo_user_sub", lambda: user.sub)
        return DemoUser(DEMO_EMAIL, password)

    def _may_call_apis(self, client: AppClient) -> bool:
        """Whether `client`'s tokens can carry a resource server's scope: granted through its OAuth scopes, or
        added by the pool's pre-token-generation trigger to password-flow tokens (the cli client's case)."""
        if any(scope in self.config.custom_scopes for scope in client.settings.allowed_oauth_scopes):
            return True
        return "PreTokenGenerationConfig" in self.config.lambda_config and (
            "ALLOW_USER_PASSWORD_AUTH" in client.settings.explicit_auth_flows)

    def environment(self) -> dict[str, str]:
        """Environment assignments for local runs of the web app, the weather API and the machine and CLI clients."""
        env = {
            "COGNITO_REGION": self.region,
            "COGNITO_USER_POOL_ID": self.pool_id,
            "COGNITO_ISSUER": self.issuer,
            "COGNITO_DOMAIN": self.base_url,
        }
        clients = {client.name: client for client in self.store.clients()}
        if "web" in clients:
            env["COGNITO_CLIENT_ID"] = clients["web"].client_id
            if clients["web"].client_secret:
                env["COGNITO_CLIENT_SECRET"] = clients["web"].client_secret
            # Where the pool sends sign-ins back (the template's WebAppBaseUrl): the web app's own address.
            bases = {url.removesuffix("/callback") for url in clients["web"].settings.callback_urls
                     if url.endswith("/callback")}
            if len(bases) == 1:
                env["APP_BASE_URL"] = bases.pop()
        # Made once per pool and kept with it: every local run of the web app (`make run`, or the web app alone)
        # signs and seals its sessions with the same key, so they survive restarts and are shared between the two.
        env["SECRET_KEY"] = self.store.meta("webapp_secret_key", lambda: secrets.token_urlsafe(48)) or ""
        env["WEATHER_API_CLIENT_IDS"] = ",".join(c.client_id for c in clients.values() if self._may_call_apis(c))
        for client in clients.values():
            if client.name == "web":
                continue
            prefix = client.name.upper().replace("-", "_")
            env[f"{prefix}_CLIENT_ID"] = client.client_id
            if client.client_secret:
                env[f"{prefix}_CLIENT_SECRET"] = client.client_secret
        env["DEMO_USER_EMAIL"] = self.demo_user.email
        env["DEMO_USER_PASSWORD"] = self.demo_user.password
        return env
