"""OIDC discovery against a real server on loopback: the issuer check Authlib skips, safe endpoints, the Hosted UI
domain check, and lazy fetching that survives an outage."""

from __future__ import annotations

import pytest

from tests.servers import free_port
from webapp.cognito_jwt.discovery import (
    API_ENDPOINTS,
    WEB_APP_ENDPOINTS,
    DiscoveryError,
    DiscoveryFetchError,
    InsecureEndpointError,
    IssuerMismatchError,
    LazyMetadata,
    check_metadata,
    check_on_domain,
    fetch_metadata,
)


def serve(idp, **changes) -> None:
    document = {**idp.discovery(), **changes}
    idp.respond(idp.metadata_path, {k: v for k, v in document.items() if v is not None})


def raises_exactly(error_class, call, *args, **kwargs):
    with pytest.raises(DiscoveryError) as caught:
        call(*args, **kwargs)
    assert type(caught.value) is error_class, f"{type(caught.value).__name__}: {caught.value}"


def test_good_document(idp):
    metadata = fetch_metadata(idp.metadata_url, idp.issuer, required=WEB_APP_ENDPOINTS)
    assert metadata["issuer"] == idp.issuer and metadata["jwks_uri"] == idp.jwks_uri
    assert metadata["token_endpoint"] == f"{idp.url}/oauth2/token"
    check_on_domain(metadata, idp.url)


