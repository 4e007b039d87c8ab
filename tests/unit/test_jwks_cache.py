"""The JWKS cache against a real JWKS server on loopback: first fetch, refetch on an unknown kid, the penalty
box, one fetch in flight, and outages with and without cached keys."""

from __future__ import annotations

import json
import threading

import pytest

from tests.idp import CLIENT_ID, make_key, trickled
from tests.servers import free_port
from webapp.cognito_jwt import CognitoJwtVerifier, JwksCache
from webapp.cognito_jwt.errors import JwksFetchError, JwtInvalidSignatureError, KidNotFoundInJwksError


def verifier(idp, cache: JwksCache) -> CognitoJwtVerifier:
    return CognitoJwtVerifier(issuer=idp.issuer, jwks_uri=idp.jwks_uri, token_use="access", client_ids=[CLIENT_ID],
                              jwks_cache=cache)


def fetches(idp) -> int:
    return idp.hits[idp.jwks_path]


def test_jwks_fetched_once_on_first_use_then_served_from_the_cache(idp):
    check = verifier(idp, JwksCache())
    for _ in range(5):
        check.verify(idp.access_token())
    assert fetches(idp) == 1


def test_new_key_found_by_refetching_on_an_unknown_kid(idp):
    check = verifier(idp, JwksCache(min_refetch_interval=0))
    check.verify(idp.access_token())
    rotated = make_key("key-2")
    idp.published.append(rotated)
    assert check.verify(idp.token(idp.claims("access"), key=rotated))
    assert fetches(idp) == 2


def test_unknown_kid_refetches_once_then_the_penalty_box_holds(idp):
    check = verifier(idp, JwksCache(min_refetch_interval=3600))
    check.verify(idp.access_token())
    stranger = make_key("made-up")
    for number in range(20):
        token = idp.token(idp.claims("access"), key=stranger, header={"kid": f"made-up-{number}", "alg": "RS256"})
        with pytest.raises(KidNotFoundInJwksError):
            check.verify(token)
    assert fetches(idp) == 1, "the first fetch happened within the interval, so no kid may trigger another"


def test_penalty_box_lets_one_refetch_through_per_interval(idp):
    cache = JwksCache(min_refetch_interval=0)
    check = verifier(idp, cache)
    check.verify(idp.access_token())
    stranger = make_key("made-up")
    for expected_fetches in (2, 3, 4):
        with pytest.raises(KidNotFoundInJwksError):
            check.verify(idp.token(idp.claims("access"), key=stranger))
        assert fetches(idp) == expected_fetches


def test_one_fetch_in_flight_and_the_others_wait_for_its_keys(idp):
    """Sixteen requests arrive together on a cold cache: one fetch, and every request gets the key from it
    (none is told "kid not found" just because another thread's fetch had not finished)."""
    check = verifier(idp, JwksCache(min_refetch_interval=3600))
    idp.delay = 0.2  # keep the fetch in flight while the other threads arrive
    token = idp.access_token()
    barrier = threading.Barrier(16)
    outcomes: list[str] = []

    def attempt():
        barrier.wait()
        try:
            check.verify(token)
            outcomes.append("verified")
        except KidNotFoundInJwksError:
            outcomes.append("kid not found")

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["verified"] * 16
    assert fetches(idp) == 1


def test_cached_keys_keep_working_when_the_jwks_goes_down(idp):
    cache = JwksCache(min_refetch_interval=0)
    check = verifier(idp, cache)
    check.verify(idp.access_token())
    idp.respond(idp.jwks_path, "service unavailable", status=503)
    assert check.verify(idp.access_token())
    stranger = make_key("rotated-during-outage")
    with pytest.raises(JwksFetchError):
        check.verify(idp.token(idp.claims("access"), key=stranger))
    assert check.verify(idp.access_token()), "a failed refetch must not drop the cached keys"


