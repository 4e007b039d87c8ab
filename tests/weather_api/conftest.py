"""The weather API on loopback, trusting the fake IdP (tests/idp.py), and a client that calls it."""

from __future__ import annotations

import pytest

from tests.fixtures.weather_api import WeatherApiServer
from tests.idp import CLIENT_ID, MACHINE_CLIENT_ID
from webapp.environment import Issuer
from webapp.weather_api.settings import ApiSettings


def api_settings(idp, **changes) -> ApiSettings:
    defaults = dict(
        issuer=Issuer(idp.issuer, idp.metadata_url),
        client_ids=(CLIENT_ID, MACHINE_CLIENT_ID),
        http_timeout=2.0,
        jwks_refetch_interval=0.0,
        discovery_retry_interval=0.0,
    )
    return ApiSettings(**{**defaults, **changes})


@pytest.fixture(scope="session")
def api(fake_idp):
    """One API for the session: its discovery and JWKS caches stay warm, so tests must not change the IdP's keys
    (use `make_api` for those)."""
    api = WeatherApiServer(api_settings(fake_idp, jwks_refetch_interval=3600.0))
    yield api
    api.stop()


@pytest.fixture
def make_api(idp):
    """A fresh API (cold caches) for tests that play outages or key rotation."""
    started: list[WeatherApiServer] = []

    def make(**changes) -> WeatherApiServer:
        started.append(WeatherApiServer(api_settings(idp, **changes)))
        return started[-1]

    yield make
    for api in started:
        api.stop()
