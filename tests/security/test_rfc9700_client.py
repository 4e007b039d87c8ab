"""The web app against the client-side attacks of the OAuth 2.0 Security Best Current Practice (RFC 9700).

Two hostile browsers (a victim and an attacker) and the hostile IdP replay, swap and forge authorization
responses; the attacker wins a case if it ends up with a session it should not have, makes the web app send a
code or token somewhere it should not, or reads a code or token from something the browser was given.
"""

from __future__ import annotations

import base64

import pytest

from tests.idp import CLIENT_ID
from tests.security.conftest import case, entropy_bits
from tests.security.hostile_browser import HostileBrowser
from tests.security.hostile_idp import s256

TOKEN_PATH = "/oauth2/token"


def token_requests(idp) -> int:
    return len(idp.recorded(TOKEN_PATH))


# --- §4.7 CSRF on the redirect URI ------------------------------------------------------------------------------


@pytest.mark.conformance(source="RFC 9700 §4.7 / §2.1 (CSRF: state bound to the browser)",
                         expect="the attacker's code delivered without state is refused (400): no code exchange, "
                                "no session")
def test_csrf_callback_without_state(browser, another_browser, hostile):
    attacker_code = another_browser.authorize(another_browser.start_sign_in()).params["code"]
    browser.start_sign_in()  # the victim even has a sign-in pending
    response = browser.deliver({"code": attacker_code})
    assert (response.status_code, token_requests(hostile), browser.is_signed_in()) == (400, 0, False)


@pytest.mark.conformance(source="RFC 9700 §4.7 / §2.1 (CSRF: state bound to the browser)",
                         expect="the attacker's whole authorization response (its own valid state) opened in the "
                                "victim's browser is refused (400): no code exchange, no session")
def test_csrf_callback_with_the_attackers_state(browser, another_browser, hostile):
    attackers = another_browser.authorize(another_browser.start_sign_in())
    browser.start_sign_in()
    response = browser.deliver(attackers.params)
    assert (response.status_code, token_requests(hostile), browser.is_signed_in()) == (400, 0, False)


@pytest.mark.conformance(source="RFC 9700 §4.7.1 / RFC 6749 §10.12 (state is unguessable and single-flow)",
                         expect="each authorization request carries its own state of at least 128 random bits")
def test_state_is_unguessable(browser, hostile):
    states = [browser.start_sign_in().state for _ in range(2)]
    assert states[0] != states[1] and min(entropy_bits(s) for s in states) >= 128


# --- §4.5 authorization code injection, §4.8 PKCE ----------------------------------------------------------------


@pytest.mark.conformance(source="RFC 9700 §4.5 / §2.1.1 (code injection; PKCE binds the code to the flow)",
                         expect="a victim's stolen code injected into the attacker's own flow fails at the token "
                                "endpoint (PKCE): no session for the attacker")
def test_code_injection_is_stopped_by_pkce(browser, another_browser, hostile):
    stolen = browser.authorize(browser.start_sign_in()).params["code"]
    attackers = another_browser.authorize(another_browser.start_sign_in())
    another_browser.deliver({**attackers.params, "code": stolen})
    assert another_browser.is_signed_in() is False


@pytest.mark.conformance(source="RFC 9700 §4.5.3 (code injection; nonce as the OpenID Connect countermeasure)",
                         expect="with an authorization server that skips PKCE, the injected code's ID token carries "
                                "the victim's nonce and is refused (401): no session for the attacker")
def test_code_injection_is_stopped_by_the_nonce(browser, another_browser, hostile):
    hostile.check_pkce = False
    stolen = browser.authorize(browser.start_sign_in()).params["code"]
    attackers = another_browser.authorize(another_browser.start_sign_in())
    response = another_browser.deliver({**attackers.params, "code": stolen})
    assert (response.status_code, another_browser.is_signed_in()) == (401, False)


@pytest.mark.conformance(source="RFC 9700 §2.1.1 / §4.8 (PKCE with S256; no downgrade)",
                         expect="the authorization request carries an S256 challenge and the code exchange sends "
                                "the verifier that hashes to it")