def test_jwks_down_and_nothing_cached(idp):
    idp.respond(idp.jwks_path, "service unavailable", status=503)
    check = verifier(idp, JwksCache(min_refetch_interval=3600))
    for _ in range(3):
        with pytest.raises(JwksFetchError):
            check.verify(idp.access_token())
    assert fetches(idp) == 1, "an outage costs one fetch per interval, not one per token"


def test_jwks_recovers_after_an_outage(idp):
    idp.respond(idp.jwks_path, "service unavailable", status=503)
    check = verifier(idp, JwksCache(min_refetch_interval=0))
    with pytest.raises(JwksFetchError):
        check.verify(idp.access_token())
    idp.answers.clear()
    assert check.verify(idp.access_token())


def test_jwks_unreachable():
    cache = JwksCache(timeout=2)
    with pytest.raises(JwksFetchError):
        cache.get_key(f"http://127.0.0.1:{free_port()}/jwks.json", "key-1")


def test_jwks_too_slow_times_out(idp):
    idp.delay = 1.0
    with pytest.raises(JwksFetchError):
        JwksCache(timeout=0.1).get_key(idp.jwks_uri, idp.key.kid)
    idp.wait_for_hit(idp.jwks_path)  # the abandoned request arrived: it cannot be counted in the next test


def test_jwks_nested_past_the_parsers_depth_is_unusable(idp):
    idp.respond(idp.jwks_path, "[" * 100_000)
    with pytest.raises(JwksFetchError):
        JwksCache(timeout=1.0).get_key(idp.jwks_uri, idp.key.kid)


def test_jwks_trickled_past_the_timeout_is_abandoned(idp):
    # Each read gets bytes well within the 1 s timeout; the whole document does not arrive within it.
    idp.answers[idp.jwks_path] = trickled(json.dumps(idp.jwks()).encode())
    with pytest.raises(JwksFetchError):
        JwksCache(timeout=1.0).get_key(idp.jwks_uri, idp.key.kid)


@pytest.mark.parametrize(
    "body, status, headers",
    [("<html>oops</html>", 200, None), ({"keys": "none"}, 200, None), (["key"], 200, None),
     ({"keys": []}, 302, {"Location": "/elsewhere"}), ("x" * (600 * 1024), 200, None)],
    ids=["not-json", "keys-not-a-list", "not-an-object", "redirect-not-followed", "too-large"],
)
def test_unusable_jwks_documents(idp, body, status, headers):
    idp.respond(idp.jwks_path, body, status=status, headers=headers)
    with pytest.raises(JwksFetchError):
        JwksCache().get_key(idp.jwks_uri, idp.key.kid)
    assert idp.hits["/elsewhere"] == 0


def test_unusable_entries_are_skipped_and_the_rest_used(idp):
    good = idp.key.as_dict(private=False)
    idp.respond(idp.jwks_path, {"keys": ["junk", {"kty": "RSA", "kid": "broken", "n": "!!"}, {"kid": 5},
                                         {"kty": "XYZ", "kid": "future"}, good]})
    assert JwksCache().get_key(idp.jwks_uri, idp.key.kid).kid == idp.key.kid


def test_keys_are_cached_per_jwks_uri(idp):
    """A key published by another issuer's JWKS must not verify tokens for this one."""
    other = make_key(idp.key.kid)
    cache = JwksCache()
    cache.preload("https://other.example/jwks.json", {"keys": [other.as_dict(private=False)]})
    check = verifier(idp, cache)
    with pytest.raises(JwtInvalidSignatureError):
        check.verify(idp.token(idp.claims("access"), key=other))


def test_preload_needs_no_network():
    uri = f"http://127.0.0.1:{free_port()}/jwks.json"  # nothing listens there
    key = make_key("preloaded")
    cache = JwksCache(min_refetch_interval=3600)
    cache.preload(uri, {"keys": [key.as_dict(private=False)]})
    assert cache.get_key(uri, "preloaded").kid == "preloaded"
    with pytest.raises(KidNotFoundInJwksError):
        cache.get_key(uri, "unknown")
