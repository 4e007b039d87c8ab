"""Configuration: one clear error listing every problem; http only on loopback."""

import pytest

from webapp.demo.settings import WebSettings
from webapp.environment import ConfigError
from webapp.weather_api.settings import ApiSettings

GOOD = {
    "COGNITO_REGION": "eu-west-1",
    "COGNITO_USER_POOL_ID": "eu-west-1_AbC123xyZ",
    "COGNITO_CLIENT_ID": "abc",
    "COGNITO_DOMAIN": "https://myapp.auth.eu-west-1.amazoncognito.com",
    "APP_BASE_URL": "https://app.example.com",
    "WEATHER_API_URL": "https://api.example.com",
    "SECRET_KEY": "x" * 40,
}


def test_issuer_and_metadata_are_derived_from_the_pool():
    settings = WebSettings.from_env(GOOD)
    assert settings.issuer.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyZ"
    assert settings.issuer.metadata_url == settings.issuer.issuer + "/.well-known/openid-configuration"
    assert settings.issuer.api_endpoint == "https://cognito-idp.eu-west-1.amazonaws.com/"
    assert settings.redirect_uri == "https://app.example.com/callback"
    assert settings.secure_cookies


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as excinfo:
        WebSettings.from_env({"COGNITO_DOMAIN": "http://evil.example.com", "SECRET_KEY": "short"})
    message = str(excinfo.value)
    for fragment in ("COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID", "must use https", "SECRET_KEY"):
        assert fragment in message


@pytest.mark.parametrize(
    "url", ["http://localhost:9229", "http://127.0.0.1:9229", "http://[::1]:9229", "https://idp.example.com"]
)
def test_loopback_http_and_any_https_are_accepted(url):
    assert WebSettings.from_env({**GOOD, "COGNITO_DOMAIN": url}).cognito_domain == url


@pytest.mark.parametrize("url", ["http://10.0.0.1", "http://localhost.evil.com", "ftp://x", "https://x/?a=b",
                                 "http://[::1", "https://x:port"])
def test_other_urls_are_refused(url):
    with pytest.raises(ConfigError, match="COGNITO_DOMAIN"):
        WebSettings.from_env({**GOOD, "COGNITO_DOMAIN": url})


def test_region_must_match_pool():
    with pytest.raises(ConfigError, match="does not match"):
        WebSettings.from_env({**GOOD, "COGNITO_REGION": "us-east-1"})


def test_api_settings_need_client_ids():
    with pytest.raises(ConfigError, match="WEATHER_API_CLIENT_IDS"):
        ApiSettings.from_env({"COGNITO_ISSUER": "http://127.0.0.1:9229/us-east-1_x"})
    api = ApiSettings.from_env({"COGNITO_ISSUER": "http://127.0.0.1:9229/us-east-1_x",
                                "WEATHER_API_CLIENT_IDS": "a, b"})
    assert api.client_ids == ("a", "b")
    assert api.scope == "weatherapi/read"


def test_api_settings_take_the_same_http_timeout_as_the_web_app():
    env = {"COGNITO_ISSUER": "http://127.0.0.1:9229/us-east-1_x", "WEATHER_API_CLIENT_IDS": "a"}
    assert ApiSettings.from_env(env).http_timeout == WebSettings.http_timeout == 5.0
    assert ApiSettings.from_env({**env, "HTTP_TIMEOUT": "1.5"}).http_timeout == 1.5
    with pytest.raises(ConfigError, match="HTTP_TIMEOUT"):
        ApiSettings.from_env({**env, "HTTP_TIMEOUT": "never"})


def test_api_settings_cors_origins_and_trusting_the_authorizer_are_off_by_default():
    api = ApiSettings.from_env({"COGNITO_ISSUER": "http://127.0.0.1:9229/us-east-1_x", "WEATHER_API_CLIENT_IDS": "a"})
    assert api.cors_origins == () and not api.trust_authorizer


def test_api_settings_take_browser_origins_and_the_authorizer_switch():
    api = ApiSettings.from_env({
        "COGNITO_ISSUER": "http://127.0.0.1:9229/us-east-1_x", "WEATHER_API_CLIENT_IDS": "a",
        "WEATHER_API_CORS_ORIGINS": "https://spa.example.com, http://localhost:3000,https://x.example:8443",
        "WEATHER_API_TRUST_AUTHORIZER": "1",
    })
    assert api.cors_origins == ("https://spa.example.com", "http://localhost:3000", "https://x.example:8443")
    assert api.trust_authorizer


@pytest.mark.parametrize("origin", ["*", "https://spa.example.com/", "https://spa.example.com/app", "spa.example.com",
                                    "http://spa.example.com", "https://user@spa.example.com", "https://x?a=b",
                                    "HTTPS://spa.example.com", "null", "http://[::1", "https://x:port"])
def test_anything_but_an_origin_is_refused(origin):
    with pytest.raises(ConfigError, match="WEATHER_API_CORS_ORIGINS"):
        ApiSettings.from_env({"COGNITO_ISSUER": "http://127.0.0.1:9229/us-east-1_x", "WEATHER_API_CLIENT_IDS": "a",
                              "WEATHER_API_CORS_ORIGINS": f"https://ok.example,{origin}"})


@pytest.mark.parametrize("value", ["yes", "true", "2", "on"])
def test_the_authorizer_switch_is_1_or_0(value):
    with pytest.raises(ConfigError, match="WEATHER_API_TRUST_AUTHORIZER"):
        ApiSettings.from_env({"COGNITO_ISSUER": "http://127.0.0.1:9229/us-east-1_x", "WEATHER_API_CLIENT_IDS": "a",
                              "WEATHER_API_TRUST_AUTHORIZER": value})
