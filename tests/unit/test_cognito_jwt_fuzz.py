"""Whatever arrives as a token, the verifier answers with claims or a `JwtError`, never another exception
(which the API would turn into a 500). Hypothesis generates the input; keys are preloaded (no network)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.idp import CLIENT_ID, b64json
from webapp.cognito_jwt import CognitoJwtVerifier, JwksCache, JwtError

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
CLAIM_NAMES = st.sampled_from(["iss", "exp", "iat", "nbf", "token_use", "client_id", "aud", "scope", "azp",
                               "nonce", "at_hash", "sub", "username"])
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def verifier(idp):
    cache = JwksCache(min_refetch_interval=3600)
    cache.preload(idp.jwks_uri, idp.jwks())
    return CognitoJwtVerifier(issuer=idp.issuer, jwks_uri=idp.jwks_uri, token_use=None, client_ids=[CLIENT_ID],
                              jwks_cache=cache)


def verify_or_refuse(verifier, token, **kwargs) -> None:
    try:
        verifier.verify(token, **kwargs)
    except JwtError:
        pass


@FUZZ
@given(token=st.text(max_size=300) | st.from_regex(r"[A-Za-z0-9_\-=+/.]{0,200}", fullmatch=True))
def test_arbitrary_strings(verifier, token):
    verify_or_refuse(verifier, token)


@FUZZ
@given(header=st.dictionaries(st.sampled_from(["alg", "kid", "typ", "crit", "jku", "b64"]), JSON, max_size=4),
       payload=JSON)
def test_arbitrary_json_in_unsigned_segments(verifier, header, payload):
    verify_or_refuse(verifier, f"{b64json(header)}.{b64json(payload)}.c2ln")


@FUZZ
@given(claims=st.dictionaries(CLAIM_NAMES, JSON, max_size=8), nonce=st.none() | st.text(max_size=5),
       access_token=st.none() | st.text(max_size=20))
def test_arbitrary_claims_with_a_valid_signature(idp, verifier, claims, nonce, access_token):
    verify_or_refuse(verifier, idp.token(claims), nonce=nonce, access_token=access_token)
