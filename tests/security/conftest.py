"""Fixtures of the adversarial suite: the hostile IdP, web apps and weather APIs that trust it, hostile browsers.

- `hostile` (per test): the session's `HostileIdp`, reset (honest, default keys and documents) before and after.
- `rp`: one web app (the relying party) for the session, configured against the hostile IdP; `fresh_rp(**changes)`
  builds a new one with other `WebSettings` (cold discovery and JWKS caches), stopped after the test.
- `refreshing_rp`: a web app that refreshes the tokens on every use of the access token.
- `browser` / `another_browser`: hostile browsers on `rp`.
- `api`: one weather API for the session trusting the hostile IdP, caches warm and slow to refetch;
  `fresh_api(**changes)` builds one with other `ApiSettings`.
- `case(id, *values, source=..., expect=...)`: a `pytest.param` carrying its conformance marker.

The sessions cases (`test_asvs_sessions.py`) use the real sign-in against the local Cognito instead
(`webapp_factory`, `sign_in` from tests/fixtures/webapp.py).
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from tests.conftest import TEST_SECRET
from tests.fixtures.weather_api import WeatherApiServer
from tests.fixtures.webapp import close_circuits, serve_webapp
from tests.idp import CLIENT_ID, MACHINE_CLIENT_ID, past_half_life
from tests.security.conformance_report import ConformanceReport
from tests.security.hostile_browser import HostileBrowser
from tests.security.hostile_idp import HostileIdp
from webapp.demo.settings import WebSettings
from webapp.environment import Issuer
from webapp.weather_api.settings import ApiSettings


def pytest_configure(config):
    if not config.pluginmanager.has_plugin("security-conformance"):
        config.pluginmanager.register(ConformanceReport(), "security-conformance")


def case(id: str, *values, source: str, expect: str):
    """One parametrized case with its source and expected behaviour (the row of the conformance table)."""
    return pytest.param(*values, id=id, marks=pytest.mark.conformance(source=source, expect=expect))


@pytest.fixture(scope="session")
def hostile_idp():
    idp = HostileIdp()
    yield idp
    idp.stop()


@pytest.fixture
def hostile(hostile_idp):
    hostile_idp.reset()
    yield hostile_idp
    hostile_idp.reset()


def rp_settings(idp: HostileIdp, url: str, **changes) -> WebSettings:
    idp.allow_app(url)
    settings = WebSettings(
        issuer=Issuer(idp.issuer, idp.metadata_url),
        client_id=CLIENT_ID,
        client_secret=idp.client_secret,
        cognito_domain=idp.url,
        scopes="openid email profile weatherapi/read",
        app_base_url=url,
        weather_api_url="http://127.0.0.1:9",
        secret_key=TEST_SECRET,
        http_timeout=1.0,
    )
    return replace(settings, **changes)


@pytest.fixture(scope="session")
def rp(hostile_idp, tmp_path_factory):
    sessions = str(tmp_path_factory.mktemp("rp-sessions"))
    running = serve_webapp(lambda url: rp_settings(hostile_idp, url, session_dir=sessions))
    yield running
    running.stop()


@pytest.fixture
def fresh_rp(hostile, tmp_path):
    started = []

    def make(**changes):
        changes.setdefault("session_dir", str(tmp_path / f"sessions-{len(started)}"))
        started.append(serve_webapp(lambda url: rp_settings(hostile, url, **changes)))
        return started[-1]

    yield make
    for running in started:
        running.stop()


@pytest.fixture
def browser(rp, hostile) -> HostileBrowser:
    close_circuits(rp.app)
    return HostileBrowser(rp.url)


@pytest.fixture
def another_browser(rp, hostile) -> HostileBrowser:
    return HostileBrowser(rp.url)


def api_settings(idp: HostileIdp, **changes) -> ApiSettings:
    defaults = dict(
        issuer=Issuer(idp.issuer, idp.metadata_url),
        client_ids=(CLIENT_ID, MACHINE_CLIENT_ID),
        http_timeout=1.0,
        jwks_refetch_interval=3600.0,
        discovery_retry_interval=0.0,
    )
    return ApiSettings(**{**defaults, **changes})


@pytest.fixture(scope="session")
def api(hostile_idp):
    server = WeatherApiServer(api_settings(hostile_idp))
    yield server
    server.stop()


@pytest.fixture
def fresh_api(hostile):
    started: list[WeatherApiServer] = []

    def make(**changes) -> WeatherApiServer:
        started.append(WeatherApiServer(api_settings(hostile, **changes)))
        return started[-1]

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def always_refreshing_rp(hostile_idp, tmp_path_factory):
    """A web app whose refresh margin exceeds any token's lifetime (the tokens' half-life still bounds it)."""
    sessions = str(tmp_path_factory.mktemp("refreshing-rp-sessions"))
    running = serve_webapp(
        lambda url: rp_settings(hostile_idp, url, session_dir=sessions, token_refresh_margin=10**6)
    )
    yield running
    running.stop()


@pytest.fixture
def refreshing_rp(always_refreshing_rp, hostile):
    """A web app that refreshes the tokens on every use of the access token (the profile page uses it): the
    hostile IdP issues access tokens past their half-life, which the huge margin makes due at once."""
    hostile.access_defaults = past_half_life()
    close_circuits(always_refreshing_rp.app)
    return always_refreshing_rp


def entropy_bits(value: str) -> float:
    """An upper bound on the randomness of a token drawn from the URL-safe alphabet: length x log2(alphabet)."""
    alphabet = 64 if any(c in "-_" for c in value) else 62
    return len(value) * math.log2(alphabet)
