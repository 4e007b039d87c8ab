"""`/oauth2/userInfo` (§1.4), `/oauth2/revoke` (§1.5) and `/logout` (§1.6)."""

from __future__ import annotations

import base64

import jwt
import pytest
import requests

from tests.local_cognito.conftest import WEB_CALLBACK, WEB_SIGNED_OUT, Browser, make_code_flow, query, token_request


def user_info(local_cognito, token: str | None, scheme: str = "Bearer") -> requests.Response:
    headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
    return requests.get(f"{local_cognito.url}/oauth2/userInfo", headers=headers, timeout=10)


def revoke(local_cognito, client: str = "web", secret: str | None = None, **form) -> requests.Response:
    info = local_cognito.clients[client]
    if info.client_secret:
        secret = info.client_secret if secret is None else secret
        headers = {"Authorization": "Basic " + base64.b64encode(f"{info.client_id}:{secret}".encode()).decode()}
    else:
        headers, form = {}, {**form, "client_id": info.client_id}
    return requests.post(f"{local_cognito.url}/oauth2/revoke", data=form, headers=headers, timeout=10)


# -- userInfo --------------------------------------------------------------------------------------------------
def test_user_info_returns_attributes_with_string_booleans(local_cognito, signed_in_tokens):
    response = user_info(local_cognito, signed_in_tokens["access_token"])
    assert response.status_code == 200
    info = response.json()
    claims = jwt.decode(signed_in_tokens["id_token"], options={"verify_signature": False})
    assert info == {"sub": claims["sub"], "email": local_cognito.demo_user.email, "email_verified": "true",
                    "username": claims["cognito:username"]}


