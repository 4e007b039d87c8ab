"""Figure 3b: microseconds per access-token verification, the project's verifier against raw RS256.

The floor is what no verifier can beat: `cryptography` checking the RSA PKCS#1 v1.5 signature over the token's
signing input with the public key already loaded. The project's verifier gets the same token and a preloaded
JWKS cache, so neither side touches the network; the difference is parsing, header and claim checks, and
joserfc's overhead.
"""

from __future__ import annotations

import base64
import json
import statistics
import time
from dataclasses import dataclass
from typing import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from webapp.cognito_jwt import CognitoJwtVerifier, JwksCache


@dataclass(frozen=True)
class TokenSource:
    """A valid access token and what it takes to verify it."""

    token: str
    issuer: str
    jwks_uri: str
    jwks: dict
    client_ids: tuple[str, ...]
    scope: str


def b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def raw_verifier(source: TokenSource) -> Callable[[], None]:
    """Signature check only, with the key the token's header names already turned into a public key."""
    header = json.loads(b64decode(source.token.split(".", 1)[0]))
    jwk = next(key for key in source.jwks["keys"] if key["kid"] == header["kid"])
    public_key = rsa.RSAPublicNumbers(
        int.from_bytes(b64decode(jwk["e"]), "big"), int.from_bytes(b64decode(jwk["n"]), "big")
    ).public_key()
    signing_input, _, signature = source.token.rpartition(".")
    message, signature_bytes = signing_input.encode(), b64decode(signature)

    def verify() -> None:
        public_key.verify(signature_bytes, message, padding.PKCS1v15(), hashes.SHA256())

    return verify


def project_verifier(source: TokenSource) -> Callable[[], None]:
    cache = JwksCache()
    cache.preload(source.jwks_uri, source.jwks)
    verifier = CognitoJwtVerifier(
        issuer=source.issuer, jwks_uri=source.jwks_uri, token_use="access", client_ids=source.client_ids,
        scopes=[source.scope], jwks_cache=cache,
    )

    def verify() -> None:
        verifier.verify(source.token)

    return verify


def loop_size(call: Callable[[], None], seconds: float) -> int:
    """How many calls take about `seconds`."""
    call()
    started, calls = time.perf_counter(), 0
    while time.perf_counter() - started < 0.05:
        call()
        calls += 1
    return max(1, int(calls * seconds / 0.05))


def microseconds_per_call(call: Callable[[], None], number: int) -> float:
    started = time.perf_counter()
    for _ in range(number):
        call()
    return (time.perf_counter() - started) / number * 1e6


def compare_verification(source: TokenSource, repeats: int = 9, seconds: float = 0.2) -> tuple[float, float, float]:
    """(project µs, raw µs, median of paired ratios) per verification of the same token.

    The two loops alternate, as the wrk runs do, so a neighbour's burst of CPU use lands on both.
    """
    project, raw = project_verifier(source), raw_verifier(source)
    project_number, raw_number = loop_size(project, seconds), loop_size(raw, seconds)
    pairs = [
        (microseconds_per_call(project, project_number), microseconds_per_call(raw, raw_number))
        for _ in range(repeats)
    ]
    return (
        statistics.median(p for p, _ in pairs),
        statistics.median(r for _, r in pairs),
        statistics.median(p / r for p, r in pairs),
    )
