"""The Cognito JWT verifier: each way a token can be wrong raises its own error class, and good tokens pass.

Keys are preloaded into the JWKS cache, so nothing here touches the network (the fake IdP's hit counter proves
it); refetching and outages are in test_jwks_cache.py.
"""

from __future__ import annotations

import json
import time

import pytest
from joserfc.jwk import ECKey

from tests.idp import CLIENT_ID, MACHINE_CLIENT_ID, SCOPE, b64json, make_key, sign, sign_hs256, stranger_key
from webapp.cognito_jwt import CognitoJwtVerifier, JwksCache, VerifiedTokenCache, at_hash
from webapp.cognito_jwt.errors import (
    InvalidClientIdError,
    InvalidTokenUseError,
    JwtError,
    JwtExpiredError,
    JwtInvalidAtHashError,
    JwtInvalidClaimError,
    JwtInvalidIssuerError,
    JwtInvalidNonceError,
    JwtInvalidSignatureAlgorithmError,
    JwtInvalidSignatureError,
    JwtMissingScopeError,
    JwtNotYetValidError,
    JwtParseError,
    JwtUnsupportedHeaderError,
    KidNotFoundInJwksError,
)

NOW = int(time.time())  # only for claims of the wrong type, where the value does not matter


def now() -> int:
    """The clock when a test mints its token: the suite may reach a test minutes after this module was imported."""
    return int(time.time())
HEADER = b64json({"kid": "key-1", "alg": "RS256"})


@pytest.fixture
def cache(idp):
    cache = JwksCache(min_refetch_interval=3600)
    cache.preload(idp.jwks_uri, idp.jwks())
    yield cache
    assert idp.hits[idp.jwks_path] == 0, "unit tests must not fetch the JWKS"


def verifier(idp, cache, **options) -> CognitoJwtVerifier:
    defaults = dict(issuer=idp.issuer, jwks_uri=idp.jwks_uri, token_use="access",
                    client_ids=[CLIENT_ID, MACHINE_CLIENT_ID], scopes=[SCOPE], jwks_cache=cache)
    return CognitoJwtVerifier(**{**defaults, **options})


@pytest.fixture
def access(idp, cache):
    return verifier(idp, cache)


@pytest.fixture
def id_verifier(idp, cache):
    return verifier(idp, cache, token_use="id", client_ids=[CLIENT_ID], scopes=None)


def refused(verifier: CognitoJwtVerifier, token: str, error_class: type[JwtError], **kwargs) -> JwtError:
    """`verify` raises exactly `error_class`, and the message does not give the token away."""
    with pytest.raises(JwtError) as caught:
        verifier.verify(token, **kwargs)
    assert type(caught.value) is error_class, f"{type(caught.value).__name__}: {caught.value}"
    if isinstance(token, str):
        for part in [token, *token.split(".")]:
            assert len(part) < 8 or part not in str(caught.value)
    return caught.value


# --- good tokens ---------------------------------------------------------------------------------------------


def test_user_access_token_passes_and_returns_its_claims(idp, access):
    claims = access.verify(idp.access_token(username="bob"))
    assert claims["username"] == "bob" and claims["token_use"] == "access" and claims["client_id"] == CLIENT_ID


def test_machine_client_credentials_token_passes(idp, access):
    assert access.verify(idp.machine_token())["sub"] == MACHINE_CLIENT_ID


def test_id_token_with_nonce_and_at_hash_passes(idp, id_verifier):
    access_token = idp.access_token()
    token = idp.id_token(nonce="n-0S6_WzA2Mj", access_token=access_token)
    claims = id_verifier.verify(token, nonce="n-0S6_WzA2Mj", access_token=access_token)
    assert claims["aud"] == CLIENT_ID and claims["email"] == "alice@example.com"


def test_token_use_none_accepts_both_kinds(idp, cache):
    either = verifier(idp, cache, token_use=None, scopes=None)
    assert either.verify(idp.id_token())["token_use"] == "id"
    assert either.verify(idp.access_token())["token_use"] == "access"