@pytest.mark.parametrize(
    "issuer",
    ["{issuer}/", "{issuer_upper}", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other", None, 7],
    ids=["trailing-slash", "case", "other-pool", "absent", "number"],
)
def test_issuer_must_equal_the_configured_one_exactly(idp, issuer):
    if isinstance(issuer, str):
        issuer = issuer.format(issuer=idp.issuer, issuer_upper=idp.issuer.upper())
    serve(idp, issuer=issuer)
    raises_exactly(IssuerMismatchError, fetch_metadata, idp.metadata_url, idp.issuer)


@pytest.mark.parametrize(
    "jwks_uri",
    [None, "", "http://cognito.example.com/jwks.json", "ftp://127.0.0.1/jwks.json", "/relative/jwks.json",
     "https:///no-host", "http://127.0.0.1:notaport/jwks.json", ["https://example.com/jwks.json"],
     "http://127.0.0.1.evil.example/jwks.json", "http://localhost.evil.example/jwks.json"],
    ids=["absent", "empty", "plain-http-remote", "ftp", "relative", "no-host", "bad-port", "list",
         "loopback-lookalike", "localhost-lookalike"],
)
def test_jwks_uri_must_be_https_or_loopback_http(idp, jwks_uri):
    serve(idp, jwks_uri=jwks_uri)
    raises_exactly(InsecureEndpointError, fetch_metadata, idp.metadata_url, idp.issuer)


@pytest.mark.parametrize("jwks_uri", ["https://cognito-idp.us-east-1.amazonaws.com/p/.well-known/jwks.json",
                                      "http://localhost:9229/p/jwks.json", "http://[::1]:9229/p/jwks.json"])
def test_acceptable_jwks_uris(idp, jwks_uri):
    serve(idp, jwks_uri=jwks_uri)
    assert fetch_metadata(idp.metadata_url, idp.issuer)["jwks_uri"] == jwks_uri


@pytest.mark.parametrize("name", WEB_APP_ENDPOINTS[1:])
def test_web_app_endpoints_required_only_for_the_web_app(idp, name):
    serve(idp, **{name: None})
    assert fetch_metadata(idp.metadata_url, idp.issuer, required=API_ENDPOINTS)
    raises_exactly(InsecureEndpointError, fetch_metadata, idp.metadata_url, idp.issuer, required=WEB_APP_ENDPOINTS)


@pytest.mark.parametrize("name", WEB_APP_ENDPOINTS[1:])
def test_web_app_endpoints_must_not_be_plain_http_off_loopback(idp, name):
    serve(idp, **{name: "http://auth.example.com/x"})
    raises_exactly(InsecureEndpointError, fetch_metadata, idp.metadata_url, idp.issuer, required=WEB_APP_ENDPOINTS)


@pytest.mark.parametrize(
    "domain",
    ["https://myapp.auth.us-east-1.amazoncognito.com", "http://127.0.0.2:{port}", "http://127.0.0.1:1",
     "https://127.0.0.1:{port}"],
    ids=["other-host", "other-loopback-host", "other-port", "other-scheme"],
)
def test_endpoints_must_be_on_the_hosted_ui_domain(idp, domain):
    metadata = fetch_metadata(idp.metadata_url, idp.issuer, required=WEB_APP_ENDPOINTS)
    raises_exactly(InsecureEndpointError, check_on_domain, metadata, domain.format(port=idp.server.port))


def test_one_endpoint_off_the_domain_is_enough_to_refuse(idp):
    serve(idp, token_endpoint="https://attacker.example/oauth2/token")
    metadata = fetch_metadata(idp.metadata_url, idp.issuer, required=WEB_APP_ENDPOINTS)
    raises_exactly(InsecureEndpointError, check_on_domain, metadata, idp.url)


def test_default_ports_are_the_same_origin():
    metadata = check_metadata(
        {"issuer": "https://i.example/p", "jwks_uri": "https://i.example/p/jwks",
         **{name: f"https://auth.example:443/{name}" for name in WEB_APP_ENDPOINTS[1:]}},
        "https://i.example/p", WEB_APP_ENDPOINTS,
    )
    check_on_domain(metadata, "https://AUTH.example")


@pytest.mark.parametrize(
    "body, status",
    [("not json", 200), (["a list"], 200), ({"error": "gone"}, 404), ("", 500), ({}, 301)],
    ids=["not-json", "not-an-object", "404", "500", "redirect"],
)
def test_unusable_responses(idp, body, status):
    idp.respond(idp.metadata_path, body, status=status)
    raises_exactly(DiscoveryFetchError, fetch_metadata, idp.metadata_url, idp.issuer)


def test_unreachable():
    url = f"http://127.0.0.1:{free_port()}/p/.well-known/openid-configuration"
    raises_exactly(DiscoveryFetchError, fetch_metadata, url, "http://127.0.0.1/p", timeout=2)


def test_timeout(idp):
    idp.delay = 1.0
    raises_exactly(DiscoveryFetchError, fetch_metadata, idp.metadata_url, idp.issuer, timeout=0.1)
    idp.wait_for_hit(idp.metadata_path)  # the abandoned request arrived: it cannot be counted in the next test


def test_lazy_metadata_fetches_on_first_use_and_keeps_the_document(idp):
    lazy = LazyMetadata(idp.metadata_url, idp.issuer)
    assert idp.hits[idp.metadata_path] == 0
    assert lazy.get()["jwks_uri"] == idp.jwks_uri
    assert lazy.get() is lazy.get()
    assert idp.hits[idp.metadata_path] == 1


def test_lazy_metadata_remembers_a_failure_for_the_retry_interval(idp):
    idp.respond(idp.metadata_path, "down", status=503)
    lazy = LazyMetadata(idp.metadata_url, idp.issuer, retry_interval=3600)
    for _ in range(3):
        raises_exactly(DiscoveryFetchError, lazy.get)
    assert idp.hits[idp.metadata_path] == 1


def test_lazy_metadata_recovers_after_the_retry_interval(idp):
    idp.respond(idp.metadata_path, "down", status=503)
    lazy = LazyMetadata(idp.metadata_url, idp.issuer, retry_interval=0)
    raises_exactly(DiscoveryFetchError, lazy.get)
    idp.answers.clear()
    assert lazy.get()["issuer"] == idp.issuer


def test_lazy_metadata_issuer_mismatch_is_remembered_as_such(idp):
    serve(idp, issuer="https://elsewhere.example/p")
    lazy = LazyMetadata(idp.metadata_url, idp.issuer, retry_interval=3600)
    raises_exactly(IssuerMismatchError, lazy.get)
    raises_exactly(IssuerMismatchError, lazy.get)
