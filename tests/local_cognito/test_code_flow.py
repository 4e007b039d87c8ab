"""The authorization code flow with PKCE, end to end over HTTP, checked with Authlib's client and PyJWT."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid

import jwt
import pytest

from tests.local_cognito.conftest import WEB_CALLBACK, make_code_flow, query, token_request


def b64_header(token: str) -> dict:
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


def test_code_flow_returns_cognito_shaped_tokens(local_cognito, browser, code_flow, jwks_client):
    url, state = code_flow.authorization_url()
    callback = browser.sign_in(url, local_cognito.demo_user.email, local_cognito.demo_user.password)
    params = query(callback)
    assert callback.startswith(WEB_CALLBACK + "?")
    assert params["state"] == state
    assert str(uuid.UUID(params["code"])) == params["code"]

    tokens = code_flow.fetch_token(callback)

    assert set(tokens) - {"expires_at"} == {"access_token", "id_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert tokens["refresh_token"].startswith("eyJjdHki")
    web = local_cognito.clients["web"].client_id
    id_key = jwks_client.get_signing_key_from_jwt(tokens["id_token"]).key
    id_claims = jwt.decode(tokens["id_token"], id_key, algorithms=["RS256"], audience=web,
                           issuer=local_cognito.issuer)
    assert id_claims["token_use"] == "id"
    assert id_claims["nonce"] == code_flow.nonce
    assert id_claims["email"] == local_cognito.demo_user.email and id_claims["email_verified"] is True
    assert id_claims["cognito:groups"] == ["demo-users"]
    assert id_claims["cognito:username"] == id_claims["sub"]
    digest = hashlib.sha256(tokens["access_token"].encode()).digest()[:16]
    assert id_claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert {"auth_time", "origin_jti", "event_id", "jti", "iat", "exp"} <= set(id_claims)

    access_key = jwks_client.get_signing_key_from_jwt(tokens["access_token"]).key
    access = jwt.decode(tokens["access_token"], access_key, algorithms=["RS256"], issuer=local_cognito.issuer)
    assert "aud" not in access
    assert access["client_id"] == web and access["token_use"] == "access" and access["version"] == 2
    assert access["scope"] == "openid email profile weatherapi/read"
    assert access["username"] == id_claims["sub"] and access["sub"] == id_claims["sub"]
    assert access["origin_jti"] == id_claims["origin_jti"] and access["auth_time"] == id_claims["auth_time"]
    assert access["exp"] - access["iat"] == 3600

    assert b64_header(tokens["id_token"]).keys() == {"kid", "alg"}
    assert b64_header(tokens["id_token"])["kid"] != b64_header(tokens["access_token"])["kid"]


def test_token_response_allows_any_origin_and_is_not_cached(local_cognito, browser, code_flow):
    url, _ = code_flow.authorization_url()
    callback = browser.sign_in(url, local_cognito.demo_user.email, local_cognito.demo_user.password)
    response = token_request(local_cognito, code=query(callback)["code"], grant_type="authorization_code",
                             redirect_uri=WEB_CALLBACK, code_verifier=code_flow.code_verifier)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert response.headers["Cache-Control"] == "no-store"


def test_client_secret_post_works(local_cognito, browser, endpoints):
    flow = make_code_flow(local_cognito, endpoints, auth_method="client_secret_post")
    url, _ = flow.authorization_url()
    tokens = flow.fetch_token(browser.sign_in(url, local_cognito.demo_user.email, local_cognito.demo_user.password))
    assert "access_token" in tokens


def test_no_scope_grants_all_of_the_clients_scopes(local_cognito, browser, endpoints, jwks_client):
    flow = make_code_flow(local_cognito, endpoints, scope=None)
    url, _ = flow.authorization_url()
    tokens = flow.fetch_token(browser.sign_in(url, local_cognito.demo_user.email, local_cognito.demo_user.password))
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["scope"].split() == ["openid", "email", "profile", "aws.cognito.signin.user.admin",
                                       "weatherapi/read"]


def test_without_openid_there_is_no_id_token(local_cognito, browser, endpoints):
    flow = make_code_flow(local_cognito, endpoints, scope="weatherapi/read")
    url, _ = flow.authorization_url()
    tokens = flow.fetch_token(browser.sign_in(url, local_cognito.demo_user.email, local_cognito.demo_user.password))
    assert "id_token" not in tokens and "access_token" in tokens


def test_a_code_works_once_and_its_reuse_revokes_what_it_issued(local_cognito, browser, code_flow):
    url, _ = code_flow.authorization_url()
    code = query(browser.sign_in(url, local_cognito.demo_user.email, local_cognito.demo_user.password))["code"]
    exchange = dict(grant_type="authorization_code", code=code, redirect_uri=WEB_CALLBACK,
                    code_verifier=code_flow.code_verifier)
    first = token_request(local_cognito, **exchange)
    assert first.status_code == 200

    second = token_request(local_cognito, **exchange)
    assert (second.status_code, second.json()) == (400, {"error": "invalid_grant"})
    refresh = token_request(local_cognito, grant_type="refresh_token", refresh_token=first.json()["refresh_token"])
    assert refresh.json() == {"error": "invalid_grant"}


def test_a_code_expires_after_five_minutes(local_cognito, browser, code_flow):
    url, _ = code_flow.authorization_url()
    code = query(browser.sign_in(url, local_cognito.demo_user.email, local_cognito.demo_user.password))["code"]
    with local_cognito.clock.moved(301):
        response = token_request(local_cognito, grant_type="authorization_code", code=code,
                                 redirect_uri=WEB_CALLBACK, code_verifier=code_flow.code_verifier)
    assert (response.status_code, response.json()) == (400, {"error": "invalid_grant"})


@pytest.mark.parametrize(("change", "expected"), [
    ({"code_verifier": "x" * 64}, {"error": "invalid_grant"}),
    ({"code_verifier": None}, {"error": "invalid_request"}),
    ({"redirect_uri": "http://localhost:5000/callback/other"},
     {"error": "unauthorized_client", "error_description": "invalid_redirect"}),
    ({"redirect_uri": None}, {"error": "unauthorized_client", "error_description": "invalid_redirect"}),
    ({"code": str(uuid.uuid4())}, {"error": "invalid_grant"}),
    ({"code": None}, {"error": "invalid_request"}),
])
def test_code_exchange_errors(local_cognito, browser, code_flow, change, expected):
    url, _ = code_flow.authorization_url()
    code = query(browser.sign_in(url, local_cognito.demo_user.email, local_cognito.demo_user.password))["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": WEB_CALLBACK,
            "code_verifier": code_flow.code_verifier, **change}
    response = token_request(local_cognito, **{k: v for k, v in form.items() if v is not None})
    assert (response.status_code, response.json()) == (400, expected)
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_code_issued_to_another_client_is_refused(other_pool, other_endpoints):
    from tests.local_cognito.conftest import Browser

    browser = Browser(other_pool.url)
    flow = make_code_flow(other_pool, other_endpoints, client="rotating", scope="openid")
    url, _ = flow.authorization_url()
    code = query(browser.sign_in(url, other_pool.demo_user.email, other_pool.demo_user.password))["code"]
    response = token_request(other_pool, "web", grant_type="authorization_code", code=code,
                             redirect_uri=WEB_CALLBACK, code_verifier=flow.code_verifier)
    assert (response.status_code, response.json()) == (400, {"error": "invalid_grant"})