def test_client_ids_none_accepts_any_client_of_the_pool(idp, cache):
    any_client = verifier(idp, cache, client_ids=None)
    assert any_client.verify(idp.access_token(client_id="someotherclient"))["client_id"] == "someotherclient"


def test_at_hash_is_left_half_of_sha256_base64url():
    # A published pair (net.trajano.openidconnect's AtHashTest, a Google access token and its at_hash).
    assert at_hash("ya29.OwHWAP05yaZvR92b67pAxfX5xHH5KNxA1mhh-zInoQ5vhK-Vuib1-Hqj") == "-EsTxDmUFRxSI0H_ZpbHiw"


# --- signature and algorithm ---------------------------------------------------------------------------------


def test_forged_signature_with_another_key_under_the_same_kid(idp, access):
    forger = make_key(idp.key.kid)
    refused(access, idp.token(idp.claims("access"), key=forger), JwtInvalidSignatureError)


def test_tampered_payload(idp, access):
    header, _, signature = idp.access_token().split(".")
    payload = b64json(idp.claims("access", scope="weatherapi/read weatherapi/write"))
    refused(access, f"{header}.{payload}.{signature}", JwtInvalidSignatureError)


def test_empty_signature(idp, access):
    header, payload, _ = idp.access_token().split(".")
    refused(access, f"{header}.{payload}.", JwtInvalidSignatureError)


def test_alg_none(idp, access):
    token = f"{b64json({'kid': idp.key.kid, 'alg': 'none'})}.{b64json(idp.claims('access'))}."
    refused(access, token, JwtInvalidSignatureAlgorithmError)


def test_hs256_signed_with_the_rsa_public_key_as_secret(idp, access):
    public_pem = idp.key.as_pem(private=False)
    token = sign_hs256({"kid": idp.key.kid, "alg": "HS256"}, idp.claims("access"), public_pem)
    refused(access, token, JwtInvalidSignatureAlgorithmError)


@pytest.mark.parametrize("alg", ["RS512", "PS256", "ES256", "rs256", None, ["RS256"]])
def test_algorithms_other_than_rs256(idp, access, alg):
    refused(access, idp.token(idp.claims("access"), header={"kid": idp.key.kid, "alg": alg}),
            JwtInvalidSignatureAlgorithmError)


@pytest.mark.parametrize(
    "jwk_parameters",
    [{"alg": "RS512"}, {"use": "enc"}],
    ids=["jwk-alg-differs", "jwk-for-encryption"],
)
def test_jwk_must_be_an_rs256_signing_key(idp, jwk_parameters):
    key = make_key("odd-key", **jwk_parameters)
    cache = JwksCache()
    cache.preload(idp.jwks_uri, {"keys": [key.as_dict(private=False)]})
    refused(verifier(idp, cache), idp.token(idp.claims("access"), key=key), JwtInvalidSignatureAlgorithmError)


def test_jwk_without_alg_is_refused(idp):
    key = make_key("no-alg")
    jwk = key.as_dict(private=False)
    del jwk["alg"]
    cache = JwksCache()
    cache.preload(idp.jwks_uri, {"keys": [jwk]})
    refused(verifier(idp, cache), idp.token(idp.claims("access"), key=key), JwtInvalidSignatureAlgorithmError)


def test_jwk_whose_key_ops_exclude_verify_is_refused(idp):
    jwk = idp.key.as_dict(private=False)
    del jwk["use"]
    jwk["key_ops"] = ["encrypt"]  # RFC 7517 §4.3: this key may not verify signatures
    cache = JwksCache()
    cache.preload(idp.jwks_uri, {"keys": [jwk]})
    refused(verifier(idp, cache), idp.access_token(), JwtInvalidSignatureAlgorithmError)


