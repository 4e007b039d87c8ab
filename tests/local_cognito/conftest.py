"""Helpers for the local Cognito's own tests: a cookie-keeping user agent that signs in through real HTTP."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from tests.local_cognito.accounts_support import cognito_idp

WEB_CALLBACK = "http://localhost:5000/callback"
WEB_SIGNED_OUT = "http://localhost:5000/signed-out"
WEB_SCOPE = "openid email profile weatherapi/read"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def fragment(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).fragment, keep_blank_values=True).items()}


class Browser:
    """A user agent with a cookie jar that stops at every redirect, so tests can see each hop."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()

    def get(self, url: str, **params) -> requests.Response:
        return self.http.get(urljoin(self.base_url, url), params=params or None, allow_redirects=False, timeout=10)

    def follow_to_login(self, authorize_url: str) -> requests.Response:
        response = self.get(authorize_url)
        assert response.status_code == 302, response.text
        return self.get(response.headers["Location"])

    def submit(self, page: requests.Response, **fields: str) -> requests.Response:
        """Post the page's form back to the URL it came from, with its CSRF token."""
        match = CSRF_FIELD.search(page.text)
        assert match, "the page has no CSRF token"
        data = {"csrf_token": match.group(1) or match.group(2), **fields}
        return self.http.post(page.url, data=data, allow_redirects=False, timeout=10)

    def sign_in(self, authorize_url: str, email: str, password: str) -> str:
        """Sign in through the Hosted UI; the redirect back to the client (with code or error)."""
        page = self.follow_to_login(authorize_url)
        assert page.status_code == 200, page.text
        response = self.submit(page, username=email, password=password)
        assert response.status_code == 302, response.text
        return response.headers["Location"]


@dataclass
class CodeFlow:
    """One client's code flow with PKCE, driven by Authlib's own OAuth client."""

    session: OAuth2Session
    endpoints: dict
    code_verifier: str
    nonce: str

    def authorization_url(self, **extra) -> tuple[str, str]:
        return self.session.create_authorization_url(
            self.endpoints["authorization_endpoint"], code_verifier=self.code_verifier, nonce=self.nonce, **extra)

    def fetch_token(self, callback_url: str, **extra) -> dict:
        return self.session.fetch_token(self.endpoints["token_endpoint"], authorization_response=callback_url,
                                        code_verifier=self.code_verifier, **extra)


@pytest.fixture
def browser(local_cognito) -> Browser:
    return Browser(local_cognito.url)


@pytest.fixture(scope="session")
def endpoints(local_cognito) -> dict:
    return requests.get(f"{local_cognito.issuer}/.well-known/openid-configuration", timeout=10).json()


def make_code_flow(local_cognito, endpoints, client="web", scope=WEB_SCOPE, redirect_uri=WEB_CALLBACK,
                   auth_method="client_secret_basic") -> CodeFlow:
    info = local_cognito.clients[client]
    if not info.client_secret:
        auth_method = "none"  # a public client sends only its client_id
    session = OAuth2Session(info.client_id, info.client_secret, scope=scope, redirect_uri=redirect_uri,
                            code_challenge_method="S256", token_endpoint_auth_method=auth_method)
    return CodeFlow(session, endpoints, secrets.token_urlsafe(48), secrets.token_urlsafe(16))


@pytest.fixture
def code_flow(local_cognito, endpoints) -> CodeFlow:
    return make_code_flow(local_cognito, endpoints)


@pytest.fixture
def signed_in_tokens(local_cognito, browser, code_flow) -> dict:
    """A fresh token response for the demo user through the web client."""
    url, _ = code_flow.authorization_url()
    callback = browser.sign_in(url, local_cognito.demo_user.email, local_cognito.demo_user.password)
    return code_flow.fetch_token(callback)


@pytest.fixture(scope="session")
def jwks_client(local_cognito) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(f"{local_cognito.issuer}/.well-known/jwks.json", cache_keys=False)


def template_with_clients(directory, **extra_clients) -> str:
    """The deployment template plus more app clients (CloudFormation properties by logical id)."""
    import yaml

    from local_cognito import DEFAULT_TEMPLATE
    from local_cognito.template import CloudFormationLoader

    document = yaml.load(DEFAULT_TEMPLATE.read_text(), Loader=CloudFormationLoader)  # noqa: S506
    for logical_id, properties in extra_clients.items():
        document["Resources"][logical_id] = {"Type": "AWS::Cognito::UserPoolClient",
                                             "Properties": {"UserPoolId": {"Ref": "UserPool"}, **properties}}
    path = directory / "template.yaml"
    path.write_text(yaml.safe_dump(document))
    return str(path)


