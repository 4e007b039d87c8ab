"""Verify JSON Web Tokens issued by an Amazon Cognito user pool: the Python counterpart of awslabs/aws-jwt-verify.

One verifier for both kinds of Cognito JWT: ID tokens name the app client in `aud`, access tokens in `client_id`,
and both say which they are in `token_use`. Generic JWT libraries (and Authlib's RFC 9068 validator, which requires
`aud`) do not know these rules, so they are applied here and only here. joserfc imports the keys and `cryptography`
checks the signature; this module decides which key and algorithm may be used and which claims must hold, one
function per check below, the first failure raising a `JwtError` whose message never holds the token.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Literal

import jiter
import pybase64
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from joserfc.jwk import Key

from webapp.cognito_jwt.errors import (
    InvalidClientIdError,
    InvalidTokenUseError,
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
)
from webapp.cognito_jwt.jwks import JwksCache
from webapp.environment import USER_POOL_ID

ALGORITHMS = ("RS256",)
#: Header members Cognito sets (`kid`, `alg`) plus `typ`, which joserfc-based issuers add by default.
ALLOWED_HEADER_MEMBERS = frozenset({"kid", "alg", "typ"})
#: Header members that point at keys (RFC 7515 §4.1.2–4.1.6): following them lets the token choose its own key.
KEY_POINTER_HEADER_MEMBERS = frozenset({"jku", "jwk", "x5u", "x5c"})
MAX_KID_LENGTH = 256


# --- verified-token cache -----------------------------------------------------------------------------------


class VerifiedTokenCache:
    """Remembers tokens that passed every check, so a resource server answering the same caller again pays a
    lookup and a clock check instead of an RSA verification (Envoy's jwt_authn `jwt_cache_config` does the same).

    Keyed by the token's SHA-256 (the cache holds no token), bounded (least recently used go first), shared by
    threads. On every hit the time claims are checked again, and the key that verified the token must still be
    the one the JWKS cache holds under its kid: a key withdrawn from the set stops vouching at once.
    """

    def __init__(self, max_entries: int = 10_000):
        if max_entries <= 0:
            raise ValueError("max_entries must be positive")
        self.max_entries = max_entries
        self._entries: OrderedDict[bytes, tuple[Key, dict]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()

    def get(self, token: str) -> tuple[Key, dict] | None:
        """(the key that verified the token, its claims), or None."""
        key = self._key(token)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, token: str, signing_key: Key, claims: dict) -> None:
        key = self._key(token)
        with self._lock:
            self._entries[key] = (signing_key, claims)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


# --- verifier -----------------------------------------------------------------------------------------------


class CognitoJwtVerifier:
    """Verifies ID or access tokens from one user pool and returns their claims.

    `token_use` and `client_ids` are required: skipping a check takes an explicit `None`, never an omission
    (`None` accepts both kinds, or any client of the pool). `scopes`: every one must be granted.
    `verified_cache`: an opt-in memory of tokens that passed. `clock`: the time tokens are checked against.
    `jwks_uri=None`: a verifier for claims whose signature an API gateway's JWT authorizer has checked
    (`check_claims`); its `verify` refuses to run.
    """

    def __init__(
        self,
        *,
        issuer: str,
        jwks_uri: str | None,
        token_use: Literal["id", "access"] | None,
        client_ids: Sequence[str] | None,
        scopes: Sequence[str] | None = None,
        jwks_cache: JwksCache | None = None,
        leeway: int = 0,
        max_token_length: int = 8192,
        verified_cache: VerifiedTokenCache | None = None,
        clock: Callable[[], float] = time.time,
    ):
        if token_use not in ("id", "access", None):
            raise ValueError("token_use must be 'id', 'access' or None")
        if isinstance(client_ids, str) or isinstance(scopes, str):
            raise TypeError("client_ids and scopes are sequences of strings, not a string")
        if client_ids is not None and not client_ids:
            raise ValueError("client_ids is empty: pass None to accept any client, or list the allowed ones")
        if scopes is not None and not all(isinstance(s, str) and s and " " not in s for s in scopes):
            raise ValueError("each scope must be a non-empty string without spaces")
        if scopes and token_use == "id":
            raise ValueError("ID tokens carry no scopes: scopes need token_use='access'")
        if leeway < 0 or max_token_length <= 0:
            raise ValueError("leeway must be >= 0 and max_token_length > 0")
        self.issuer = issuer
        self.jwks_uri = jwks_uri
        self.token_use = token_use
        self.client_ids = frozenset(client_ids) if client_ids is not None else None
        self.scopes = tuple(scopes or ())
        self.jwks_cache = jwks_cache or JwksCache()
        self.leeway = leeway
        self.max_token_length = max_token_length
        self.verified_cache = verified_cache
        self.clock = clock

    @classmethod
    def for_user_pool(cls, region: str, user_pool_id: str, **options: Any) -> "CognitoJwtVerifier":
        """A verifier for a real Cognito pool: issuer and JWKS URI derived from the pool id (format checked)."""
        match = USER_POOL_ID.fullmatch(user_pool_id)
        if not match:
            raise ValueError("user_pool_id must look like us-east-1_AbC123xyZ")
        if region != match["region"]:
            raise ValueError("region does not match the user pool id's region prefix")
        issuer = f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        return cls(issuer=issuer, jwks_uri=f"{issuer}/.well-known/jwks.json", **options)

    def verify(self, token: str, *, nonce: str | None = None, access_token: str | None = None) -> dict:
        """The token's claims if every check passes; otherwise a `JwtError` subclass naming the first failure.

        `nonce`: the value sent with the authorization request; the claim must be present and equal.
        `access_token`: the access token issued with this ID token; `at_hash` must be present and match.
        """
        if self.jwks_uri is None:
            raise ValueError("this verifier has no jwks_uri: it checks claims only (check_claims)")
        # ID tokens checked against a nonce or an access token are one-offs: only plain verifications are cached.
        cacheable = self.verified_cache is not None and nonce is None and access_token is None
        if cacheable and isinstance(token, str) and len(token) <= self.max_token_length:
            cached = self.verified_cache.get(token)
            if cached is not None:
                key, claims = cached
                if self.jwks_cache.cached_key(self.jwks_uri, key.kid) is key:  # not withdrawn since
                    check_times(claims, self.leeway, self.clock())
                    return dict(claims)
        (kid, alg), claims, signing_input, signature = self._parse(token)
        key = self._signing_key(kid, alg)
        check_signature(signing_input, signature, key)
        self.check_claims(claims)
        if nonce is not None:
            check_nonce(claims, nonce)
        if access_token is not None:
            check_at_hash(claims, access_token)
        if cacheable:
            self.verified_cache.put(token, key, dict(claims))
        return claims

    def _parse(self, token: Any) -> tuple[tuple[str, str], dict, bytes, bytes]:
        """The header's (kid, alg), the claims (checked for shape only), what the signature covers and is."""
        if not isinstance(token, str):
            raise JwtParseError("the token is not a string")
        if len(token) > self.max_token_length:
            raise JwtParseError(f"the token is longer than {self.max_token_length} characters")
        if not token.isascii():
            raise JwtParseError("the token is not ASCII")
        segments = token.split(".")
        if len(segments) != 3:
            raise JwtParseError("the token is not a compact JWS (three dot-separated segments)")
        kid_alg = parse_header(segments[0])
        claims = decode_json_segment(segments[1], "payload")
        try:
            signature = b64url_decode(segments[2])
        except ValueError:
            raise JwtParseError("the token's signature is not base64url") from None
        return kid_alg, claims, f"{segments[0]}.{segments[1]}".encode("ascii"), signature

    def _signing_key(self, kid: str, alg: str) -> Key:
        key = self.jwks_cache.get_key(self.jwks_uri, kid)
        jwk = key.dict_value  # the JWK's members
        may_verify = jwk.get("use") in (None, "sig") and "verify" in jwk.get("key_ops", ["verify"])
        if key.key_type != "RSA" or not may_verify:
            raise JwtInvalidSignatureAlgorithmError("the JWK named by the token is not an RSA signing key")
        if jwk.get("alg") != alg:
            raise JwtInvalidSignatureAlgorithmError("the token's alg differs from the JWK's alg")
        return key

    def check_claims(self, claims: dict) -> dict:
        """The claim checks of `verify` alone, for claims someone else has checked the signature
        of (an API gateway's JWT authorizer): `claims` if they pass, else the `JwtInvalidClaimError` subclass."""
        check_claim_types(claims)
        check_subject(claims)
        check_times(claims, self.leeway, self.clock())
        if claims.get("iss") != self.issuer:
            raise JwtInvalidIssuerError(f"the token's issuer is not {self.issuer}")
        token_use = claims.get("token_use")
        if token_use not in ("id", "access") or (self.token_use and token_use != self.token_use):
            raise InvalidTokenUseError(f"token_use must be {self.token_use or 'id or access'}")
        if self.client_ids is not None:
            check_client(claims, token_use, self.client_ids)
        if self.scopes:
            check_scopes(claims, self.scopes)
        return claims


# --- checks, one function each ------------------------------------------------------------------------------


#: The last character of an unpadded encoding that ends 2 (or 3) characters into a quantum carries 4 (or 2) unused
#: bits, which canonical encoders set to zero (RFC 4648 §3.5): only these characters do. Keyed by padding length.
_CANONICAL_LAST = {2: frozenset("AQgw"), 1: frozenset("AEIMQUYcgkosw048")}


def b64url_decode(segment: str) -> bytes:
    """Unpadded, canonical base64url (RFC 7515 §2: each byte string has exactly one encoding); ValueError otherwise.

    pybase64 decodes with SIMD, about twice as fast as `binascii` after the translation to the standard alphabet
    that `base64.urlsafe_b64decode` makes. Given the URL alphabet it still accepts the standard one's `+` and `/`,
    and it accepts padding: both are refused first, as are a stray last character and unused bits that are set.
    """
    if "+" in segment or "/" in segment or "=" in segment:
        raise ValueError("not unpadded base64url")
    pad = -len(segment) % 4
    if pad == 3 or (pad and segment[-1] not in _CANONICAL_LAST[pad]):
        raise ValueError("not canonical base64url")
    return pybase64.b64decode(segment + "=" * pad, altchars="-_", validate=True)


def decode_json_segment(segment: str, name: str) -> dict:
    """A base64url (unpadded, canonical) segment holding UTF-8 JSON: an object with unique names, finite numbers.

    jiter (pydantic's JSON parser, in Rust) refuses names repeated at any depth (RFC 7515 §4, RFC 7519 §4: reject
    them, or keep the last; a repeated name is how two parsers are made to see different claims), NaN and
    Infinity, invalid UTF-8 and nesting deeper than 200; a number too large for a float becomes an infinity, which
    the claim checks refuse. The standard library's parser needs a Python hook per object for the first: twice
    the cost.
    """
    try:
        data = jiter.from_json(b64url_decode(segment), allow_inf_nan=False, catch_duplicate_keys=True,
                               cache_mode=False)
    except ValueError:  # binascii.Error too
        raise JwtParseError(f"the token's {name} is not base64url-encoded JSON") from None
    if not isinstance(data, dict):
        raise JwtParseError(f"the token's {name} is not a JSON object")
    return data


#: RSASSA-PKCS1-v1_5 with SHA-256 (RS256, RFC 7518 §3.3). cryptography's padding and hash objects are immutable
#: descriptions of the algorithm, so one of each serves every verification.
_PKCS1V15, _SHA256 = padding.PKCS1v15(), hashes.SHA256()


def check_signature(signing_input: bytes, signature: bytes, key: Key) -> None:
    """RS256 by `cryptography` with the RSA public key joserfc imported from the JWK (`_signing_key` has checked
    that the key may verify RS256). joserfc's `jws.deserialize_compact` would decode and parse the header and
    payload a second time, and its algorithm object re-checks the key and builds the hash object on every call."""
    try:
        key.public_key.verify(signature, signing_input, _PKCS1V15, _SHA256)
    except InvalidSignature:
        raise JwtInvalidSignatureError("the token's signature is not valid") from None


@functools.lru_cache(maxsize=64)
def parse_header(segment: str) -> tuple[str, str]:
    """The (kid, alg) of a header segment that passes `check_header`.

    Remembered per segment: a pool signs with one or two keys, so its tokens carry one or two distinct headers,
    and parsing them again would cost a tenth of a verification. Safe because the result depends on the segment's
    text alone; a header that fails raises, and failures are never remembered.
    """
    header = decode_json_segment(segment, "header")
    check_header(header)
    return header["kid"], header["alg"]


def check_header(header: dict) -> None:
    """Only what Cognito puts in a header; nothing that would let the token pick its own key or algorithm."""
    pointers = KEY_POINTER_HEADER_MEMBERS & header.keys()
    if pointers:
        raise JwtUnsupportedHeaderError(f"key pointers in the header are never followed: {sorted(pointers)}")
    unexpected = header.keys() - ALLOWED_HEADER_MEMBERS
    if unexpected:
        raise JwtUnsupportedHeaderError(f"unsupported header members: {sorted(unexpected)[:5]}")
    if header.get("alg") not in ALGORITHMS:
        raise JwtInvalidSignatureAlgorithmError(f"the token's alg is not one of {list(ALGORITHMS)}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not 0 < len(kid) <= MAX_KID_LENGTH:
        raise JwtParseError("the header has no usable kid")
    if "typ" in header and (not isinstance(header["typ"], str) or header["typ"].upper() != "JWT"):
        raise JwtUnsupportedHeaderError("the header's typ is not JWT")


#: The numeric claims (an API gateway's JWT authorizer passes them on as strings: `weather_api.bearer`).
NUMERIC_CLAIMS = ("exp", "iat", "nbf", "auth_time")
_STRING_CLAIMS = (
    "iss", "sub", "token_use", "client_id", "scope", "nonce", "at_hash", "azp", "jti", "username", "email",
    "cognito:username",
)


def check_claim_types(claims: dict) -> None:
    """JSON types as Cognito issues them: a claim of the wrong type is refused, never coerced. (Exact `type()`
    checks: the JSON parser makes only plain int, float, bool and str, and `type(True) is bool`, not int.)"""
    for name in NUMERIC_CLAIMS:
        if name in claims and (type(claims[name]) not in (int, float) or not math.isfinite(claims[name])):
            raise JwtInvalidClaimError(f"the {name} claim is not a number")
    for name in _STRING_CLAIMS:
        if name in claims and type(claims[name]) is not str:
            raise JwtInvalidClaimError(f"the {name} claim is not a string")
    groups = claims.get("cognito:groups")
    if groups is not None and not (isinstance(groups, list) and all(isinstance(group, str) for group in groups)):
        raise JwtInvalidClaimError("the cognito:groups claim is not a list of strings")
    aud = claims.get("aud")
    if aud is not None and not (
        isinstance(aud, str) or (isinstance(aud, list) and all(isinstance(item, str) for item in aud))
    ):
        raise JwtInvalidClaimError("the aud claim is neither a string nor a list of strings")


def check_subject(claims: dict) -> None:
    """Every Cognito token names its subject (OIDC Core 2: `sub` is REQUIRED in an ID token; user and
    client-credentials access tokens carry it too): a token about nobody is refused, not passed on to code that
    looks the subject up."""
    if not claims.get("sub"):
        raise JwtInvalidClaimError("the sub claim is missing")


def check_times(claims: dict, leeway: int, now: float) -> None:
    """`exp` and `iat` required; `exp` passed, or `iat`/`nbf` in the future, beyond `leeway` seconds fails."""
    for name in ("exp", "iat"):
        if name not in claims:
            raise JwtInvalidClaimError(f"the {name} claim is missing")
    if now >= claims["exp"] + leeway:
        raise JwtExpiredError("the token has expired")
    if claims["iat"] > now + leeway:
        raise JwtNotYetValidError("the token was issued in the future (iat)")
    if "nbf" in claims and claims["nbf"] > now + leeway:
        raise JwtNotYetValidError("the token is not valid yet (nbf)")


def check_client(claims: dict, token_use: str, client_ids: frozenset[str]) -> None:
    """Cognito names the client in `aud` for ID tokens and in `client_id` for access tokens, never the other way:
    an access token is not accepted on the strength of its `aud`. An ID token's `aud` must be exactly one allowed
    client (Cognito never issues more), and `azp`, when present, must equal it (OIDC Core 3.1.3.7 steps 3-5)."""
    if token_use == "access":
        if claims.get("client_id") not in client_ids:
            raise InvalidClientIdError("the access token's client_id is not an allowed client")
        return
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud or []
    if len(audiences) != 1 or audiences[0] not in client_ids:
        raise InvalidClientIdError("the ID token's aud is not exactly one allowed client")
    if "azp" in claims and claims["azp"] != audiences[0]:
        raise InvalidClientIdError("the ID token's azp is not its audience")


def check_scopes(claims: dict, required: Sequence[str]) -> None:
    """Every required scope must appear as a whole space-separated scope token (RFC 6749 §3.3)."""
    if not set(claims.get("scope", "").split(" ")).issuperset(required):
        raise JwtMissingScopeError("the access token lacks a required scope", scope=" ".join(required))


def check_nonce(claims: dict, nonce: str) -> None:
    """OIDC Core 3.1.3.7 step 11: the nonce sent must come back unchanged (compared in constant time)."""
    value = claims.get("nonce")
    if value is None or not hmac.compare_digest(value.encode(), nonce.encode()):
        raise JwtInvalidNonceError("the ID token's nonce does not match the authorization request")


def at_hash(access_token: str) -> str:
    """OIDC Core 3.1.3.6: base64url of the left half of SHA-256 of the access token (RS256 uses SHA-256)."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def check_at_hash(claims: dict, access_token: str) -> None:
    """OIDC Core 3.2.2.9 / 3.1.3.6: the ID token binds the access token issued with it."""
    value = claims.get("at_hash")
    if not access_token.isascii():
        raise JwtInvalidAtHashError("the access token is not ASCII")
    if value is None or not hmac.compare_digest(value.encode(), at_hash(access_token).encode()):
        raise JwtInvalidAtHashError("the ID token's at_hash does not match the access token")