def test_kid_naming_a_non_rsa_key(idp):
    ec = ECKey.generate_key("P-256", parameters={"kid": "ec-key", "alg": "ES256"})
    cache = JwksCache()
    cache.preload(idp.jwks_uri, {"keys": [ec.as_dict(private=False), idp.key.as_dict(private=False)]})
    token = idp.token(idp.claims("access"), header={"kid": "ec-key", "alg": "RS256"})
    refused(verifier(idp, cache), token, JwtInvalidSignatureAlgorithmError)


# --- header --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("member", ["jku", "x5u", "jwk", "x5c"])
def test_key_pointer_headers_are_refused_not_followed(idp, access, member):
    values = {"jku": f"{idp.url}/attacker/jwks.json", "x5u": f"{idp.url}/attacker/cert.pem",
              "jwk": idp.key.as_dict(private=False), "x5c": ["MIIB"]}
    header = {"kid": idp.key.kid, "alg": "RS256", member: values[member]}
    refused(access, idp.token(idp.claims("access"), header=header), JwtUnsupportedHeaderError)
    assert idp.hits["/attacker/jwks.json"] == idp.hits["/attacker/cert.pem"] == 0


@pytest.mark.parametrize(
    "extra",
    [{"crit": ["exp"], "exp": 1}, {"b64": False, "crit": ["b64"]}, {"zip": "DEF"}, {"typ": "at+jwt"},
     {"typ": 1}, {"cty": "JWT"}],
    ids=["crit", "b64", "zip", "typ-other", "typ-number", "cty-nested"],
)
def test_header_members_cognito_never_sets(idp, access, extra):
    header = {"kid": idp.key.kid, "alg": "RS256", **extra}
    refused(access, idp.token(idp.claims("access"), header=header), JwtUnsupportedHeaderError)


def test_typ_jwt_is_accepted(idp, access):
    header = {"kid": idp.key.kid, "alg": "RS256", "typ": "JWT"}
    assert access.verify(idp.token(idp.claims("access"), header=header))


@pytest.mark.parametrize("kid", [None, "", 7, ["key-1"], "k" * 257], ids=["absent", "empty", "int", "list", "long"])
def test_unusable_kid(idp, access, kid):
    header = {"alg": "RS256"} if kid is None else {"alg": "RS256", "kid": kid}
    refused(access, idp.token(idp.claims("access"), header=header), JwtParseError)


def test_unknown_kid_with_preloaded_keys(idp, access):
    stranger = make_key("unknown-kid")
    refused(access, idp.token(idp.claims("access"), key=stranger), KidNotFoundInJwksError)


# --- shape and size ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b", "a.b.c.d", "!!!.e30.sig", "eyJ.e30.sig", "e30=.e30.sig", "W10.e30.sig", "{H}.W10.sig",
     "MQ.e30.sig", "é.e30.sig", "{H}\n.e30.sig", "{H}.e30=.sig", "{H}.!!!.sig", "{H}.eyJ.sig", "{H}.e3.sig"],
    ids=["empty", "one-part", "two-parts", "four-parts", "bad-base64", "truncated-json", "padded",
         "header-array", "payload-array", "header-number", "non-ascii", "newline", "payload-padded",
         "payload-bad-base64", "payload-truncated", "non-canonical-base64"],
)
def test_malformed_tokens(access, token):
    refused(access, token.format(H=HEADER), JwtParseError)


@pytest.mark.parametrize("segment", [1, 2], ids=["payload", "signature"])
def test_standard_base64_alphabet_is_refused(idp, access, segment):
    # The same bytes in base64 with `+` and `/` for base64url's `-` and `_`: another encoding of a valid token.
    # ("???" in the JSON puts a "?" last in a 3-byte group: base64url "_"; signatures have "-" or "_" by chance.)
    tokens = (idp.access_token(note="???") for _ in range(100))
    token = next(t for t in tokens if {"-", "_"} & set(t.split(".")[segment]))
    parts = token.split(".")
    parts[segment] = parts[segment].replace("-", "+").replace("_", "/")
    refused(access, ".".join(parts), JwtParseError)


