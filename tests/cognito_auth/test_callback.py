"""The callback: every token check, every error a person can meet, and what a successful sign-in leaves behind.

Each case asserts one outcome a person or an attacker can observe: the status and words of the page, whether a
session exists afterwards (the profile page answers or sends you to sign in), and which calls reached the IdP.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.idp import CLIENT_ID, make_key
from tests.cognito_auth.conftest import CLIENT_SECRET, Flow, token_response
from tests.cognito_auth.scripted_idp import TOKEN_PATH
from webapp.cognito_jwt import at_hash
from webapp.cognito_auth.session_store import FLOW_LIFETIME


def is_signed_in(http: requests.Session, app_url: str) -> bool:
    response = http.get(f"{app_url}/profile", allow_redirects=False)
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def test_authorization_request_uses_pkce_s256_state_nonce_and_the_configured_scopes(app_url, hosted):
    flow = Flow.start(requests.Session(), app_url)
    assert flow.params["response_type"] == "code"
    assert flow.params["client_id"] == CLIENT_ID
    assert flow.params["redirect_uri"] == f"{app_url}/callback"
    assert flow.params["scope"] == "openid email profile weatherapi/read"
    assert flow.params["code_challenge_method"] == "S256"
    assert len(flow.params["code_challenge"]) == 43
    assert len(flow.state) >= 20 and len(flow.nonce) >= 20


def test_successful_sign_in_exchanges_the_code_with_the_verifier_and_lands_on_next(app_url, hosted):
    http = requests.Session()
    flow = Flow.start(http, app_url, next="/profile?tab=1")
    cookie_before = http.cookies.get("session")
    hosted.answer_tokens(token_response(hosted.idp, flow.nonce, id={"email": "bob@example.com"}))
    response = flow.callback()
    assert response.status_code == 302
    assert response.headers["Location"] == "/profile?tab=1"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    # The session id changed at sign-in: an id planted before it is worthless.
    assert http.cookies.get("session") not in (None, cookie_before)
    (exchange,) = hosted.recorded(TOKEN_PATH)
    assert exchange.form["grant_type"] == "authorization_code"
    assert exchange.form["code"] == "the-code"
    assert exchange.form["redirect_uri"] == f"{app_url}/callback"
    assert 43 <= len(exchange.form["code_verifier"]) <= 128
    assert exchange.authorization.startswith("Basic ")  # a confidential client authenticates
    profile = http.get(f"{app_url}/profile")
    assert profile.status_code == 200 and "bob@example.com" in profile.text
    # Tokens stay on the server: nothing of them in the page or the cookie.
    assert "refresh-1" not in profile.text and "eyJ" not in profile.text
    assert all("eyJ" not in cookie.value for cookie in http.cookies)


def test_old_session_id_is_anonymous_after_sign_in(app_url, hosted):
    http = requests.Session()
    flow = Flow.start(http, app_url)
    planted = http.cookies.get("session")
    hosted.answer_tokens(token_response(hosted.idp, flow.nonce))
    assert flow.callback().status_code == 302
    attacker = requests.Session()
    attacker.cookies.set("session", planted)
    assert not is_signed_in(attacker, app_url)


def test_replayed_callback_finds_no_flow(app_url, hosted):
    http = requests.Session()
    flow = Flow.start(http, app_url)
    hosted.answer_tokens(token_response(hosted.idp, flow.nonce))
    assert flow.callback().status_code == 302
    replay = flow.callback()
    assert replay.status_code == 400
    assert "expired or was already used" in replay.text and "Sign in again" in replay.text
    assert len(hosted.recorded(TOKEN_PATH)) == 1


def test_two_tabs_can_sign_in_at_once(app_url, hosted):
    http = requests.Session()
    first, second = Flow.start(http, app_url, next="/one"), Flow.start(http, app_url, next="/two")
    hosted.answer_tokens(token_response(hosted.idp, second.nonce))
    assert second.callback().headers["Location"] == "/two"
    hosted.answer_tokens(token_response(hosted.idp, first.nonce))
    assert first.callback().headers["Location"] == "/one"


def test_a_flow_from_another_browser_is_unknown(app_url, hosted):
    flow = Flow.start(requests.Session(), app_url)
    flow.http = requests.Session()  # the attacker's link opened in the victim's browser
    response = flow.callback()
    assert response.status_code == 400 and "expired or was already used" in response.text
    assert hosted.recorded(TOKEN_PATH) == []


def test_an_expired_flow_is_unknown(shared_scripted_webapp, app_url, hosted):
    http = requests.Session()
    flow = Flow.start(http, app_url)
    with shared_scripted_webapp.clock.moved(FLOW_LIFETIME + 1):
        response = flow.callback()
    assert response.status_code == 400 and "expired" in response.text
    assert hosted.recorded(TOKEN_PATH) == []


def test_pending_flows_do_not_pile_up(app_url, hosted):
    http = requests.Session()
    flows = [Flow.start(http, app_url) for _ in range(8)]
    # The oldest were dropped; the newest still work.
    assert flows[0].callback().status_code == 400
    hosted.answer_tokens(token_response(hosted.idp, flows[-1].nonce))
    assert flows[-1].callback().status_code == 302


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"error": "access_denied", "code": None}, 401, "cancelled"),
        ({"error": "server_error", "code": None}, 503, "unavailable"),
        ({"error": "invalid_scope", "code": None}, 400, "refused"),
        ({"error": "x\r\nInjected: yes", "code": None}, 400, "refused"),
        ({"code": None}, 400, "no authorization code"),
        ({"state": None}, 400, "expired or was already used"),
        ({"state": "made-up"}, 400, "expired or was already used"),
    ],
)
def test_error_responses_show_a_page_and_create_no_session(app_url, hosted, params, status, words):
    http = requests.Session()
    flow = Flow.start(http, app_url)
    response = flow.callback(**params)
    assert response.status_code == status
    assert words in response.text and "Sign in again" in response.text
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert hosted.recorded(TOKEN_PATH) == []
    assert not is_signed_in(http, app_url)


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ((400, {"error": "invalid_grant"}), 400),
        ((401, {"error": "invalid_client"}), 400),
        ((500, {"error": "server_error"}), 503),
        ((502, "<html>bad gateway</html>"), 503),
        ((200, "not json"), 502),
        ((200, {"token_type": "Bearer"}), 502),
        ((200, {"access_token": "x", "token_type": "Bearer"}), 502),
    ],
)
def test_token_endpoint_failures_show_a_page_and_create_no_session(app_url, hosted, answer, status):
    http = requests.Session()
    flow = Flow.start(http, app_url)
    hosted.answer_tokens(answer[1], answer[0])
    response = flow.callback()
    assert response.status_code == status
    assert "Sign in again" in response.text
    assert not is_signed_in(http, app_url)


def test_token_endpoint_timeout_is_a_503(app_url, hosted):
    http = requests.Session()
    flow = Flow.start(http, app_url)
    hosted.delay = 1.5  # the web app's http_timeout is 1 s
    response = flow.callback()
    assert response.status_code == 503 and "Sign in again" in response.text
    hosted.delay = 0
    assert not is_signed_in(http, app_url)


def forged(idp, nonce, case):
    """A token endpoint answer that must be refused, by attack."""
    if case == "wrong nonce":
        return token_response(idp, "another-nonce")
    if case == "no nonce":
        return token_response(idp, None)
    if case == "wrong audience":
        return token_response(idp, nonce, id={"aud": "another-client"})
    if case == "extra audience":
        return token_response(idp, nonce, id={"aud": [CLIENT_ID, "another-client"]})
    if case == "wrong issuer":
        return token_response(idp, nonce, id={"iss": idp.issuer + "x"})
    if case == "expired":
        return token_response(idp, nonce, id={"exp": int(time.time()) - 60})
    if case == "issued in the future":
        return token_response(idp, nonce, id={"iat": int(time.time()) + 600})
    if case == "access token as ID token":
        answer = token_response(idp, nonce)
        answer["id_token"] = idp.token(idp.claims("access", sub="s", nonce=nonce))
        return answer
    if case == "wrong at_hash":
        answer = token_response(idp, nonce)
        answer["access_token"] = idp.access_token(sub="someone")
        return answer
    if case == "no at_hash":
        answer = token_response(idp, nonce)
        answer["id_token"] = idp.id_token(sub="s", nonce=nonce)
        return answer
    if case == "alg none":
        answer = token_response(idp, nonce)
        header, payload, _ = answer["id_token"].split(".")
        answer["id_token"] = "eyJhbGciOiJub25lIiwia2lkIjoia2V5LTEifQ." + payload + "."
        return answer
    if case == "bad signature":
        answer = token_response(idp, nonce)
        other_key = make_key(idp.key.kid)  # same kid, another key
        answer["id_token"] = idp.token(idp.claims("id", sub="s", nonce=nonce), key=other_key)
        return answer
    if case == "access token for another client":
        return token_response(idp, nonce, access={"client_id": "another-client"})
    if case == "access token of another user":
        answer = token_response(idp, nonce)
        access = idp.access_token(sub="someone-else")
        claims = idp.claims("id", sub="s", nonce=nonce)
        answer.update(access_token=access, id_token=idp.token({**claims, "at_hash": at_hash(access)}))
        return answer
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case",
    [
        "wrong nonce", "no nonce", "wrong audience", "extra audience", "wrong issuer", "expired",
        "issued in the future", "access token as ID token", "wrong at_hash", "no at_hash", "alg none",
        "bad signature", "access token for another client", "access token of another user",
    ],
)
def test_invalid_tokens_are_refused_with_no_session(app_url, hosted, case):
    http = requests.Session()
    flow = Flow.start(http, app_url)
    hosted.answer_tokens(forged(hosted.idp, flow.nonce, case))
    response = flow.callback()
    assert response.status_code == 401
    assert "could not verify" in response.text and "Sign in again" in response.text
    assert not is_signed_in(http, app_url)


def test_a_server_clock_a_little_behind_cognitos_still_signs_in(app_url, hosted):
    """Tokens are checked the moment they are issued: to a clock two seconds slow, their iat is in the future."""
    http = requests.Session()
    flow = Flow.start(http, app_url)
    ahead = int(time.time()) + 2
    answer = token_response(hosted.idp, flow.nonce, id={"iat": ahead}, access={"iat": ahead})
    hosted.answer_tokens(answer)
    assert flow.callback().status_code == 302
    assert is_signed_in(http, app_url)


def test_a_rotated_signing_key_is_fetched(scripted_webapp, hosted):
    running = scripted_webapp()
    app_url = running.url
    # The JWKS cache refetches at most every 10 s; this test rotates sooner than that.
    running.app.extensions["cognito_auth"].oidc.jwks_cache.min_refetch_interval = 0
    http = requests.Session()
    first = Flow.start(http, app_url)
    hosted.answer_tokens(token_response(hosted.idp, first.nonce))
    assert first.callback().status_code == 302  # the JWKS is cached now
    new_key = make_key("key-2")
    hosted.idp.published = [hosted.idp.key, new_key]
    http = requests.Session()
    flow = Flow.start(http, app_url)
    answer = token_response(hosted.idp, flow.nonce)
    claims = hosted.idp.claims("id", sub="s2", nonce=flow.nonce)
    access = hosted.idp.token(hosted.idp.claims("access", sub="s2"), key=new_key)
    answer.update(access_token=access, id_token=hosted.idp.token({**claims, "at_hash": at_hash(access)}, key=new_key))
    hosted.answer_tokens(answer)
    assert flow.callback().status_code == 302
    assert is_signed_in(http, app_url)


def test_discovery_for_another_issuer_refuses_to_start(scripted_webapp, hosted):
    document = hosted.idp.discovery()
    document["issuer"] = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"
    hosted.idp.respond(hosted.idp.metadata_path, document)
    app_url = scripted_webapp().url
    response = requests.get(f"{app_url}/login", allow_redirects=False)
    assert response.status_code == 502 and "did not identify itself" in response.text


def test_discovery_with_endpoints_off_the_hosted_ui_domain_refuses_to_start(scripted_webapp, hosted):
    # FakeIdp's own document names its own URL, not the configured Hosted UI domain.
    hosted.idp.reset()
    app_url = scripted_webapp().url
    response = requests.get(f"{app_url}/login", allow_redirects=False)
    assert response.status_code == 502


def test_idp_down_at_login_is_a_503(scripted_webapp, hosted):
    hosted.idp.respond(hosted.idp.metadata_path, "down", status=503)
    app_url = scripted_webapp().url
    response = requests.get(f"{app_url}/login", allow_redirects=False)
    assert response.status_code == 503 and "Sign in again" in response.text


def test_public_client_sends_its_id_and_no_secret(scripted_webapp, hosted):
    app_url = scripted_webapp(client_secret=None).url
    http = requests.Session()
    flow = Flow.start(http, app_url)
    hosted.answer_tokens(token_response(hosted.idp, flow.nonce))
    assert flow.callback().status_code == 302
    (exchange,) = hosted.recorded(TOKEN_PATH)
    assert exchange.authorization is None and exchange.form["client_id"] == CLIENT_ID
    assert CLIENT_SECRET not in str(exchange.form)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "/%2F/evil.example",
        "/%252F%252Fevil.example", "/%5Cevil.example", "/\t/evil.example", "%2F%2Fevil.example", "evil.example",
        "/%0d%0aSet-Cookie:x=y", "///evil.example",
    ],
)
def test_next_accepts_local_paths_only(app_url, hosted, target):
    flow = Flow.start(requests.Session(), app_url, next=target)
    hosted.answer_tokens(token_response(hosted.idp, flow.nonce))
    assert flow.callback().headers["Location"] == "/"


def test_signed_in_visitor_going_to_login_lands_on_next_directly(app_url, hosted):
    http = requests.Session()
    flow = Flow.start(http, app_url)
    hosted.answer_tokens(token_response(hosted.idp, flow.nonce))
    flow.callback()
    response = http.get(f"{app_url}/login", params={"next": "/profile"}, allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"] == "/profile"
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {}