def test_pkce_s256_challenge_and_verifier_match(browser, hostile):
    authorization = browser.start_sign_in()
    browser.deliver(browser.authorize(authorization).params)
    (exchange,) = hostile.recorded(TOKEN_PATH)
    sent = (authorization.params.get("code_challenge_method"), authorization.params.get("code_challenge"))
    assert sent == ("S256", s256(exchange.form.get("code_verifier", "")))


# --- replay -------------------------------------------------------------------------------------------------------


@pytest.mark.conformance(source="RFC 9700 §4.5 / RFC 6749 §10.5 (authorization response replay)",
                         expect="a used authorization response replayed in the same browser is refused (400) "
                                "without a second code exchange")
def test_replayed_authorization_response_in_the_same_browser(browser, hostile):
    answer = browser.authorize(browser.start_sign_in())
    browser.deliver(answer.params)
    replay = browser.deliver(answer.params)
    assert (replay.status_code, token_requests(hostile)) == (400, 1)


@pytest.mark.conformance(source="RFC 9700 §4.3.1 / §4.5 (authorization response leaked from history or logs)",
                         expect="a used authorization response replayed in the attacker's browser is refused "
                                "(400): no session for the attacker")
def test_replayed_authorization_response_in_another_browser(browser, another_browser, hostile):
    answer = browser.authorize(browser.start_sign_in())
    browser.deliver(answer.params)
    replay = another_browser.deliver(answer.params)
    assert (replay.status_code, another_browser.is_signed_in()) == (400, False)


# --- RFC 6749 §3.1: a parameter sent twice -------------------------------------------------------------------------

REPEATED = "refused (400) and every pending sign-in of the browser cleared: no code exchange, no session"
REPEATED_PARAMETERS = [
    case(f"repeated-{name}", name, source="RFC 6749 §3.1 (response parameters MUST NOT be included more than once)",
         expect=REPEATED)
    for name in ("code", "state", "iss", "error")
]


@pytest.mark.parametrize("name", REPEATED_PARAMETERS)
def test_authorization_response_with_a_repeated_parameter(browser, hostile, name):
    """Which copy counts would be the web app's guess (Werkzeug takes the first, a proxy may take the last): an
    attacker appending `&state=…` or `&code=…` to a link must not get to choose."""
    honest = browser.authorize(browser.start_sign_in()).params
    extra = {"code": "attackers-code", "state": "attackers-state", "iss": hostile.issuer, "error": "access_denied"}
    repeated = [(name, extra[name])] * (1 if name in honest else 2)  # iss and error: not in an honest response
    response = browser.get("/callback", params=[*honest.items(), *repeated])
    retried = browser.deliver(honest)  # the flow is gone too: the honest response alone no longer signs in
    assert (response.status_code, retried.status_code, token_requests(hostile), browser.is_signed_in()) == \
        (400, 400, 0, False)


# --- §4.4 mix-up ------------------------------------------------------------------------------------------------


@pytest.mark.conformance(source="RFC 9700 §4.4.2.1 / RFC 9207 §2.4 (mix-up: iss in the authorization response)",
                         expect="an authorization response naming another issuer is refused (400) before the "
                                "code is sent anywhere: no code exchange, no session")
