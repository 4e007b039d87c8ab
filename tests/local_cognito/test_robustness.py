"""Races, hostile input, lifetimes and logs: what an attacker or a test harness could observe."""

from __future__ import annotations

import logging
import threading

import jwt
import requests

from tests.fixtures.local_cognito import start_local_cognito
from tests.local_cognito.conftest import WEB_CALLBACK, Browser, make_code_flow, query, template_with_clients, \
    token_request


def test_concurrent_exchanges_of_one_code_yield_exactly_one_token_response(local_cognito, browser, code_flow):
    url, _ = code_flow.authorization_url()
    code = query(browser.sign_in(url, local_cognito.demo_user.email, local_cognito.demo_user.password))["code"]
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def exchange():
        barrier.wait()
        statuses.append(token_request(local_cognito, grant_type="authorization_code", code=code,
                                      redirect_uri=WEB_CALLBACK, code_verifier=code_flow.code_verifier).status_code)

    threads = [threading.Thread(target=exchange) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [400] * 5


def test_a_foreign_host_header_gets_a_clean_error(local_cognito):
    for path in ("/oauth2/token", "/oauth2/revoke"):
        response = requests.post(f"{local_cognito.url}{path}", data={"grant_type": "client_credentials"},
                                 headers={"Host": "evil.example"}, timeout=10)
        assert 400 <= response.status_code < 500 and "Traceback" not in response.text


def test_garbage_input_never_causes_a_server_error(local_cognito):
    web = local_cognito.clients["web"].client_id
    probes = [
        ("get", "/oauth2/authorize", {"params": {"client_id": web, "redirect_uri": WEB_CALLBACK,
                                                 "response_type": "code", "scope": "\x00\uffff", "state": "\u2603"}}),
        ("get", "/oauth2/authorize", {"params": [("client_id", web), ("client_id", web),
                                                 ("redirect_uri", WEB_CALLBACK), ("response_type", "code")]}),
        ("get", "/login", {"params": {"client_id": web * 50, "redirect_uri": "x" * 5000}}),
        ("post", "/oauth2/token", {"data": b"\xff\xfe", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
        ("post", "/oauth2/token", {"headers": {"Authorization": "Basic !!!"}, "data": {"grant_type": "refresh_token"}}),
        ("post", "/oauth2/revoke", {"headers": {"Authorization": "Basic Og=="}, "data": {"token": "x"}}),
        ("get", "/oauth2/userInfo", {"headers": {"Authorization": "Bearer a.b.c"}}),
        ("post", "/", {"data": "{}", "headers": {"X-Amz-Target": "AWSCognitoIdentityProviderService.UpdateUserPoolClient",
                                                 "Authorization": "AWS4-HMAC-SHA256 x",
                                                 "Content-Type": "application/x-amz-json-1.1"}}),
        ("get", "/logout", {"params": {"client_id": web, "logout_uri": "\x00"}}),
    ]
    for method, path, options in probes:
        response = requests.request(method, f"{local_cognito.url}{path}", allow_redirects=False, timeout=10,
                                    **options)
        assert response.status_code < 500, (path, options, response.status_code)
        assert "Traceback" not in response.text


def test_duplicate_authorize_parameters_are_an_invalid_request(local_cognito, browser):
    web = local_cognito.clients["web"].client_id
    response = browser.http.get(f"{local_cognito.url}/oauth2/authorize", allow_redirects=False, timeout=10, params=[
        ("client_id", web), ("redirect_uri", WEB_CALLBACK), ("response_type", "code"), ("scope", "openid"),
        ("scope", "weatherapi/read"), ("state", "s")])
    assert query(response.headers["Location"]) == {"error": "invalid_request", "state": "s"}


def test_token_lifetimes_come_from_the_template(tmp_path):
    short = {"ClientName": "short", "GenerateSecret": True, "AllowedOAuthFlowsUserPoolClient": True,
             "AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"], "CallbackURLs": [WEB_CALLBACK],
             "AccessTokenValidity": 10, "IdTokenValidity": 2, "RefreshTokenValidity": 180,
             "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "hours", "RefreshToken": "minutes"}}
    handle = start_local_cognito(tmp_path / "state", template=template_with_clients(tmp_path, ShortClient=short))
    try:
        tokens = sign_in(handle, "short")
        assert tokens["expires_in"] == 600
        access = jwt.decode(tokens["access_token"], options={"verify_signature": False})
        identity = jwt.decode(tokens["id_token"], options={"verify_signature": False})
        assert access["exp"] - access["iat"] == 600 and identity["exp"] - identity["iat"] == 7200
        with handle.clock.moved(3 * 3600 + 1):
            refreshed = token_request(handle, "short", grant_type="refresh_token",
                                      refresh_token=tokens["refresh_token"])
        assert refreshed.json() == {"error": "invalid_grant"}
    finally:
        handle.stop()


def test_token_lifetime_override_makes_tokens_expire_within_seconds(tmp_path):
    handle = start_local_cognito(tmp_path, token_lifetime=2)
    try:
        tokens = sign_in(handle, "web")
        assert tokens["expires_in"] == 2
        claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == 2
        machine = token_request(handle, "machine", grant_type="client_credentials").json()
        assert machine["expires_in"] == 2
    finally:
        handle.stop()


def sign_in(handle, client: str) -> dict:
    endpoints = requests.get(f"{handle.issuer}/.well-known/openid-configuration", timeout=10).json()
    flow = make_code_flow(handle, endpoints, client=client, scope="openid")
    url, _ = flow.authorization_url()
    return flow.fetch_token(Browser(handle.url).sign_in(url, handle.demo_user.email, handle.demo_user.password))


def test_no_token_reaches_a_log_line_even_at_debug_level(local_cognito, browser, code_flow, caplog):
    caplog.set_level(logging.DEBUG)
    url, _ = code_flow.authorization_url()
    callback = browser.sign_in(url, local_cognito.demo_user.email, local_cognito.demo_user.password)
    caplog.clear()  # the Hosted UI's request lines carry the code: only the token exchange matters here
    tokens = token_request(local_cognito, grant_type="authorization_code", code=query(callback)["code"],
                           redirect_uri=WEB_CALLBACK, code_verifier=code_flow.code_verifier).json()
    refreshed = token_request(local_cognito, grant_type="refresh_token", refresh_token=tokens["refresh_token"]).json()
    secrets = [tokens["access_token"], tokens["id_token"], tokens["refresh_token"], refreshed["access_token"],
               local_cognito.clients["web"].client_secret]
    assert not [s for s in secrets if s[:40] in caplog.text]
