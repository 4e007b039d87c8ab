"""Figure 3b–e: microseconds per access-token verification, the project's verifier and the peers against raw RS256.

The floor is what no verifier can beat: `cryptography` checking the RSA PKCS#1 v1.5 signature over the token's
signing input with the public key already loaded. Every verifier gets the same token with its key already imported,
so none touches the network; the difference is parsing, header and claim checks, and each library's overhead.

The peers (PyJWT, joserfc's `jwt`, python-jose; the `bench` extra) are called as their documentation shows for an
RS256 token: the algorithm pinned, the issuer given, `exp` and `iat` required. None of them knows Cognito's
`token_use` and `client_id` or scopes, so `check_cognito_claims` does those by hand after each, as their users must.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import statistics
import time
from dataclasses import dataclass
from typing import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from webapp.cognito_jwt import CognitoJwtVerifier, JwksCache

Verify = Callable[[], None]


@dataclass(frozen=True)
class TokenSource:
    """A valid access token and what it takes to verify it."""

    token: str
    issuer: str
    jwks_uri: str
    jwks: dict
    client_ids: tuple[str, ...]
    scope: str

    @property
    def jwk(self) -> dict:
        """The JWK the token's header names."""
        kid = json.loads(b64decode(self.token.split(".", 1)[0]))["kid"]
        return next(key for key in self.jwks["keys"] if key["kid"] == kid)


def b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def raw_verifier(source: TokenSource) -> Verify:
    """Signature check only, with the key the token's header names already turned into a public key."""
    jwk = source.jwk
    public_key = rsa.RSAPublicNumbers(
        int.from_bytes(b64decode(jwk["e"]), "big"), int.from_bytes(b64decode(jwk["n"]), "big")
    ).public_key()
    signing_input, _, signature = source.token.rpartition(".")
    message, signature_bytes = signing_input.encode(), b64decode(signature)

    def verify() -> None:
        public_key.verify(signature_bytes, message, padding.PKCS1v15(), hashes.SHA256())

    return verify


def project_verifier(source: TokenSource) -> Verify:
    cache = JwksCache()
    cache.preload(source.jwks_uri, source.jwks)
    verifier = CognitoJwtVerifier(
        issuer=source.issuer, jwks_uri=source.jwks_uri, token_use="access", client_ids=source.client_ids,
        scopes=[source.scope], jwks_cache=cache,
    )

    def verify() -> None:
        verifier.verify(source.token)

    return verify


def check_cognito_claims(claims: dict, source: TokenSource) -> None:
    """What a generic JWT library leaves to its caller for a Cognito access token."""
    if (claims.get("token_use") != "access" or claims.get("client_id") not in source.client_ids
            or source.scope not in str(claims.get("scope", "")).split(" ")):
        raise ValueError("not an access token for this API")


def pyjwt_verifier(source: TokenSource) -> Verify:
    import jwt

    key = jwt.PyJWK(source.jwk).key

    def verify() -> None:
        claims = jwt.decode(source.token, key, algorithms=["RS256"], issuer=source.issuer,
                            options={"require": ["exp", "iat", "iss"]})
        check_cognito_claims(claims, source)

    return verify


def joserfc_verifier(source: TokenSource) -> Verify:
    from joserfc import jwt
    from joserfc.jwk import JWKRegistry

    key = JWKRegistry.import_key(source.jwk)
    registry = jwt.JWTClaimsRegistry(iss={"essential": True, "value": source.issuer}, exp={"essential": True},
                                     iat={"essential": True})

    def verify() -> None:
        claims = jwt.decode(source.token, key, algorithms=["RS256"]).claims
        registry.validate(claims)
        check_cognito_claims(claims, source)

    return verify


def python_jose_verifier(source: TokenSource) -> Verify:
    from jose import jwk, jwt

    key = jwk.construct(source.jwk, "RS256")

    def verify() -> None:
        claims = jwt.decode(source.token, key, algorithms=["RS256"], issuer=source.issuer,
                            options={"require_exp": True, "require_iat": True, "require_iss": True})
        check_cognito_claims(claims, source)

    return verify


#: The peers: (PyPI distribution, module that tells whether it is installed, verifier factory).
PEERS: tuple[tuple[str, str, Callable[[TokenSource], Verify]], ...] = (
    ("PyJWT", "jwt", pyjwt_verifier),
    ("joserfc", "joserfc", joserfc_verifier),
    ("python-jose", "jose", python_jose_verifier),
)


def installed_peers(source: TokenSource) -> dict[str, Verify]:
    """The peers whose packages are installed, each checked to accept the token."""
    verifiers = {name: factory(source) for name, module, factory in PEERS if importlib.util.find_spec(module)}
    for verify in verifiers.values():
        verify()
    return verifiers


def loop_size(call: Verify, seconds: float) -> int:
    """How many calls take about `seconds`."""
    call()
    started, calls = time.perf_counter(), 0
    while time.perf_counter() - started < 0.05:
        call()
        calls += 1
    return max(1, int(calls * seconds / 0.05))


def microseconds_per_call(call: Verify, number: int) -> float:
    """CPU time of this thread per call: on a shared machine, time spent descheduled counts on neither side."""
    started = time.thread_time()
    for _ in range(number):
        call()
    return (time.thread_time() - started) / number * 1e6


@dataclass(frozen=True)
class Timing:
    microseconds: float  # median per verification
    ratio: float  # median of the ratios to the raw RS256 loop run right after it


def compare_verification(verifiers: dict[str, Verify], raw: Verify, repeats: int = 9,
                         seconds: float = 0.2) -> tuple[dict[str, Timing], float]:
    """Each verifier's timing against raw RS256 on the same token, and the raw µs.

    In every repeat each verifier's loop is followed by a raw loop, as the wrk runs alternate, so a neighbour's
    burst of CPU use lands on both sides of a ratio.
    """
    numbers = {name: loop_size(call, seconds) for name, call in verifiers.items()}
    raw_number = loop_size(raw, seconds)
    pairs: dict[str, list[tuple[float, float]]] = {name: [] for name in verifiers}
    for _ in range(repeats):
        for name, call in verifiers.items():
            pairs[name].append((microseconds_per_call(call, numbers[name]), microseconds_per_call(raw, raw_number)))
    timings = {
        name: Timing(statistics.median(p for p, _ in runs), statistics.median(p / r for p, r in runs))
        for name, runs in pairs.items()
    }
    return timings, statistics.median(r for runs in pairs.values() for _, r in runs)
