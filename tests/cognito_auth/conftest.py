"""Web app tests against a scripted Hosted UI (tests/cognito_auth/scripted_idp.py) and the FakeIdp's keys.

`scripted_webapp(**overrides)` starts a web app whose IdP is the FakeIdp (discovery, JWKS) plus the scripted
Hosted UI domain (token, revocation, logout); `Flow` drives one sign-in through its callback.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.conftest import TEST_SECRET
from tests.fixtures.webapp import close_circuits, serve_webapp
from tests.idp import CLIENT_ID, FakeIdp
from tests.cognito_auth.scripted_idp import ScriptedHostedUi
from webapp.demo.settings import WebSettings
from webapp.environment import Issuer

CLIENT_SECRET = "scripted-client-secret"


@pytest.fixture(scope="session")
def scripted_hosted_ui(fake_idp):
    hosted = ScriptedHostedUi(fake_idp)
    yield hosted
    hosted.stop()


@pytest.fixture
def hosted(idp, scripted_hosted_ui):
    """The scripted Hosted UI, reset, with the FakeIdp's discovery pointing at it."""
    scripted_hosted_ui.reset()
    scripted_hosted_ui.point_discovery_here()
    yield scripted_hosted_ui
    scripted_hosted_ui.reset()


def scripted_settings(hosted: ScriptedHostedUi, url: str, **overrides) -> WebSettings:
    idp: FakeIdp = hosted.idp
    settings = WebSettings(
        issuer=Issuer(idp.issuer, idp.metadata_url),
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        cognito_domain=hosted.url,
        scopes="openid email profile weatherapi/read",
        app_base_url=url,
        weather_api_url="http://127.0.0.1:9",
        secret_key=TEST_SECRET,
        http_timeout=1.0,
    )
    return replace(settings, **overrides)


@pytest.fixture
def scripted_webapp(hosted, tmp_path):
    """A factory of web apps against the scripted IdP, each with its own settings, stopped after the test."""
    started = []

    def factory(**overrides):
        overrides.setdefault("session_dir", str(tmp_path / f"sessions-{len(started)}"))
        running = serve_webapp(lambda url: scripted_settings(hosted, url, **overrides))
        started.append(running)
        return running

    yield factory
    for running in started:
        running.stop()


@pytest.fixture(scope="module")
def shared_scripted_webapp(scripted_hosted_ui, tmp_path_factory):
    """One web app with default settings for a whole module (it fetches discovery on first use, in a test that
    has pointed it at the scripted Hosted UI through the `hosted` fixture)."""
    session_dir = str(tmp_path_factory.mktemp("sessions"))
    running = serve_webapp(lambda url: scripted_settings(scripted_hosted_ui, url, session_dir=session_dir))
    yield running
    running.stop()


@pytest.fixture
def app_url(shared_scripted_webapp, hosted):
    close_circuits(shared_scripted_webapp.app)
    return shared_scripted_webapp.url


@dataclass
class Flow:
    """One sign-in started at the web app: the authorization request's parameters, as the Hosted UI got them."""

    http: requests.Session
    app_url: str
    params: dict

    @classmethod
    def start(cls, http: requests.Session, app_url: str, next: str | None = None) -> "Flow":
        response = http.get(f"{app_url}/login", params={"next": next} if next else None, allow_redirects=False)
        assert response.status_code == 302, response.text
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        return cls(http, app_url, {name: values[0] for name, values in query.items()})

    @property
    def state(self) -> str:
        return self.params["state"]

    @property
    def nonce(self) -> str:
        return self.params["nonce"]

    def callback(self, **params) -> requests.Response:
        params = {"code": "the-code", "state": self.state, **params}
        return self.http.get(f"{self.app_url}/callback", params=params, allow_redirects=False)


def token_response(idp: FakeIdp, nonce: str | None, *, sub: str | None = None, access: dict | None = None,
                   id: dict | None = None, refresh_token: str | None = "refresh-1") -> dict:
    """A token endpoint answer with an access token and a matching ID token (claims overridable)."""
    sub = sub or str(uuid.uuid4())
    access_token = idp.access_token(sub=sub, **(access or {}))
    id_claims = {"sub": sub, **({"nonce": nonce} if nonce else {}), **(id or {})}
    answer = {
        "access_token": access_token,
        "id_token": idp.id_token(access_token=access_token, **id_claims),
        "token_type": "Bearer",
        "expires_in": 3600,
    }
    if refresh_token:
        answer["refresh_token"] = refresh_token
    return answer


def scripted_sign_in(http: requests.Session, app_url: str, hosted: ScriptedHostedUi, *, next: str | None = None,
                     **token_options) -> requests.Response:
    """A complete sign-in through the scripted Hosted UI; returns the callback's response (a redirect)."""
    flow = Flow.start(http, app_url, next=next)
    hosted.answer_tokens(token_response(hosted.idp, flow.nonce, **token_options))
    response = flow.callback()
    assert response.status_code == 302, response.text
    return response
