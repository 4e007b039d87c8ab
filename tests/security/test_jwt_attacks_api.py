"""A hostile caller against the weather API over real HTTP: the JWT attack list, indexed by where each attack is
described (RFC 8725 JWT BCP, RFC 7515/7519, RFC 6750, Cognito's verification rules).

The API trusts the hostile IdP (`tests/security/hostile_idp.py`), whose published key signs every token that
should pass. Each forged token is built by hand (header and payload serialized here), so it says exactly what
the attack needs and, where the attack is about what it says, still carries a valid signature. Unit tests of the
verifier (`tests/unit/test_cognito_jwt*.py`) and the API's own tests (`tests/weather_api/`) cover the same checks
from the inside; this module is the outside view, one outcome per case.
"""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from joserfc.jwk import ECKey
from joserfc.jws import JWSRegistry
from joserfc.util import urlsafe_b64encode

from tests.idp import CLIENT_ID, b64json, make_key, sign, sign_hs256, stranger_key
from tests.security.conftest import case

INVALID = (401, "invalid_token")
INVALID_REQUEST = (400, "invalid_request")
SCOPE_MISSING = (403, "insufficient_scope")
UNAVAILABLE = (503, "temporarily_unavailable")
ATTACKER_EC_KEY = ECKey.generate_key("P-256", parameters={"kid": "attacker-ec"})


def outcome(response) -> tuple[int, str]:
    return response.status_code, response.json().get("error") if response.content else ""


def sign_with(alg: str, header: dict, claims: dict | bytes, key) -> str:
    """A compact JWS signed with any algorithm joserfc knows, over exactly this header and payload."""
    signing_input = f"{b64json(header)}.{b64json(claims)}"
    signature = JWSRegistry.algorithms[alg].sign(signing_input.encode(), key)
    return f"{signing_input}.{urlsafe_b64encode(signature).decode()}"


def claims(idp, **changes) -> dict:
    return idp.claims("access", **changes)


def header(idp, **members) -> dict:
    return {"kid": idp.key.kid, "alg": "RS256", **members}


def unsigned(idp, alg: str) -> str:
    return f"{b64json({'kid': idp.key.kid, 'alg': alg})}.{b64json(claims(idp))}."


def raw_payload(idp, text: str) -> str:
    """A validly signed token whose payload is exactly `text` (JSON an encoder would never write)."""
    return sign(header(idp), text.encode(), idp.key)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


RFC8725_ALG = "RFC 8725 §2.1, §3.1 (algorithm verification)"
RFC8725_KEYS = "RFC 8725 §3.10 / RFC 7515 §4.1.2-4.1.6 (header members that pick the key)"
TYPES = "RFC 7519 §4.1 / RFC 8725 §3.10 (claim types: refused, never coerced)"
COGNITO = "AWS Cognito: verifying a JWT (token_use, client_id, iss)"
REJECT = "401 invalid_token"