@pytest.mark.parametrize("token", [None, b"a.b.c", 42])
def test_not_a_string(access, token):
    refused(access, token, JwtParseError)


def test_oversized_token_is_refused_before_parsing(idp, access):
    claims = idp.claims("access", padding="x" * 9000)
    refused(access, idp.token(claims), JwtParseError)
    refused(access, "." * 100_000, JwtParseError)


def test_max_token_length_is_configurable(idp, cache):
    token = idp.access_token()
    assert verifier(idp, cache, max_token_length=len(token)).verify(token)
    refused(verifier(idp, cache, max_token_length=len(token) - 1), token, JwtParseError)


@pytest.mark.parametrize(
    "payload",
    [b'{"exp": NaN}', b'{"exp": Infinity}', b'{"iss": "a", "iss": "b"}', b"not json", b'"a string"'],
    ids=["nan", "infinity", "duplicate-member", "not-json", "string"],
)
def test_signed_payloads_that_are_not_plain_json_objects(idp, access, payload):
    refused(access, idp.token(payload), JwtParseError)


def test_duplicate_header_members(idp, access):
    raw_header = b'{"kid":"key-1","alg":"none","alg":"RS256"}'
    token = idp.access_token()
    refused(access, b64json(raw_header) + token[token.index("."):], JwtParseError)


# --- time claims ---------------------------------------------------------------------------------------------


def test_expired(idp, access):
    refused(access, idp.access_token(iat=now() - 7200, exp=now() - 60), JwtExpiredError)


def test_expired_within_leeway_passes(idp, cache):
    token = idp.access_token(iat=now() - 7200, exp=now() - 30)
    assert verifier(idp, cache, leeway=300).verify(token)
    refused(verifier(idp, cache), token, JwtExpiredError)


def test_not_yet_valid_nbf(idp, access):
    refused(access, idp.access_token(nbf=now() + 600), JwtNotYetValidError)


def test_issued_in_the_future(idp, access):
    refused(access, idp.access_token(iat=now() + 600, exp=now() + 4200), JwtNotYetValidError)


def test_iat_and_nbf_in_the_future_within_leeway_pass(idp, cache):
    token = idp.access_token(iat=now() + 30, nbf=now() + 30)
    assert verifier(idp, cache, leeway=300).verify(token)


@pytest.mark.parametrize("claim", ["exp", "iat"])
def test_exp_and_iat_are_required(idp, access, claim):
    refused(access, idp.access_token(**{claim: None}), JwtInvalidClaimError)


# --- issuer, token_use, client -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "issuer",
    ["https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other", "{issuer}/", "{issuer_upper}", "{issuer} "],
    ids=["other-pool", "trailing-slash", "case", "trailing-space"],
)
def test_issuer_must_match_exactly(idp, access, issuer):
    iss = issuer.format(issuer=idp.issuer, issuer_upper=idp.issuer.upper())
    refused(access, idp.access_token(iss=iss), JwtInvalidIssuerError)


def test_missing_issuer(idp, access):
    refused(access, idp.access_token(iss=None), JwtInvalidIssuerError)


def test_id_token_where_access_token_is_required(idp, access):
    refused(access, idp.id_token(scope=SCOPE, client_id=CLIENT_ID), InvalidTokenUseError)


def test_access_token_where_id_token_is_required(idp, id_verifier):
    refused(id_verifier, idp.access_token(aud=CLIENT_ID), InvalidTokenUseError)


@pytest.mark.parametrize("token_use", [None, "refresh", "ID", "Access", ""])
def test_token_use_is_always_checked(idp, cache, token_use):
    either = verifier(idp, cache, token_use=None, scopes=None)
    refused(either, idp.access_token(token_use=token_use), InvalidTokenUseError)