@pytest.mark.parametrize(("token", "scheme", "status", "error"), [
    (None, "Bearer", 400, "invalid_request"),
    ("", "Bearer", 400, "invalid_request"),
    ("abc", "Basic", 400, "invalid_request"),
    ("not-a-jwt", "Bearer", 401, "invalid_token"),
    ("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "Bearer", 401, "invalid_token"),
])
def test_user_info_refuses_bad_requests(local_cognito, token, scheme, status, error):
    response = user_info(local_cognito, token, scheme)
    assert response.status_code == status
    assert response.headers["WWW-Authenticate"].startswith(f'Bearer error="{error}"')


def test_user_info_refuses_an_id_token(local_cognito, signed_in_tokens):
    assert user_info(local_cognito, signed_in_tokens["id_token"]).status_code == 401


def test_user_info_refuses_an_expired_token(local_cognito, signed_in_tokens):
    with local_cognito.clock.moved(3601):
        response = user_info(local_cognito, signed_in_tokens["access_token"])
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_user_info_needs_the_openid_scope(local_cognito):
    machine = token_request(local_cognito, "machine", grant_type="client_credentials").json()["access_token"]
    response = user_info(local_cognito, machine)
    assert response.status_code == 401
    assert response.json()["error_description"] == "Access token does not contain openid scope"


def test_user_info_refuses_a_token_from_a_globally_signed_out_user(other_pool, other_endpoints):
    user = other_pool.create_user("signed-out@example.com", "Passw0rd!x")
    flow = make_code_flow(other_pool, other_endpoints)
    url, _ = flow.authorization_url()
    tokens = flow.fetch_token(Browser(other_pool.url).sign_in(url, "signed-out@example.com", "Passw0rd!x"))
    assert user_info(other_pool, tokens["access_token"]).status_code == 200
    other_pool.store.revoke_user_tokens(user.sub)  # what GlobalSignOut does
    assert user_info(other_pool, tokens["access_token"]).status_code == 401
    refresh = token_request(other_pool, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refresh.json() == {"error": "invalid_grant"}


# -- revoke ----------------------------------------------------------------------------------------------------
def test_revoking_a_refresh_token_revokes_every_token_issued_from_it(local_cognito, code_flow, signed_in_tokens,
                                                                     jwks_client):
    refreshed = token_request(local_cognito, grant_type="refresh_token",
                              refresh_token=signed_in_tokens["refresh_token"]).json()
    code_flow.session.revoke_token(code_flow.endpoints["revocation_endpoint"],
                                   token=signed_in_tokens["refresh_token"], token_type_hint="refresh_token")

    for access_token in (signed_in_tokens["access_token"], refreshed["access_token"]):
        response = user_info(local_cognito, access_token)
        assert response.status_code == 401
        assert response.json()["error_description"] == "Access token has been revoked"
    again = token_request(local_cognito, grant_type="refresh_token", refresh_token=signed_in_tokens["refresh_token"])
    assert again.json() == {"error": "invalid_grant"}
    # Revoked JWTs still pass signature and expiry checks: only Cognito's own endpoints know.
    key = jwks_client.get_signing_key_from_jwt(signed_in_tokens["access_token"]).key
    jwt.decode(signed_in_tokens["access_token"], key, algorithms=["RS256"], issuer=local_cognito.issuer)


def test_revocation_answers_200_with_an_empty_body(local_cognito, signed_in_tokens):
    first = revoke(local_cognito, token=signed_in_tokens["refresh_token"])
    assert (first.status_code, first.content) == (200, b"")
    assert revoke(local_cognito, token=signed_in_tokens["refresh_token"]).status_code == 200  # already revoked
    assert revoke(local_cognito, token="eyJjdHkiOiJKV1QifQ.unknown.token.x.y").status_code == 200


def test_revoking_one_sign_in_leaves_others_alone(local_cognito, endpoints, signed_in_tokens):
    other = make_code_flow(local_cognito, endpoints)
    url, _ = other.authorization_url()
    other_tokens = other.fetch_token(Browser(local_cognito.url).sign_in(url, local_cognito.demo_user.email,
                                                     local_cognito.demo_user.password))
    revoke(local_cognito, token=signed_in_tokens["refresh_token"])
    assert user_info(local_cognito, other_tokens["access_token"]).status_code == 200


@pytest.mark.parametrize(("form", "secret", "status", "error"), [
    ({}, None, 400, "invalid_request"),
    ({"token": ""}, None, 400, "invalid_request"),
    ({"token": "ACCESS"}, None, 400, "unsupported_token_type"),
    ({"token": "REFRESH"}, "wrong-secret", 401, "invalid_client"),
])
def test_revocation_errors(local_cognito, signed_in_tokens, form, secret, status, error):
    form = {k: {"ACCESS": signed_in_tokens["access_token"], "REFRESH": signed_in_tokens["refresh_token"]}.get(v, v)
            for k, v in form.items()}
    response = revoke(local_cognito, secret=secret, **form)
    assert (response.status_code, response.json()) == (status, {"error": error})
    assert user_info(local_cognito, signed_in_tokens["access_token"]).status_code == 200


def test_revocation_needs_token_revocation_enabled(other_pool, other_endpoints):
    flow = make_code_flow(other_pool, other_endpoints, client="norevoke", scope="openid")
    url, _ = flow.authorization_url()
    tokens = flow.fetch_token(Browser(other_pool.url).sign_in(url, other_pool.demo_user.email,
                                                              other_pool.demo_user.password))
    response = revoke(other_pool, "norevoke", token=tokens["refresh_token"])
    assert (response.status_code, response.json()) == (400, {"error": "invalid_request"})


# -- logout ----------------------------------------------------------------------------------------------------
def signed_in(local_cognito) -> Browser:
    browser = Browser(local_cognito.url)
    page = browser.follow_to_login(f"/oauth2/authorize?response_type=code&client_id="
                                   f"{local_cognito.clients['web'].client_id}&redirect_uri={WEB_CALLBACK}")
    browser.submit(page, username=local_cognito.demo_user.email, password=local_cognito.demo_user.password)
    return browser


def test_logout_clears_the_session_and_goes_to_the_logout_uri(local_cognito):
    browser = signed_in(local_cognito)
    web = local_cognito.clients["web"].client_id
    response = browser.get("/logout", client_id=web, logout_uri=WEB_SIGNED_OUT, state="ignored")
    assert response.status_code == 302 and response.headers["Location"] == WEB_SIGNED_OUT
    assert 'cognito=""' in response.headers["Set-Cookie"] or "cognito=;" in response.headers["Set-Cookie"]
    again = browser.get("/oauth2/authorize", response_type="code", client_id=web, redirect_uri=WEB_CALLBACK)
    assert again.headers["Location"].startswith("/login?")


def test_logout_with_redirect_uri_signs_in_again(local_cognito):
    browser = signed_in(local_cognito)
    web = local_cognito.clients["web"].client_id
    response = browser.get("/logout", client_id=web, redirect_uri=WEB_CALLBACK, response_type="code",
                           state="s1", scope="openid", nonce="n1")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?")
    assert query(response.headers["Location"]) == {"client_id": web, "redirect_uri": WEB_CALLBACK,
                                                    "response_type": "code", "state": "s1", "scope": "openid",
                                                    "nonce": "n1"}
    page = browser.get(response.headers["Location"])
    assert 'name="password"' in page.text  # the session is gone: no "continue as"


@pytest.mark.parametrize(("params", "error"), [
    ({}, "Required+parameters+missing"),
    ({"client_id": "WEB"}, "Required+parameters+missing"),
    ({"client_id": "WEB", "logout_uri": "https://attacker.example/"}, "redirect_mismatch"),
    ({"client_id": "nosuchclient", "logout_uri": WEB_SIGNED_OUT}, "redirect_mismatch"),
    ({"logout_uri": WEB_SIGNED_OUT}, "redirect_mismatch"),
    ({"client_id": "WEB", "redirect_uri": "https://attacker.example/", "response_type": "code"},
     "redirect_mismatch"),
])
def test_logout_errors_show_an_error_page(local_cognito, params, error):
    browser = Browser(local_cognito.url)
    params = {k: local_cognito.clients["web"].client_id if v == "WEB" else v for k, v in params.items()}
    response = browser.get("/logout", **params)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/error?error={error}")


def test_tokens_stay_valid_after_logout(local_cognito, signed_in_tokens):
    Browser(local_cognito.url).get("/logout", client_id=local_cognito.clients["web"].client_id,
                                   logout_uri=WEB_SIGNED_OUT)
    assert user_info(local_cognito, signed_in_tokens["access_token"]).status_code == 200
