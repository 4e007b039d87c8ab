"""`/oauth2/token` beyond the code exchange: refresh, client credentials and every error of reference §1.3."""

from __future__ import annotations

import threading

import jwt
import pytest
from authlib.integrations.requests_client import OAuth2Session

from tests.local_cognito.conftest import Browser, make_code_flow, token_request


@pytest.mark.parametrize(("client", "auth", "secret", "form", "expected"), [
    ("web", "basic", None, {"grant_type": "password", "username": "u", "password": "p"}, "unsupported_grant_type"),
    ("web", "basic", None, {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"}, "unsupported_grant_type"),
    ("web", "basic", None, {}, "invalid_request"),
    ("web", "basic", "wrong-secret", {"grant_type": "client_credentials"}, "invalid_client"),
    ("web", "post", "wrong-secret", {"grant_type": "refresh_token", "refresh_token": "x"}, "invalid_client"),
    ("web", "none", None, {"grant_type": "refresh_token", "refresh_token": "x"}, "invalid_client"),
    (None, "none", None, {"grant_type": "client_credentials"}, "invalid_client"),
    ("cli", "none", None, {"grant_type": "client_credentials"}, "invalid_client"),
    ("web", "basic", None, {"grant_type": "client_credentials"}, "unauthorized_client"),
    ("machine", "basic", None, {"grant_type": "authorization_code", "code": "x", "redirect_uri": "x"},
     "unauthorized_client"),
    ("web", "basic", None, {"grant_type": "refresh_token"}, "invalid_request"),
    ("web", "basic", None, {"grant_type": "refresh_token", "refresh_token": "eyJjdHkiOi.not.a.token"},
     "invalid_grant"),
    ("machine", "basic", None, {"grant_type": "client_credentials", "scope": "nosuch/scope"}, "invalid_scope"),
    ("machine", "basic", None, {"grant_type": "client_credentials", "scope": "openid"}, "invalid_scope"),
])
def test_token_errors(local_cognito, client, auth, secret, form, expected):
    response = token_request(local_cognito, client, auth=auth, secret=secret, **form)
    assert (response.status_code, response.json()) == (400, {"error": expected})
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "WWW-Authenticate" not in response.headers


def test_refresh_returns_new_access_and_id_tokens_but_no_refresh_token(local_cognito, code_flow, signed_in_tokens):
    before = local_cognito.grant_count("refresh_token")
    refreshed = code_flow.session.refresh_token(code_flow.endpoints["token_endpoint"],
                                                refresh_token=signed_in_tokens["refresh_token"])
    assert {"access_token", "id_token", "token_type", "expires_in"} <= set(refreshed)
    assert refreshed["access_token"] != signed_in_tokens["access_token"]
    # Authlib's client keeps the refresh token it had, as it must: Cognito sends none without rotation.
    assert refreshed["refresh_token"] == signed_in_tokens["refresh_token"]
    assert local_cognito.grant_count("refresh_token") == before + 1
    old = jwt.decode(signed_in_tokens["id_token"], options={"verify_signature": False})
    new = jwt.decode(refreshed["id_token"], options={"verify_signature": False})
    assert new["auth_time"] == old["auth_time"] and new["origin_jti"] == old["origin_jti"]
    assert "nonce" not in new
    assert new["jti"] != old["jti"]


def test_raw_refresh_response_has_no_refresh_token(local_cognito, signed_in_tokens):
    response = token_request(local_cognito, grant_type="refresh_token",
                             refresh_token=signed_in_tokens["refresh_token"])
    assert set(response.json()) == {"access_token", "id_token", "token_type", "expires_in"}


def test_concurrent_refreshes_are_each_counted(local_cognito, signed_in_tokens):
    before = local_cognito.grant_count("refresh_token")
    results = []

    def refresh():
        results.append(token_request(local_cognito, grant_type="refresh_token",
                                     refresh_token=signed_in_tokens["refresh_token"]).status_code)

    threads = [threading.Thread(target=refresh) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 5
    assert local_cognito.grant_count("refresh_token") == before + 5


def test_a_refresh_token_belongs_to_its_client(other_pool, other_endpoints):
    flow = make_code_flow(other_pool, other_endpoints, client="rotating", scope="openid")
    url, _ = flow.authorization_url()
    tokens = flow.fetch_token(Browser(other_pool.url).sign_in(url, other_pool.demo_user.email,
                                                              other_pool.demo_user.password))
    response = token_request(other_pool, "web", grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert response.json() == {"error": "invalid_grant"}


def test_rotation_returns_a_new_refresh_token_and_retires_the_old_after_the_grace_period(other_pool,
                                                                                        other_endpoints):
    flow = make_code_flow(other_pool, other_endpoints, client="rotating", scope="openid")
    url, _ = flow.authorization_url()
    tokens = flow.fetch_token(Browser(other_pool.url).sign_in(url, other_pool.demo_user.email,
                                                              other_pool.demo_user.password))
    first = token_request(other_pool, "rotating", grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    new_refresh = first.json()["refresh_token"]
    assert new_refresh != tokens["refresh_token"] and new_refresh.startswith("eyJjdHki")
    retry = token_request(other_pool, "rotating", grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert retry.status_code == 200  # within RetryGracePeriodSeconds (10 in this template)
    with other_pool.clock.moved(11):
        late = token_request(other_pool, "rotating", grant_type="refresh_token",
                             refresh_token=tokens["refresh_token"])
        assert late.json() == {"error": "invalid_grant"}
        assert token_request(other_pool, "rotating", grant_type="refresh_token",
                             refresh_token=new_refresh).status_code == 200


def test_refresh_fails_once_the_refresh_token_expires(local_cognito, signed_in_tokens):
    with local_cognito.clock.moved(30 * 86400 + 1):
        response = token_request(local_cognito, grant_type="refresh_token",
                                 refresh_token=signed_in_tokens["refresh_token"])
    assert response.json() == {"error": "invalid_grant"}


def test_refresh_fails_for_a_disabled_user(other_pool, other_endpoints):
    user = other_pool.create_user("disabled-later@example.com", "Passw0rd!x")
    flow = make_code_flow(other_pool, other_endpoints)
    url, _ = flow.authorization_url()
    tokens = flow.fetch_token(Browser(other_pool.url).sign_in(url, "disabled-later@example.com", "Passw0rd!x"))
    other_pool.store.set_enabled(user.sub, False)
    response = token_request(other_pool, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert response.json() == {"error": "invalid_grant"}


def test_client_credentials_token_has_the_client_as_subject(local_cognito, jwks_client):
    machine = local_cognito.clients["machine"]
    before = local_cognito.grant_count("client_credentials")
    session = OAuth2Session(machine.client_id, machine.client_secret)
    token = session.fetch_token(f"{local_cognito.url}/oauth2/token", grant_type="client_credentials")
    assert set(token) - {"expires_at"} == {"access_token", "token_type", "expires_in"}
    key = jwks_client.get_signing_key_from_jwt(token["access_token"]).key
    claims = jwt.decode(token["access_token"], key, algorithms=["RS256"], issuer=local_cognito.issuer)
    assert claims["sub"] == claims["client_id"] == machine.client_id
    assert claims["scope"] == "weatherapi/read" and claims["token_use"] == "access"
    assert not {"aud", "username", "cognito:groups", "origin_jti"} & set(claims)
    assert local_cognito.grant_count("client_credentials") == before + 1


def test_client_credentials_ignores_unknown_scopes_and_accepts_post_auth(local_cognito):
    response = token_request(local_cognito, "machine", auth="post", grant_type="client_credentials",
                             scope="weatherapi/read other/scope")
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["scope"] == "weatherapi/read"