def test_access_token_from_a_client_not_allowed(idp, access):
    refused(access, idp.access_token(client_id="strangerclient"), InvalidClientIdError)


def test_access_token_is_not_accepted_on_the_strength_of_aud(idp, access):
    refused(access, idp.access_token(client_id=None, aud=CLIENT_ID), InvalidClientIdError)


def test_id_token_for_another_client(idp, id_verifier):
    refused(id_verifier, idp.id_token(aud="strangerclient"), InvalidClientIdError)


def test_id_token_is_not_accepted_on_the_strength_of_client_id(idp, id_verifier):
    refused(id_verifier, idp.id_token(aud=None, client_id=CLIENT_ID), InvalidClientIdError)


def test_id_token_with_a_one_element_aud_list_passes(idp, id_verifier):
    assert id_verifier.verify(idp.id_token(aud=[CLIENT_ID]))


@pytest.mark.parametrize(
    "aud, azp",
    [([CLIENT_ID, "other"], None), ([CLIENT_ID, "other"], CLIENT_ID), ([], None), ([CLIENT_ID, CLIENT_ID], None)],
    ids=["extra-audience", "extra-audience-with-azp", "empty-list", "repeated"],
)
def test_id_token_must_have_exactly_one_audience(idp, id_verifier, aud, azp):
    refused(id_verifier, idp.id_token(aud=aud, azp=azp), InvalidClientIdError)


def test_id_token_azp_must_be_its_audience(idp, id_verifier):
    assert id_verifier.verify(idp.id_token(azp=CLIENT_ID))
    refused(id_verifier, idp.id_token(azp="other"), InvalidClientIdError)


# --- scopes --------------------------------------------------------------------------------------------------


def test_missing_scope_carries_the_required_scope(idp, access):
    error = refused(access, idp.access_token(scope="openid email"), JwtMissingScopeError)
    assert error.scope == SCOPE


def test_no_scope_claim(idp, access):
    refused(access, idp.access_token(scope=None), JwtMissingScopeError)


@pytest.mark.parametrize(
    "scope",
    ["weatherapi/read2", "weatherapi/reader", "xweatherapi/read", "weatherapi/rea", "weatherapi", "read",
     "weatherapi/read,openid", "weatherapi/read\topenid", "WEATHERAPI/READ", "openid weatherapi/read/"],
)
def test_scope_substring_tricks(idp, access, scope):
    refused(access, idp.access_token(scope=scope), JwtMissingScopeError)


@pytest.mark.parametrize("scope", ["weatherapi/read", "openid weatherapi/read", "a  weatherapi/read  b"])
def test_scope_found_among_space_separated_scopes(idp, access, scope):
    assert access.verify(idp.access_token(scope=scope))


def test_every_required_scope_must_be_granted(idp, cache):
    both = verifier(idp, cache, scopes=[SCOPE, "weatherapi/write"])
    error = refused(both, idp.access_token(), JwtMissingScopeError)
    assert error.scope == "weatherapi/read weatherapi/write"
    assert both.verify(idp.access_token(scope="weatherapi/write weatherapi/read"))


# --- claim types ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "claim, value",
    [("exp", str(NOW + 3600)), ("exp", True), ("exp", [NOW + 3600]), ("exp", 1e400), ("iat", str(NOW)),
     ("nbf", "0"), ("auth_time", "yesterday"), ("scope", ["weatherapi/read"]), ("token_use", ["access"]),
     ("iss", ["{issuer}"]), ("client_id", [CLIENT_ID]), ("client_id", 123), ("sub", 5), ("username", {"a": 1})],
    ids=lambda v: str(v)[:20],
)
def test_claim_type_confusion_is_refused(idp, access, claim, value):
    if value == ["{issuer}"]:
        value = [idp.issuer]
    raw = json.dumps(idp.claims("access", **{claim: value})).replace("Infinity", "1e400").encode()
    refused(access, idp.token(raw), JwtInvalidClaimError)


