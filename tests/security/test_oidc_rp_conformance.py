"""The web app as an OpenID Connect relying party, against the OpenID Foundation's RP tests (`oidcc-client-test-*`).

The hostile IdP plays the token endpoint of each conformance test module: a sign-in whose ID token (or refreshed
ID token) breaks one rule must leave the browser without a session. Test ids are the conformance suite's test
names where one exists, otherwise the OIDC Core section. Where this project deliberately departs from what a
suite module accepts (Cognito always sends what the module leaves out), the expected behaviour says so.
"""

from __future__ import annotations

import base64
import json
import time

import pytest
from joserfc import jws
from joserfc.jwk import ECKey
from werkzeug.wrappers import Response

from tests.idp import CLIENT_ID, b64json, make_key, sign, sign_hs256, stranger_key, trickled
from tests.security.conftest import case, entropy_bits
from tests.security.hostile_browser import HostileBrowser
from tests.security.hostile_idp import USER_EMAIL, USER_SUB, HostileIdp

REFUSED = "callback refused (401 page), no session"
ATTACKER_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Attacker"


def claims_of(token: str) -> dict:
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def replace_id_token(idp: HostileIdp, grant, make) -> dict:
    """An honest token response whose ID token is replaced by `make(claims)` (same claims, other signing)."""
    answer = idp.tokens(grant)
    answer["id_token"] = make(claims_of(answer["id_token"]))
    return answer


def id_claims(**changes):
    return lambda idp, grant: idp.tokens(grant, id=changes)


def id_signed(make):
    return lambda idp, grant: replace_id_token(idp, grant, lambda claims: make(idp, claims))