def test_mix_up_authorization_response_from_another_issuer(browser, hostile):
    hostile.authorize_with(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Attacker")
    response = browser.sign_in()
    assert (response.status_code, token_requests(hostile), browser.is_signed_in()) == (400, 0, False)


@pytest.mark.conformance(source="RFC 9207 §2.4 (mix-up: iss in the authorization response)",
                         expect="an authorization response naming the configured issuer signs in (the positive "
                                "control for the mix-up case)")
def test_mix_up_authorization_response_from_the_right_issuer(browser, hostile):
    hostile.authorize_with(iss=hostile.issuer)
    browser.sign_in()
    assert browser.is_signed_in()


@pytest.mark.conformance(source="RFC 9207 §2.4 (iss required when the metadata says the server sends it)",
                         expect="with authorization_response_iss_parameter_supported: true, a response without iss "
                                "is refused (400): no code exchange, no session")
def test_mix_up_response_without_the_promised_iss(fresh_rp, hostile):
    hostile.respond(hostile.metadata_path, {**hostile.discovery(), "authorization_response_iss_parameter_supported": True})
    browser = HostileBrowser(fresh_rp().url)
    response = browser.sign_in()
    assert (response.status_code, token_requests(hostile), browser.is_signed_in()) == (400, 0, False)


@pytest.mark.conformance(source="RFC 9700 §4.4 (mix-up: an attacker's endpoints in the metadata)",
                         expect="discovery naming a token endpoint off the Hosted UI domain stops sign-in (502) "
                                "before any browser is sent anywhere")
def test_mix_up_metadata_with_an_attackers_token_endpoint(fresh_rp, hostile):
    attacker = "http://127.0.0.2:9/oauth2/token"
    hostile.respond(hostile.metadata_path, {**hostile.discovery(), "token_endpoint": attacker})
    response = HostileBrowser(fresh_rp().url).get("/login")
    assert response.status_code == 502


# --- §4.11 open redirection, §4.1 redirect URI --------------------------------------------------------------------

NOT_ELSEWHERE = "after sign-in the browser lands on / (a local path), never on the attacker's site"
OPEN_REDIRECTS = [
    case(name, target, source="RFC 9700 §4.11.1 (client as open redirector: `/login?next=`)", expect=NOT_ELSEWHERE)
    for name, target in [
        ("scheme-relative", "//evil.example/"),
        ("absolute-url", "https://evil.example/"),
        ("backslash", "/\\evil.example"),
        ("encoded-slashes", "/%2F%2Fevil.example"),
        ("double-encoded", "/%252F%252Fevil.example"),
        ("tab-in-slashes", "/\t/evil.example"),
        ("javascript-url", "javascript:alert(document.cookie)"),
    ]
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_open_redirect_after_sign_in(browser, hostile, target):
    assert browser.sign_in(next=target).headers.get("Location") == "/"


FORGED_HOSTS = [
    case("host-header", {"Host": "evil.example"},
         source="RFC 9700 §4.1 (the redirect URI is the registered one, whatever the request says)",
         expect="the authorization request's redirect_uri is APP_BASE_URL/callback, not built from Host"),
    case("x-forwarded-host", {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
         source="RFC 9700 §4.13 (headers a client or proxy can set are not trusted)",
         expect="the authorization request's redirect_uri is APP_BASE_URL/callback, not built from X-Forwarded-*"),
]


@pytest.mark.parametrize("headers", FORGED_HOSTS)
def test_redirect_uri_ignores_forged_host_headers(rp, browser, hostile, headers):
    assert browser.start_sign_in(**headers).params["redirect_uri"] == f"{rp.url}/callback"


# --- §4.2 Referer, §4.3 browser history -------------------------------------------------------------------------


@pytest.mark.conformance(source="RFC 9700 §4.2.4 (Referer leakage of the code and state)",
                         expect="the callback response carries Referrer-Policy: no-referrer")
def test_callback_sends_no_referrer(browser, hostile):
    assert browser.sign_in().headers.get("Referrer-Policy") == "no-referrer"


@pytest.mark.conformance(source="RFC 9700 §4.2.4 / §4.3.1 (code and state off the page and out of history)",
                         expect="the callback answers with a redirect to a URL without code or state, not a page")
def test_callback_redirects_to_a_clean_url(browser, hostile):
    response = browser.sign_in(next="/profile")
    assert (response.status_code, response.headers.get("Location")) == (302, "/profile")


@pytest.mark.conformance(source="RFC 9700 §4.3.1 (authorization code in browser history and caches)",
                         expect="the callback response carries Cache-Control: no-store")
def test_callback_is_not_stored(browser, hostile):
    assert browser.sign_in().headers.get("Cache-Control") == "no-store"


@pytest.mark.conformance(source="RFC 9700 §4.2.4 (Referer leakage from an error page)",
                         expect="a refused callback's error page sends no Referer and does not show the code")
def test_refused_callback_page_leaks_nothing(browser, another_browser, hostile):
    stolen = another_browser.authorize(another_browser.start_sign_in()).params["code"]
    page = browser.deliver({"code": stolen, "state": "forged"})
    assert (page.headers.get("Referrer-Policy"), stolen in page.text) == ("no-referrer", False)


@pytest.mark.conformance(source="RFC 9700 §4.3.2 (tokens out of the browser and its history)",
                         expect="no access, ID or refresh token appears in any header, page or cookie the browser "
                                "received during and after sign-in")
def test_tokens_never_reach_the_browser(browser, hostile):
    issued: list[str] = []

    def honest_and_remembered(grant):
        answer = hostile.tokens(grant)
        issued.extend([answer["access_token"], answer["id_token"], answer["refresh_token"]])
        return answer

    hostile.answer_token(honest_and_remembered)
    browser.sign_in(next="/profile")
    browser.get("/profile")
    seen = " ".join([*(r.text for r in browser.seen), *(str(r.headers) for r in browser.seen),
                     *(c.value or "" for c in browser.http.cookies)])
    assert [token[-40:] in seen for token in issued] == [False, False, False]  # signatures and the refresh id


# --- §4.7 / OAuth error responses ---------------------------------------------------------------------------------


@pytest.mark.conformance(source="RFC 6749 §4.1.2.1 (error response) / RFC 9700 §4.7",
                         expect="an error response for a pending flow shows our own words (401), never the "
                                "IdP's error_description, and creates no session")
def test_authorization_error_shows_no_attacker_text(browser, hostile):
    hostile.authorize_with(code=None, error="access_denied", error_description="Call +1-555-0100 to unlock")
    page = browser.sign_in()
    assert (page.status_code, "+1-555-0100" in page.text, browser.is_signed_in()) == (401, False, False)


# --- §4.12 307 redirects, §4.16 clickjacking, §4.14 refresh tokens ---------------------------------------------


@pytest.mark.conformance(source="RFC 9700 §4.12 (307 redirect would re-post the form to the IdP)",
                         expect="sign-out (a POST) redirects to Cognito with 302 or 303, never 307 or 308")
def test_sign_out_redirect_is_not_307(browser, hostile):
    browser.sign_in()
    assert browser.sign_out(browser.csrf_token()).status_code in (302, 303)


@pytest.mark.conformance(source="RFC 9700 §4.16 (clickjacking)",
                         expect="pages forbid framing: CSP frame-ancestors 'none' and X-Frame-Options: DENY")
def test_pages_cannot_be_framed(browser, hostile):
    browser.sign_in()
    headers = browser.get("/profile").headers
    framing = ("frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), headers.get("X-Frame-Options"))
    assert framing == (True, "DENY")


@pytest.mark.conformance(source="RFC 9700 §4.14.2 / RFC 7009 §2 (refresh token revoked at sign-out)",
                         expect="sign-out revokes the session's refresh token at the IdP, authenticated as the client")
def test_sign_out_revokes_the_refresh_token(browser, hostile):
    browser.sign_in()
    (refresh_token,) = hostile.refresh_tokens
    browser.sign_out(browser.csrf_token())
    assert hostile.revoked == [refresh_token]


@pytest.mark.conformance(source="RFC 9700 §4.14.2 (refresh tokens bound to the client by its authentication)",
                         expect="the refresh request authenticates the client with HTTP Basic")
def test_refresh_request_authenticates_the_client(refreshing_rp, hostile):
    browser = HostileBrowser(refreshing_rp.url)
    browser.sign_in()
    browser.get("/profile")  # refreshes
    refresh = [r for r in hostile.recorded(TOKEN_PATH) if r.form.get("grant_type") == "refresh_token"]
    expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{hostile.client_secret}".encode()).decode()
    assert [r.authorization for r in refresh] == [expected]
