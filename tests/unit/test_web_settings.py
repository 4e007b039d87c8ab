"""The web app's session and token settings: sensible defaults, one clear error for bad values."""

import pytest

from webapp.demo.settings import WebSettings
from webapp.environment import ConfigError

BASE = {
    "COGNITO_ISSUER": "http://127.0.0.1:9229/us-east-1_Pool",
    "COGNITO_CLIENT_ID": "abc",
    "COGNITO_DOMAIN": "http://127.0.0.1:9229",
    "SECRET_KEY": "x" * 40,
}


def test_defaults():
    settings = WebSettings.from_env(BASE)
    assert settings.session_idle_timeout == 30 * 60
    assert settings.session_absolute_lifetime == 8 * 60 * 60
    assert settings.token_refresh_margin == 5 * 60
    assert settings.http_timeout == 5.0
    assert settings.session_redis_url is None and settings.session_dir is None


def test_values_from_the_environment():
    settings = WebSettings.from_env({
        **BASE, "SESSION_IDLE_TIMEOUT": "600", "SESSION_ABSOLUTE_LIFETIME": "3600", "TOKEN_REFRESH_MARGIN": "60",
        "HTTP_TIMEOUT": "2.5", "SESSION_REDIS_URL": "redis://127.0.0.1:6379/0", "SESSION_DIR": "/var/lib/app",
    })
    assert (settings.session_idle_timeout, settings.session_absolute_lifetime) == (600, 3600)
    assert (settings.token_refresh_margin, settings.http_timeout) == (60, 2.5)
    assert settings.session_redis_url == "redis://127.0.0.1:6379/0" and settings.session_dir == "/var/lib/app"


def test_bad_values_are_all_reported_at_once():
    with pytest.raises(ConfigError) as excinfo:
        WebSettings.from_env({
            **BASE, "SESSION_IDLE_TIMEOUT": "soon", "SESSION_ABSOLUTE_LIFETIME": "-1", "TOKEN_REFRESH_MARGIN": "0",
            "HTTP_TIMEOUT": "120", "SESSION_REDIS_URL": "http://127.0.0.1:6379",
        })
    message = str(excinfo.value)
    for name in ("SESSION_IDLE_TIMEOUT", "SESSION_ABSOLUTE_LIFETIME", "TOKEN_REFRESH_MARGIN", "HTTP_TIMEOUT",
                 "SESSION_REDIS_URL"):
        assert name in message