@pytest.mark.parametrize("aud", [7, {"client": CLIENT_ID}, [CLIENT_ID, 7], True])
def test_aud_of_the_wrong_type(idp, id_verifier, aud):
    refused(id_verifier, idp.id_token(aud=aud), JwtInvalidClaimError)


# --- nonce and at_hash ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("claim", ["other-nonce", "", None, "n-0S6_WzA2Mj "], ids=["different", "empty", "absent",
                                                                                 "suffix"])
def test_nonce_must_be_present_and_equal(idp, id_verifier, claim):
    refused(id_verifier, idp.id_token(nonce=claim), JwtInvalidNonceError, nonce="n-0S6_WzA2Mj")


def test_nonce_not_checked_unless_asked(idp, id_verifier):
    assert id_verifier.verify(idp.id_token(nonce="whatever"))


def test_nonce_of_the_wrong_type(idp, id_verifier):
    refused(id_verifier, idp.id_token(nonce=12), JwtInvalidClaimError, nonce="12")


def test_at_hash_must_match_the_access_token(idp, id_verifier):
    issued_with = idp.access_token()
    token = idp.id_token(access_token=issued_with)
    refused(id_verifier, token, JwtInvalidAtHashError, access_token=idp.access_token())


def test_at_hash_required_when_an_access_token_is_given(idp, id_verifier):
    refused(id_verifier, idp.id_token(), JwtInvalidAtHashError, access_token=idp.access_token())


def test_at_hash_with_a_non_ascii_access_token(idp, id_verifier):
    refused(id_verifier, idp.id_token(at_hash="x"), JwtInvalidAtHashError, access_token="tök")


# --- construction --------------------------------------------------------------------------------------------


def test_token_use_and_client_ids_cannot_be_omitted():
    with pytest.raises(TypeError):
        CognitoJwtVerifier(issuer="https://example.com/p", jwks_uri="https://example.com/p/jwks")  # type: ignore


@pytest.mark.parametrize(
    "options",
    [{"token_use": "refresh"}, {"client_ids": []}, {"client_ids": "abc"}, {"scopes": "weatherapi/read"},
     {"scopes": ["a b"]}, {"scopes": [""]}, {"token_use": "id", "scopes": [SCOPE]}, {"leeway": -1},
     {"max_token_length": 0}],
    ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()),
)
def test_misconfiguration_is_refused_at_construction(options):
    base = dict(issuer="https://example.com/p", jwks_uri="https://example.com/p/jwks", token_use="access",
                client_ids=["c"])
    with pytest.raises((ValueError, TypeError)):
        CognitoJwtVerifier(**{**base, **options})


def test_for_user_pool_derives_issuer_and_jwks_uri():
    verifier = CognitoJwtVerifier.for_user_pool("eu-west-2", "eu-west-2_AbC123xyZ", token_use="access",
                                                client_ids=["c"])
    assert verifier.issuer == "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_AbC123xyZ"
    assert verifier.jwks_uri == f"{verifier.issuer}/.well-known/jwks.json"


@pytest.mark.parametrize(
    "region, pool",
    [("us-east-1", "us-east-1-AbC123"), ("us-east-1", "us-east-1_"), ("us-east-1", "eu-west-1_AbC123"),
     ("us-east-1", "us-east-1_Ab/../x"), ("us-east-1", "us-east-1_AbC123\n"), ("US-EAST-1", "US-EAST-1_AbC")],
)
def test_for_user_pool_validates_the_pool_id(region, pool):
    with pytest.raises(ValueError):
        CognitoJwtVerifier.for_user_pool(region, pool, token_use="access", client_ids=["c"])


def test_sign_helper_produces_tokens_joserfc_accepts(idp):
    # Guards the test helper itself: a hand-serialized token must be an ordinary RS256 JWS.
    from joserfc import jws

    token = sign({"kid": idp.key.kid, "alg": "RS256"}, {"a": 1}, idp.key)
    assert jws.deserialize_compact(token, idp.key).payload == b'{"a":1}'