FORGED = [
    # --- algorithms ---
    case("alg-none", lambda idp: unsigned(idp, "none"), INVALID, source=RFC8725_ALG, expect=REJECT),
    case("alg-None-capitalised", lambda idp: unsigned(idp, "None"), INVALID, source=RFC8725_ALG, expect=REJECT),
    case("alg-none-with-a-real-signature",
         lambda idp: unsigned(idp, "none") + sign(header(idp), claims(idp), idp.key).rsplit(".", 1)[1],
         INVALID, source=RFC8725_ALG, expect=REJECT),
    case("hs256-keyed-with-the-public-key-pem",
         lambda idp: sign_hs256(header(idp, alg="HS256"), claims(idp), idp.key.as_pem(private=False)),
         INVALID, source=RFC8725_ALG + " — RSA/HMAC confusion (CVE-2015-9235 class)", expect=REJECT),
    case("hs256-keyed-with-the-public-jwk",
         lambda idp: sign_hs256(header(idp, alg="HS256"), claims(idp),
                                json.dumps(idp.key.as_dict(private=False)).encode()),
         INVALID, source=RFC8725_ALG + " — RSA/HMAC confusion", expect=REJECT),
    case("rs384-with-the-real-key", lambda idp: sign_with("RS384", header(idp, alg="RS384"), claims(idp), idp.key),
         INVALID, source=RFC8725_ALG + " (the token's alg must equal the JWK's: RS256)", expect=REJECT),
    case("ps256-with-the-real-key", lambda idp: sign_with("PS256", header(idp, alg="PS256"), claims(idp), idp.key),
         INVALID, source=RFC8725_ALG + " (the token's alg must equal the JWK's: RS256)", expect=REJECT),
    # --- headers that point at a key ---
    case("jwk-header-embeds-the-attackers-key",
         lambda idp: sign(header(idp, jwk=stranger_key(idp.key.kid).as_dict(private=False)), claims(idp),
                          stranger_key(idp.key.kid)),
         INVALID, source=RFC8725_KEYS + " (jwk)", expect=REJECT),
    case("es256-with-an-attacker-ec-key", lambda idp: sign_with("ES256", header(idp, alg="ES256"), claims(idp),
                                                                ATTACKER_EC_KEY),
         INVALID, source=RFC8725_ALG + " (ES256 is not RS256)", expect=REJECT),
    case("x5c-header-carries-a-certificate",
         lambda idp: sign(header(idp, x5c=[base64.b64encode(b"\x30\x82attacker-cert").decode()]), claims(idp),
                          stranger_key(idp.key.kid)),
         INVALID, source=RFC8725_KEYS + " (x5c)", expect=REJECT),
    case("kid-path-traversal", lambda idp: sign_hs256({"kid": "../../../../../../dev/null", "alg": "HS256"},
                                                      claims(idp), b""),
         INVALID, source=RFC8725_KEYS + " (kid used as a path: RFC 8725 §3.10)", expect=REJECT),
    case("kid-sql-injection", lambda idp: sign_hs256({"kid": "x' UNION SELECT 'secret' --", "alg": "HS256"},
                                                     claims(idp), b"secret"),
         INVALID, source=RFC8725_KEYS + " (kid used in a query: RFC 8725 §3.10)", expect=REJECT),
    case("kid-not-a-string", lambda idp: sign({"kid": 1, "alg": "RS256"}, claims(idp), idp.key),
         INVALID, source="RFC 7515 §4.1.4 (kid is a string)", expect=REJECT),
    case("crit-header", lambda idp: sign(header(idp, crit=["exp"], exp=1), claims(idp), idp.key),
         INVALID, source="RFC 7515 §4.1.11 (crit: unknown critical extensions MUST be refused)", expect=REJECT),
    # --- claim types ---
    case("exp-as-string", lambda idp: idp.access_token(exp="9999999999"), INVALID, source=TYPES, expect=REJECT),
    case("exp-as-boolean", lambda idp: idp.access_token(exp=True), INVALID, source=TYPES, expect=REJECT),
    case("iat-as-string", lambda idp: idp.access_token(iat="0"), INVALID, source=TYPES, expect=REJECT),
    case("nbf-as-string", lambda idp: idp.access_token(nbf="0"), INVALID, source=TYPES, expect=REJECT),
    case("iss-as-list", lambda idp: idp.access_token(iss=[idp.issuer]), INVALID, source=TYPES, expect=REJECT),
    case("client-id-as-list", lambda idp: idp.access_token(client_id=[CLIENT_ID]), INVALID, source=TYPES,
         expect=REJECT),
    case("token-use-as-list", lambda idp: idp.access_token(token_use=["access"]), INVALID, source=TYPES,
         expect=REJECT),
    case("scope-as-list", lambda idp: idp.access_token(scope=["weatherapi/read"]), INVALID, source=TYPES,
         expect=REJECT),
    case("sub-missing", lambda idp: idp.access_token(sub=None), INVALID,
         source="RFC 8725 §3.8 (validate the subject) / Cognito (every access token has sub)", expect=REJECT),
    case("sub-as-object", lambda idp: idp.access_token(sub={"id": "x"}), INVALID, source=TYPES, expect=REJECT),
    case("duplicate-exp-claim",
         lambda idp: raw_payload(idp, json.dumps(claims(idp))[:-1] + ', "exp": 1}'),
         INVALID, source="RFC 7519 §4 (duplicate claim names: parser differentials)", expect=REJECT),
    case("scope-superstring", lambda idp: idp.access_token(scope="openid weatherapi/readwrite"), SCOPE_MISSING,
         source="RFC 6749 §3.3 / RFC 6750 §3.1 (scope tokens compared whole)", expect="403 insufficient_scope"),
    case("scope-comma-joined", lambda idp: idp.access_token(scope="openid,weatherapi/read"), SCOPE_MISSING,
         source="RFC 6749 §3.3 (space-delimited scope)", expect="403 insufficient_scope"),
    # --- substitution: a real token of the wrong kind, client or pool ---
    case("id-token-as-access-token", lambda idp: idp.token(idp.claims("id", scope="weatherapi/read",
                                                                      client_id=CLIENT_ID)),
         INVALID, source=COGNITO + " — token_use (RFC 8725 §2.8, §3.12: cross-JWT confusion)", expect=REJECT),
    case("another-clients-access-token", lambda idp: idp.access_token(client_id="strangerclient1234567890ab"),
         INVALID, source=COGNITO + " — client_id allow-list", expect=REJECT),
    case("client-only-in-aud", lambda idp: idp.access_token(client_id=None, aud=CLIENT_ID), INVALID,
         source=COGNITO + " — access tokens name the client in client_id, never aud", expect=REJECT),
    case("another-pools-token",
         lambda idp: idp.access_token(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Attacker"),
         INVALID, source=COGNITO + " — iss (RFC 8725 §3.8)", expect=REJECT),
    case("expired", lambda idp: idp.access_token(iat=claims(idp)["iat"] - 7200, exp=claims(idp)["iat"] - 60),
         INVALID, source="RFC 7519 §4.1.4 (exp)", expect=REJECT),
    case("not-yet-valid", lambda idp: idp.access_token(nbf=claims(idp)["iat"] + 600), INVALID,
         source="RFC 7519 §4.1.5 (nbf)", expect=REJECT),
    case("forged-signature", lambda idp: sign(header(idp), claims(idp), stranger_key(idp.key.kid)), INVALID,
         source="RFC 7515 §5.2 (signature)", expect=REJECT),
    # --- malformed ---
    case("two-segments", lambda idp: idp.access_token().rsplit(".", 1)[0], INVALID,
         source="RFC 7515 §7.1 (compact serialization only)", expect=REJECT),
    case("five-segments-jwe-shaped", lambda idp: idp.access_token() + ".e30.e30", INVALID,
         source="RFC 7516 §7.1 (a JWE is not a JWS: never decrypted, never accepted)", expect=REJECT),
    case("empty-segments", lambda idp: "..", INVALID, source="RFC 7515 §7.1 (compact serialization)", expect=REJECT),
    case("header-not-json", lambda idp: f"{b64(b'not json')}.{b64json(claims(idp))}.c2ln", INVALID,
         source="RFC 7515 §5.2 step 3", expect=REJECT),
    case("payload-is-a-json-array", lambda idp: raw_payload(idp, "[1, 2, 3]"), INVALID,
         source="RFC 7519 §7.2 step 10 (the claims set is a JSON object)", expect=REJECT),
    case("payload-not-utf8", lambda idp: sign(header(idp), b"\xff\xfe{}", idp.key), INVALID,
         source="RFC 7519 §7.2 / RFC 8725 §3.7 (UTF-8 JSON)", expect=REJECT),
    case("deeply-nested-payload", lambda idp: raw_payload(idp, "[" * 5000 + "]" * 5000), INVALID,
         source="bounded parsing (no recursion error reaches the caller)",
         expect=REJECT + ", never a server error"),
    case("oversized-token", lambda idp: idp.access_token(padding="x" * 9000), INVALID,
         source="bounded input: tokens over 8 KiB are refused before parsing", expect=REJECT),
    case("padded-base64-segments", lambda idp: ".".join(s + "==" for s in idp.access_token().split(".")),
         INVALID_REQUEST, source="RFC 7515 §2 (base64url without padding) / RFC 6750 §2.1 (b64token syntax)",
         expect="400 invalid_request"),
]


@pytest.mark.parametrize(("forge", "expected"), FORGED)
def test_forged_token_is_refused(api, hostile, forge, expected):
    assert outcome(api.get(token=forge(hostile))) == expected


@pytest.mark.conformance(source="positive control (RFC 6750 §2.1)",
                         expect="200 for a valid access token from an allowed client with the scope")
def test_valid_token_is_accepted(api, hostile):
    assert api.get(token=hostile.access_token()).status_code == 200


@pytest.mark.conformance(source="RFC 8725 §3.10 / RFC 7515 §4.1.2 (jku: SSRF and attacker-chosen keys)",
                         expect="401 invalid_token, and the URL in jku is never fetched")
def test_jku_header_is_never_followed(api, hostile):
    attacker = stranger_key("attacker-rsa")
    hostile.respond("/attacker/jwks.json", {"keys": [attacker.as_dict(private=False)]})
    token = sign({"kid": attacker.kid, "alg": "RS256", "jku": f"{hostile.url}/attacker/jwks.json"},
                 claims(hostile), attacker)
    assert (outcome(api.get(token=token)), hostile.hits["/attacker/jwks.json"]) == (INVALID, 0)


@pytest.mark.conformance(source="RFC 8725 §3.10 / RFC 7515 §4.1.5 (x5u: SSRF and attacker-chosen keys)",
                         expect="401 invalid_token, and the URL in x5u is never fetched")
def test_x5u_header_is_never_followed(api, hostile):
    token = sign(header(hostile, x5u=f"{hostile.url}/attacker/cert.pem"), claims(hostile), stranger_key("x5u"))
    assert (outcome(api.get(token=token)), hostile.hits["/attacker/cert.pem"]) == (INVALID, 0)


@pytest.mark.conformance(source="RFC 6750 §2.3 / RFC 9700 §4.3.2 (no tokens in URLs)",
                         expect="400 invalid_request for a token in the query string, even a valid one")
def test_token_in_the_query_string(api, hostile):
    assert outcome(api.get(params={"access_token": hostile.access_token()})) == INVALID_REQUEST


@pytest.mark.conformance(source="RFC 6750 §3.1 (one error for every invalid token: no oracle)",
                         expect="different forgeries get byte-identical answers (status, challenge, body)")
def test_refusals_do_not_say_which_check_failed(api, hostile):
    tokens = [unsigned(hostile, "none"), hostile.access_token(iss="https://elsewhere.example"),
              hostile.access_token(exp="9999999999"), "a.b.c"]
    answers = {(r.status_code, r.headers.get("WWW-Authenticate"), r.text) for r in map(lambda t: api.get(token=t),
                                                                                       tokens)}
    assert len(answers) == 1


@pytest.mark.conformance(source="bounded input (RFC 6585 §5: 431)",
                         expect="a 1 MB Authorization header is refused with a 4xx, never a server error")
def test_huge_authorization_header(api, hostile):
    status = api.get(headers={"Authorization": "Bearer " + "A" * 1_000_000}).status_code
    assert status in (400, 401, 413, 431)


# --- the JWKS: outages, hostile documents, floods (a fresh API each, so nothing is cached) ---------------------

JWKS_FAILURES = [
    case("jwks-5xx", lambda idp: idp.respond(idp.jwks_path, {"error": "down"}, status=500), UNAVAILABLE,
         source="fail closed: JWKS unavailable (RFC 6750 §3 error, Retry-After)", expect="503 temporarily_unavailable"),
    case("jwks-not-json", lambda idp: idp.respond(idp.jwks_path, "<html>maintenance</html>"), UNAVAILABLE,
         source="fail closed: JWKS not a JWK Set (RFC 7517 §5)", expect="503 temporarily_unavailable"),
    case("jwks-oversized", lambda idp: idp.respond(idp.jwks_path, {"keys": [], "pad": "x" * 600_000}), UNAVAILABLE,
         source="fail closed: bounded JWKS (a hostile or broken IdP cannot exhaust memory)",
         expect="503 temporarily_unavailable"),
    case("jwks-redirects-elsewhere",
         lambda idp: idp.respond(idp.jwks_path, "", status=302, headers={"Location": f"{idp.url}/attacker/jwks"}),
         UNAVAILABLE, source="fail closed: JWKS redirect not followed (Cognito serves it directly)",
         expect="503 temporarily_unavailable"),
    case("jwks-symmetric-key-for-the-kid",
         lambda idp: idp.respond(idp.jwks_path, {"keys": [{"kty": "oct", "kid": idp.key.kid, "alg": "HS256",
                                                           "k": b64(b"attacker-secret")}]}),
         INVALID, source=RFC8725_ALG + " (a symmetric key in the JWKS never verifies: RS256 only)", expect=REJECT),
    case("jwks-key-for-encryption",
         lambda idp: idp.respond(idp.jwks_path, {"keys": [{**idp.key.as_dict(private=False), "use": "enc"}]}),
         INVALID, source="RFC 7517 §4.2 (use: enc keys do not verify signatures)", expect=REJECT),
    case("discovery-jwks-uri-plain-http-off-loopback",
         lambda idp: idp.respond(idp.metadata_path, {**idp.discovery(), "jwks_uri": "http://evil.example/jwks"}),
         UNAVAILABLE, source="RFC 8414 §2 / OIDC Discovery §3 (TLS for the jwks_uri)",
         expect="503 temporarily_unavailable, and nothing fetched from the plain-http URL"),
    case("discovery-names-another-issuer",
         lambda idp: idp.respond(idp.metadata_path, {**idp.discovery(), "issuer": "https://elsewhere.example/p"}),
         UNAVAILABLE, source="OIDC Discovery §4.3 / RFC 8414 §3.3 (issuer must match)",
         expect="503 temporarily_unavailable"),
]


@pytest.mark.parametrize(("break_idp", "expected"), JWKS_FAILURES)
def test_jwks_failures_fail_closed(fresh_api, hostile, break_idp, expected):
    break_idp(hostile)
    token = hostile.access_token()
    if expected == INVALID:  # the symmetric-key case presents the matching HMAC token
        token = sign_hs256(header(hostile, alg="HS256"), claims(hostile), b"attacker-secret")
    api = fresh_api()
    assert (outcome(api.get(token=token)), hostile.hits["/attacker/jwks"]) == (expected, 0)


@pytest.mark.conformance(source="fail closed: JWKS slower than HTTP_TIMEOUT",
                         expect="503 temporarily_unavailable after the timeout, not a hung request")
def test_jwks_timeout(fresh_api, hostile):
    hostile.delay = 1.5  # the API's http_timeout is 1 s
    api = fresh_api()
    assert outcome(api.get(token=hostile.access_token())) == UNAVAILABLE


@pytest.mark.conformance(source="availability: cached keys outlive a JWKS outage (aws-jwt-verify's cache)",
                         expect="200 for a valid token while the JWKS answers 500, once the key is cached")
def test_cached_keys_survive_a_jwks_outage(fresh_api, hostile):
    api = fresh_api(jwks_refetch_interval=0.0)
    api.get(token=hostile.access_token())
    hostile.respond(hostile.jwks_path, {"error": "down"}, status=500)
    assert api.get(token=hostile.access_token()).status_code == 200


@pytest.mark.conformance(source="unknown-kid flood (aws-jwt-verify penalty box; RFC 8725 §3.10)",
                         expect="30 tokens with made-up kids: all 401, and the JWKS is not fetched again within "
                                "the refetch interval")
def test_unknown_kid_flood_costs_no_jwks_fetches(fresh_api, hostile):
    api = fresh_api(jwks_refetch_interval=60.0)
    api.get(token=hostile.access_token())  # the JWKS is cached: one fetch
    statuses = {api.get(token=sign(header(hostile, kid=str(uuid.uuid4())), claims(hostile),
                                   stranger_key("flood"))).status_code for _ in range(30)}
    assert (statuses, hostile.hits[hostile.jwks_path]) == ({401}, 1)


@pytest.mark.conformance(source="unknown-kid flood (availability)",
                         expect="after a flood of made-up kids, a valid token still gets 200 (good keys are kept)")
def test_unknown_kid_flood_keeps_good_keys(fresh_api, hostile):
    api = fresh_api(jwks_refetch_interval=0.0)
    for _ in range(10):
        api.get(token=sign(header(hostile, kid=str(uuid.uuid4())), claims(hostile), stranger_key("flood")))
    assert api.get(token=hostile.access_token()).status_code == 200


@pytest.mark.conformance(source="Cognito JWKS rotation (verifiers refetch on an unknown kid, rate limited)",
                         expect="after the IdP adds a key, a token signed by it gets 200")
def test_rotated_key_is_picked_up(fresh_api, hostile):
    api = fresh_api(jwks_refetch_interval=0.0)
    api.get(token=hostile.access_token())
    new_key = make_key("key-2")
    hostile.published = [hostile.key, new_key]
    assert api.get(token=hostile.token(claims(hostile), key=new_key)).status_code == 200