FORGED_ID_TOKENS = [
    case("oidcc-client-test-invalid-iss", id_claims(iss=ATTACKER_ISSUER),
         source="oidcc-client-test-invalid-iss (OIDC Core 3.1.3.7 step 2)", expect=REFUSED),
    case("oidcc-client-test-invalid-aud", id_claims(aud="attackerclient1234567890ab"),
         source="oidcc-client-test-invalid-aud (OIDC Core 3.1.3.7 step 3)", expect=REFUSED),
    case("oidcc-client-test-missing-aud", id_claims(aud=None),
         source="oidcc-client-test-missing-aud (OIDC Core 2, 3.1.3.7 step 3)", expect=REFUSED),
    case("oidcc-client-test-missing-sub", id_claims(sub=None),
         source="oidcc-client-test-missing-sub (OIDC Core 2)", expect=REFUSED),
    case("oidcc-client-test-missing-iat", id_claims(iat=None),
         source="oidcc-client-test-missing-iat (OIDC Core 2)", expect=REFUSED),
    case("oidcc-client-test-nonce-invalid", id_claims(nonce="not-the-nonce-that-was-sent"),
         source="oidcc-client-test-nonce-invalid (OIDC Core 3.1.3.7 step 11)", expect=REFUSED),
    case("oidc-core-3.1.3.7-11-nonce-missing", id_claims(nonce=None),
         source="OIDC Core 3.1.3.7 step 11 (nonce sent, so it must come back)", expect=REFUSED),
    case("oidcc-client-test-idtoken-sig-none",
         id_signed(lambda idp, claims: f"{b64json({'alg': 'none'})}.{b64json(claims)}."),
         source="oidcc-client-test-idtoken-sig-none (OIDC Core 3.1.3.7 step 7; RFC 8725 §3.1)", expect=REFUSED),
    case("oidcc-client-test-invalid-sig-rs256",
         id_signed(lambda idp, claims: sign({"kid": idp.key.kid, "alg": "RS256"}, claims, stranger_key(idp.key.kid))),
         source="oidcc-client-test-invalid-sig-rs256 (OIDC Core 3.1.3.7 step 6)",
         expect=REFUSED + " (a key with the published kid, but not the published key)"),
    case("oidcc-client-test-invalid-sig-hs256",
         id_signed(lambda idp, claims: sign_hs256({"kid": idp.key.kid, "alg": "HS256"}, claims,
                                                  idp.client_secret.encode())),
         source="oidcc-client-test-invalid-sig-hs256 (OIDC Core 3.1.3.7 step 8; Cognito signs RS256 only)",
         expect=REFUSED + " even with a valid MAC under the client secret"),
    case("oidcc-client-test-invalid-athash", id_claims(at_hash="AAAAAAAAAAAAAAAAAAAAAA"),
         source="oidcc-client-test-invalid-athash (OIDC Core 3.2.2.9)", expect=REFUSED),
    case("oidcc-client-test-missing-athash", id_claims(at_hash=None),
         source="oidcc-client-test-missing-athash (hybrid flow in the suite; Cognito always sends at_hash)",
         expect=REFUSED + " (stricter than the code flow requires: Cognito's Hosted UI always sends at_hash)"),
    case("oidcc-client-test-kid-absent-single-jwks",
         id_signed(lambda idp, claims: sign({"alg": "RS256"}, claims, idp.key)),
         source="oidcc-client-test-kid-absent-single-jwks (OIDC Core 10.1)",
         expect=REFUSED + " (deliberate departure: the suite accepts it; Cognito always sends kid, and "
                          "aws-jwt-verify refuses a token without one too)"),
    case("oidc-core-3.1.3.7-9-expired", id_claims(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
         source="OIDC Core 3.1.3.7 step 9 (exp)", expect=REFUSED),
    case("oidc-core-3.1.3.7-10-issued-in-the-future", id_claims(iat=int(time.time()) + 3600),
         source="OIDC Core 3.1.3.7 step 10 (iat)", expect=REFUSED),
    case("oidc-core-3.1.3.7-4-untrusted-extra-audience", id_claims(aud=[CLIENT_ID, "attackerclient1234567890ab"]),
         source="OIDC Core 3.1.3.7 step 4 (further audiences not trusted)", expect=REFUSED),
    case("oidc-core-3.1.3.7-5-azp-another-client", id_claims(azp="attackerclient1234567890ab"),
         source="OIDC Core 3.1.3.7 step 5 (azp)", expect=REFUSED),
    case("cognito-token-use-access-as-id",
         id_signed(lambda idp, claims: idp.token({**claims, "token_use": "access"})),
         source="AWS Cognito: verifying a JWT (token_use)", expect=REFUSED + " (an access token is not an ID token)"),
    case("cognito-access-token-another-client", lambda idp, grant: idp.tokens(grant, access={"client_id": "other"}),
         source="AWS Cognito: verifying a JWT (client_id of access tokens)", expect=REFUSED),
    case("oidc-core-2-access-token-another-subject",
         lambda idp, grant: idp.tokens(grant, access={"sub": "22222222-0000-4000-8000-attacker0000"}),
         source="OIDC Core 2 / 3.1.3.8 (the access token belongs to the ID token's subject)", expect=REFUSED),
    case("oidc-core-2-no-subject-anywhere", lambda idp, grant: idp.tokens(grant, id={"sub": None}, access={"sub": None}),
         source="OIDC Core 2 (sub is REQUIRED)", expect=REFUSED + ", never a server error"),
]


CLAIM_TYPES = "Cognito's ID token claim types / OWASP ASVS V5.1.4 (structured data strongly typed)"
FORGED_ID_TOKENS += [
    case("claim-type-cognito-groups-number", id_claims(**{"cognito:groups": 5}), source=CLAIM_TYPES,
         expect=REFUSED + ", never a server error"),
    case("claim-type-cognito-groups-string", id_claims(**{"cognito:groups": "admins"}), source=CLAIM_TYPES,
         expect=REFUSED + " (a string is not split into one-letter groups)"),
    case("claim-type-email-object", id_claims(email={"address": "victim@example.com"}), source=CLAIM_TYPES,
         expect=REFUSED),
]


@pytest.mark.parametrize("forge", FORGED_ID_TOKENS)
def test_forged_token_response_is_refused(browser, hostile, forge):
    hostile.answer_token(lambda grant: forge(hostile, grant))
    response = browser.sign_in()
    assert (response.status_code, browser.is_signed_in()) == (401, False)


@pytest.mark.conformance(source="oidcc-client-test (OIDC Core 3.1)", expect="an honest sign-in succeeds and the "
                         "session is the ID token's subject (the positive control for every refusal here)")
def test_oidcc_client_test_honest_sign_in(browser, hostile):
    browser.sign_in()
    assert USER_EMAIL in browser.get("/profile").text


@pytest.mark.conformance(source="oidcc-client-test-client-secret-basic (RFC 6749 §2.3.1)",
                         expect="the code is exchanged with HTTP Basic client authentication")
def test_oidcc_client_test_client_secret_basic(browser, hostile):
    browser.sign_in()
    (exchange,) = hostile.recorded("/oauth2/token")
    expected = base64.b64encode(f"{CLIENT_ID}:{hostile.client_secret}".encode()).decode()
    assert exchange.authorization == f"Basic {expected}"


@pytest.mark.conformance(source="oidcc-client-test-nonce (OIDC Core 3.1.2.1, 15.5.2)",
                         expect="every authorization request carries its own nonce of at least 96 random bits")
def test_oidcc_client_test_nonce(browser, hostile):
    nonces = [browser.start_sign_in().params.get("nonce", "") for _ in range(2)]
    assert nonces[0] != nonces[1] and min(entropy_bits(n) for n in nonces) >= 96


@pytest.mark.conformance(source="oidcc-client-test-userinfo-invalid-sub (OIDC Core 5.3.2)",
                         expect="a userInfo answer for another sub never reaches the session: the web app takes "
                                "identity only from the validated ID token and never calls userInfo")
def test_oidcc_client_test_userinfo_invalid_sub(browser, hostile):
    hostile.userinfo_answer = (200, {"sub": "attacker-sub", "email": "attacker@example.com"})
    browser.sign_in()
    profile = browser.get("/profile").text
    assert (USER_SUB in profile, "attacker" in profile, hostile.hits["/oauth2/userInfo"]) == (True, False, 0)


@pytest.mark.parametrize("refresh_token", [
    case("refresh-token-object", {"jwe": "x"}, source="RFC 6749 §5.1 (refresh_token is a string)",
         expect="sign-in refused (502 page): a token response whose refresh_token is not a string is not stored"),
    case("refresh-token-array", ["x"], source="RFC 6749 §5.1 (refresh_token is a string)",
         expect="sign-in refused (502 page): a token response whose refresh_token is not a string is not stored"),
])
def test_token_response_with_a_malformed_refresh_token(browser, hostile, refresh_token):
    hostile.answer_token(lambda grant: {**hostile.tokens(grant), "refresh_token": refresh_token})
    response = browser.sign_in()
    assert (response.status_code, browser.is_signed_in()) == (502, False)


HUGE = 4 * 1024 * 1024  # far beyond any token response Cognito sends


def padded_tokens(idp: HostileIdp, grant, *, declared: bool) -> Response:
    """An honest token response padded to HUGE bytes: with a Content-Length, or streamed without one."""
    prefix = json.dumps(idp.tokens(grant))[:-1] + ', "padding": "'
    chunks = [prefix.encode(), *[b"x" * 65536] * (HUGE // 65536), b'"}']
    if declared:
        return Response(b"".join(chunks), content_type="application/json")
    return Response(iter(chunks), content_type="application/json")


@pytest.mark.parametrize("declared", [
    case("token-response-huge-declared", True, source="RFC 9700 §4 / OWASP ASVS V13 (bounded input from a server)",
         expect="sign-in refused (502 page): a token response that declares more than the cap is not read"),
    case("token-response-huge-streamed", False, source="RFC 9700 §4 / OWASP ASVS V13 (bounded input from a server)",
         expect="sign-in refused (502 page): a token response streamed without a length stops being read at the cap"),
])
def test_huge_token_response_is_refused(browser, hostile, declared):
    hostile.answer_token(lambda grant: padded_tokens(hostile, grant, declared=declared))
    response = browser.sign_in()
    assert (response.status_code, browser.is_signed_in()) == (502, False)


@pytest.mark.conformance(source="OWASP ASVS V13 (bounded input from a server): JSON nested past the parser's depth",
                         expect="sign-in refused (502 page), never a server error")
def test_deeply_nested_token_response_is_refused(browser, hostile):
    hostile.answer_token(lambda grant: Response("[" * 100_000, content_type="application/json"))
    response = browser.sign_in()
    assert (response.status_code, browser.is_signed_in()) == (502, False)


@pytest.mark.conformance(source="RFC 9700 §4 / OWASP ASVS V13 (a deadline on every call to a server)",
                         expect="sign-in refused (503 page): a token response still trickling in one timeout after "
                                "its headers is abandoned, though each read got bytes in time")
def test_trickled_token_response_is_abandoned(browser, hostile):
    hostile.answer_token(lambda grant: trickled(json.dumps(hostile.tokens(grant)).encode()))
    response = browser.sign_in()
    assert (response.status_code, browser.is_signed_in()) == (503, False)


@pytest.mark.conformance(source="RFC 6749 §5.1 / §6 (refresh_token is a string)",
                         expect="a refresh response whose new refresh_token is not a string ends the session (401), "
                                "never a server error at refresh or at sign-out")
def test_refresh_response_with_a_malformed_refresh_token(refreshing_rp, hostile):
    browser = HostileBrowser(refreshing_rp.url)
    browser.sign_in()
    hostile.answer_token(lambda grant: {**refreshed()(hostile, grant), "refresh_token": {"jwe": "x"}})
    profile = browser.get("/profile")
    assert (profile.status_code, browser.is_signed_in()) == (401, False)


@pytest.mark.conformance(source="OWASP ASVS V5.3.3 (output escaping of what the IdP says about the user)",
                         expect="markup in the email and username claims is shown as text, never run")
def test_hostile_claims_are_shown_as_text(browser, hostile):
    markup = "<script>alert(1)</script>"
    hostile.answer_token(lambda grant: hostile.tokens(grant, id={"email": f"{markup}@evil.example",
                                                                 "cognito:username": f"<img src=x onerror={markup}>"}))
    browser.sign_in()
    page = browser.get("/profile").text
    assert ("<script>alert" in page, "<img src=x" in page, "&lt;script&gt;alert(1)" in page) == (False, False, True)


@pytest.mark.conformance(source="oidcc-client-test-discovery-issuer-mismatch (OIDC Discovery 4.3)",
                         expect="sign-in refused (502 page) before any redirect to the IdP")
def test_oidcc_client_test_discovery_issuer_mismatch(fresh_rp, hostile):
    hostile.respond(hostile.metadata_path, {**hostile.discovery(), "issuer": ATTACKER_ISSUER})
    response = HostileBrowser(fresh_rp().url).get("/login")
    assert response.status_code == 502


# --- cases that change the published keys (a web app with a cold JWKS cache each) ---------------------------


@pytest.mark.conformance(source="oidcc-client-test-invalid-sig-es256 (OIDC Core 3.1.3.7 step 8; Cognito signs "
                         "RS256 only)", expect=REFUSED + " even with a valid ES256 signature by a published EC key")
def test_oidcc_client_test_invalid_sig_es256(fresh_rp, hostile):
    ec_key = ECKey.generate_key("P-256", parameters={"kid": "ec-1", "alg": "ES256", "use": "sig"})
    hostile.published = [hostile.key, ec_key]
    hostile.answer_token(lambda grant: replace_id_token(
        hostile, grant, lambda claims: jws.serialize_compact({"kid": "ec-1", "alg": "ES256"}, json.dumps(claims),
                                                             ec_key, algorithms=["ES256"])))
    browser = HostileBrowser(fresh_rp().url)
    assert (browser.sign_in().status_code, browser.is_signed_in()) == (401, False)


@pytest.mark.conformance(source="oidcc-client-test-kid-absent-multiple-jwks (OIDC Core 10.1)",
                         expect=REFUSED + " (the suite allows refusing when several keys could match)")
def test_oidcc_client_test_kid_absent_multiple_jwks(fresh_rp, hostile):
    hostile.published = [hostile.key, make_key("key-2")]
    hostile.answer_token(lambda grant: replace_id_token(hostile, grant,
                                                        lambda claims: sign({"alg": "RS256"}, claims, hostile.key)))
    browser = HostileBrowser(fresh_rp().url)
    assert (browser.sign_in().status_code, browser.is_signed_in()) == (401, False)


@pytest.mark.conformance(source="oidcc-client-test-ignores-unparseable-key-in-jwks (RFC 7517 §5)",
                         expect="sign-in succeeds: keys the app cannot use are skipped, the usable one verifies")
def test_oidcc_client_test_ignores_unparseable_key_in_jwks(fresh_rp, hostile):
    junk = [{"kty": "AKP", "kid": "pq-1", "alg": "ML-DSA-00", "pub": "AAAA"}, {"kty": "made-up", "kid": "odd-1"}]
    hostile.respond(hostile.jwks_path, {"keys": [*junk, *hostile.jwks()["keys"]]})
    browser = HostileBrowser(fresh_rp().url)
    browser.sign_in()
    assert browser.is_signed_in()


@pytest.mark.conformance(source="oidcc-client-test-signing-key-rotation (OIDC Core 10.1.1)",
                         expect="after the IdP replaces its signing key, the next sign-in refetches the JWKS and "
                                "succeeds")
def test_oidcc_client_test_signing_key_rotation(fresh_rp, hostile):
    running = fresh_rp()
    # Production allows one refetch per 10 s (a flood of made-up kids costs one fetch); this test rotates sooner.
    running.app.extensions["cognito_auth"].oidc.jwks_cache.min_refetch_interval = 0
    first = HostileBrowser(running.url)
    first.sign_in()
    assert first.is_signed_in()
    new_key = make_key("key-rotated")
    hostile.published = [new_key]
    hostile.answer_token(lambda grant: hostile.tokens(grant, key=new_key))
    second = HostileBrowser(running.url)
    second.sign_in()
    assert second.is_signed_in()


# --- refresh (OIDC Core 12.2): a refreshed ID token must still be the same person's, from the same issuer ------

REFRESH_ENDS = "refresh refused: the page asks to sign in again (401) and the session is gone"


def refreshed(**id_changes):
    return lambda idp, grant: idp.tokens(grant, id=id_changes, with_refresh_token=False, nonce=False)


def unsigned_refresh(idp: HostileIdp, grant) -> dict:
    answer = refreshed()(idp, grant)
    return {**answer, "id_token": f"{b64json({'alg': 'none'})}.{b64json(claims_of(answer['id_token']))}."}


FORGED_REFRESHES = [
    case("oidcc-client-test-refresh-token-invalid-issuer", refreshed(iss=ATTACKER_ISSUER),
         source="oidcc-client-test-refresh-token-invalid-issuer (OIDC Core 12.2)", expect=REFRESH_ENDS),
    case("oidcc-client-test-refresh-token-invalid-sub", refreshed(sub="33333333-0000-4000-8000-attacker0000"),
         source="oidcc-client-test-refresh-token-invalid-sub (OIDC Core 12.2)", expect=REFRESH_ENDS),
    case("oidcc-client-test-refresh-token-invalid-aud", refreshed(aud="attackerclient1234567890ab"),
         source="oidcc-client-test-refresh-token-invalid-aud (OIDC Core 12.2)", expect=REFRESH_ENDS),
    case("oidcc-client-test-refresh-token-invalid-azp", refreshed(azp="attackerclient1234567890ab"),
         source="oidcc-client-test-refresh-token-invalid-azp (OIDC Core 12.2)", expect=REFRESH_ENDS),
    case("oidc-core-12.2-azp-gained", refreshed(azp=CLIENT_ID),
         source="OIDC Core 12.2 (azp, when the original ID token had none, must stay absent)",
         expect=REFRESH_ENDS + " (even though this azp names our own client: the original ID token had none)"),
    case("oidc-core-12.2-auth-time-changed",
         lambda idp, grant: refreshed(auth_time=grant.auth_time + 60)(idp, grant),
         source="OIDC Core 12.2 (auth_time of the original authentication)", expect=REFRESH_ENDS),
    case("oidc-core-12.2-refreshed-id-token-sig-none", lambda idp, grant: unsigned_refresh(idp, grant),
         source="OIDC Core 12.2 (validated as in 3.1.3.7, except nonce)", expect=REFRESH_ENDS),
    case("oidc-core-12.2-access-token-another-subject",
         lambda idp, grant: idp.tokens(grant, access={"sub": "33333333-0000-4000-8000-attacker0000"},
                                       with_refresh_token=False, nonce=False),
         source="OIDC Core 12.2 / RFC 6749 §6 (the refreshed access token is the same user's)", expect=REFRESH_ENDS),
    case("rfc6749-5.2-refresh-invalid-grant", lambda idp, grant: (400, {"error": "invalid_grant"}),
         source="RFC 6749 §5.2 (refresh token revoked or expired)", expect=REFRESH_ENDS),
]


@pytest.mark.parametrize("forge", FORGED_REFRESHES)
def test_forged_refresh_ends_the_session(refreshing_rp, hostile, forge):
    browser = HostileBrowser(refreshing_rp.url)
    browser.sign_in()
    hostile.answer_token(lambda grant: forge(hostile, grant))
    profile = browser.get("/profile")  # uses the access token, so refreshes it first
    assert (profile.status_code, browser.is_signed_in()) == (401, False)


@pytest.mark.conformance(source="oidcc-client-test-refresh-token (OIDC Core 12)",
                         expect="an honest refresh keeps the session (the positive control for the refresh cases)")
def test_oidcc_client_test_refresh_token(refreshing_rp, hostile):
    browser = HostileBrowser(refreshing_rp.url)
    browser.sign_in()
    profile = browser.get("/profile")
    grants = [r.form.get("grant_type") for r in hostile.recorded("/oauth2/token")]
    assert (profile.status_code, grants) == (200, ["authorization_code", "refresh_token"])