# --- verified-token cache ------------------------------------------------------------------------------------


def test_a_cached_token_is_not_verified_again(idp, cache):
    verified = VerifiedTokenCache()
    checked = verifier(idp, cache, verified_cache=verified)
    token = idp.access_token()
    claims = checked.verify(token)
    key = cache.cached_key(idp.jwks_uri, idp.key.kid)
    verified.put(token, key, {**claims, "marker": "from the cache"})
    assert checked.verify(token)["marker"] == "from the cache" and len(verified) == 1


def test_a_cached_token_is_refused_once_its_key_leaves_the_key_set(idp, cache):
    checked = verifier(idp, cache, verified_cache=VerifiedTokenCache())
    token = idp.access_token()
    checked.verify(token)
    cache.preload(idp.jwks_uri, {"keys": []})  # the key was withdrawn (a refetch brought a set without it)
    refused(checked, token, KidNotFoundInJwksError)


def test_a_cached_token_is_checked_against_a_new_key_under_its_kid(idp, cache):
    checked = verifier(idp, cache, verified_cache=VerifiedTokenCache())
    token = idp.access_token()
    checked.verify(token)
    other = stranger_key(idp.key.kid)  # the same kid, another key: the cached verdict says nothing about it
    cache.preload(idp.jwks_uri, {"keys": [other.as_dict(private=False)]})
    refused(checked, token, JwtInvalidSignatureError)


def test_a_cached_token_is_refused_once_it_expires(idp, cache):
    verified = VerifiedTokenCache()
    checked = verifier(idp, cache, verified_cache=verified)
    token = idp.access_token()
    claims = checked.verify(token)
    key = cache.cached_key(idp.jwks_uri, idp.key.kid)
    verified.put(token, key, {**claims, "exp": now() - 60})  # as if the hour had passed since it was cached
    refused(checked, token, JwtExpiredError)


def test_refused_tokens_and_nonce_checks_are_never_cached(idp, cache):
    verified = VerifiedTokenCache()
    refused(verifier(idp, cache, verified_cache=verified), idp.access_token(iss="https://evil.example"),
            JwtInvalidIssuerError)
    id_checked = verifier(idp, cache, token_use="id", client_ids=[CLIENT_ID], scopes=None, verified_cache=verified)
    access_token = idp.access_token()
    id_checked.verify(idp.id_token(nonce="n", access_token=access_token), nonce="n", access_token=access_token)
    assert len(verified) == 0


def test_the_cache_keeps_the_most_recently_used_tokens(idp, cache):
    verified = VerifiedTokenCache(max_entries=2)
    checked = verifier(idp, cache, verified_cache=verified)
    first, second, third = (idp.access_token(username=name) for name in ("a", "b", "c"))
    checked.verify(first)
    checked.verify(second)
    checked.verify(first)
    checked.verify(third)
    assert verified.get(first) is not None and verified.get(second) is None and len(verified) == 2


# --- claims checked by someone else's signature check (an API gateway's JWT authorizer) ---------------------


def test_a_verifier_without_jwks_uri_checks_claims_and_refuses_to_verify(idp, cache):
    claims_only = verifier(idp, cache, jwks_uri=None)
    good = idp.claims("access")
    assert claims_only.check_claims(good) == good
    for bad, error in ((idp.claims("access", client_id="strangerclient"), InvalidClientIdError),
                       (idp.claims("access", scope="openid"), JwtMissingScopeError),
                       (idp.claims("id"), InvalidTokenUseError),
                       (idp.claims("access", exp=now() - 60), JwtExpiredError)):
        with pytest.raises(error):
            claims_only.check_claims(bad)
    with pytest.raises(ValueError, match="checks claims only"):
        claims_only.verify(idp.access_token())