ROTATING_CLIENT = {
    "ClientName": "rotating", "GenerateSecret": True, "AllowedOAuthFlowsUserPoolClient": True,
    "AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid", "email"], "CallbackURLs": [WEB_CALLBACK],
    "LogoutURLs": [WEB_SIGNED_OUT], "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
    "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10},
}
NO_REVOCATION_CLIENT = {
    "ClientName": "norevoke", "GenerateSecret": False, "AllowedOAuthFlowsUserPoolClient": True,
    "AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"], "CallbackURLs": [WEB_CALLBACK],
    "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"], "EnableTokenRevocation": False,
}

IMPLICIT_CLIENT = {
    "ClientName": "implicit", "GenerateSecret": False, "AllowedOAuthFlowsUserPoolClient": True,
    "AllowedOAuthFlows": ["implicit"], "AllowedOAuthScopes": ["openid", "email"], "CallbackURLs": [WEB_CALLBACK],
}
SCRATCH_CLIENT = {**NO_REVOCATION_CLIENT, "ClientName": "scratch"}  # for tests that rewrite a client's settings


@pytest.fixture(scope="session")
def other_pool(tmp_path_factory):
    """A pool of its own, with a rotating, a non-revoking and a scratch client (settings tests change it)."""
    from tests.fixtures.local_cognito import start_local_cognito

    directory = tmp_path_factory.mktemp("other-pool")
    template = template_with_clients(directory, RotatingClient=ROTATING_CLIENT, NoRevokeClient=NO_REVOCATION_CLIENT,
                                     ScratchClient=SCRATCH_CLIENT, ImplicitClient=IMPLICIT_CLIENT)
    handle = start_local_cognito(directory / "state", template=template)
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def other_endpoints(other_pool) -> dict:
    return requests.get(f"{other_pool.issuer}/.well-known/openid-configuration", timeout=10).json()


def token_request(local_cognito, client: str | None = "web", *, auth: str = "basic", secret: str | None = None,
                  **form) -> requests.Response:
    """A raw POST to /oauth2/token, authenticated as `client` the way `auth` says."""
    headers = {}
    if client is not None:
        info = local_cognito.clients[client]
        secret = info.client_secret if secret is None else secret
        if auth == "basic" and secret:
            import base64

            headers["Authorization"] = "Basic " + base64.b64encode(f"{info.client_id}:{secret}".encode()).decode()
        else:
            form["client_id"] = info.client_id
            if auth == "post" and secret:
                form["client_secret"] = secret
    return requests.post(f"{local_cognito.url}/oauth2/token", data=form, headers=headers, timeout=10)


# -- the JSON API's own pool (tests/local_cognito/test_json_api_*.py) ----------------------------------------------
SCRIPTED_CLIENT = {  # a confidential client for the password flow: every call carries a SECRET_HASH
    "ClientName": "scripted", "GenerateSecret": True,
    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
}
LEGACY_CLIENT = {  # PreventUserExistenceErrors LEGACY: says when an account does not exist
    "ClientName": "legacy", "GenerateSecret": False, "PreventUserExistenceErrors": "LEGACY",
    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
}
ADMIN_CLIENT = {  # a back end's client: administrators' password flow and SRP, with a secret
    "ClientName": "admin", "GenerateSecret": True,
    "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
}


@pytest.fixture(scope="session")
def api_pool(tmp_path_factory):
    """A pool of its own with the template's clients plus `scripted` (secret), `legacy`, `admin` (secret, admin
    password flow, SRP) and `scratch` (for tests that rewrite a client's settings)."""
    from tests.fixtures.local_cognito import start_local_cognito

    directory = tmp_path_factory.mktemp("api-pool")
    template = template_with_clients(directory, ScriptedClient=SCRIPTED_CLIENT, LegacyClient=LEGACY_CLIENT,
                                     AdminClient=ADMIN_CLIENT, ScratchClient=SCRATCH_CLIENT)
    handle = start_local_cognito(directory / "state", template=template)
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def mfa_on_pool(tmp_path_factory):
    """A pool whose template says `MfaConfiguration: ON` (TOTP): every user must set up an authenticator."""
    import yaml

    directory = tmp_path_factory.mktemp("mfa-on-pool")
    path = template_with_clients(directory, AdminClient=ADMIN_CLIENT)
    with open(path) as file:
        document = yaml.safe_load(file)
    document["Resources"]["UserPool"]["Properties"]["MfaConfiguration"] = "ON"
    with open(path, "w") as file:
        yaml.safe_dump(document, file)
    from tests.fixtures.local_cognito import start_local_cognito

    handle = start_local_cognito(directory / "state", template=path)
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def idp(api_pool):
    """boto3's cognito-idp client for the JSON API tests' pool."""
    return cognito_idp(api_pool)


@pytest.fixture(scope="module")
def cli(api_pool) -> str:
    return api_pool.clients["cli"].client_id
