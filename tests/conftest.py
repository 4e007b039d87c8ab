"""Fixtures shared by every suite: settings built directly, the app and its client, real servers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.servers import RedisServer, require_binary
from webapp import create_app
from webapp.demo.settings import WebSettings
from webapp.environment import Issuer

# Each component's real-server fixtures live in its own module, usable from every suite.
pytest_plugins = ["tests.fixtures.local_cognito", "tests.fixtures.weather_api", "tests.fixtures.webapp",
                  "tests.fixtures.example_app"]

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture
def settings() -> WebSettings:
    issuer = "http://127.0.0.1:9/us-east-1_TestPool"
    return WebSettings(
        issuer=Issuer(issuer, f"{issuer}/.well-known/openid-configuration"),
        client_id="testclient",
        client_secret="testsecret",
        cognito_domain="http://127.0.0.1:9",
        scopes="openid email profile weatherapi/read",
        app_base_url="http://localhost:5000",
        weather_api_url="http://127.0.0.1:9",
        secret_key=TEST_SECRET,
    )


@pytest.fixture
def app(settings, tmp_path):
    return create_app(replace(settings, session_dir=settings.session_dir or str(tmp_path / "sessions")))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = RedisServer(require_binary("redis", "redis-server"), tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()
