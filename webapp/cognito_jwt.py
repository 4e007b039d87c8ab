"""Verify JSON Web Tokens issued by an Amazon Cognito user pool: the Python counterpart of awslabs/aws-jwt-verify.

One verifier for both kinds of Cognito JWT. ID tokens carry the app client in `aud`, access tokens in
`client_id`, and both say which they are in `token_use`; generic JWT libraries (and Authlib's RFC 9068
validator, which requires `aud`) do not know these rules, so they are applied here and only here.

Cryptography is joserfc's: this module decides *which* key and algorithm may be used and which claims must hold,
then asks `joserfc.jws` to check the signature. It has no web framework imports and no module-level state; the
JWKS cache is an object you create (one per process is plenty) and may share between verifiers.

Checks, in order (the first that fails raises; every error is a `JwtError` whose message never holds the token):

1. size (`max_token_length`, before any parsing), shape (compact JWS, base64url, JSON objects);
2. header: only the members Cognito sets (`kid`, `alg`, and `typ: JWT` which joserfc-based issuers add);
   key pointers (`jku`, `x5u`, `jwk`, `x5c`) and `crit` are refused, never followed; `alg` must be RS256;
3. key: found by `kid` in the pool's JWKS (refetched, rate limited, when the kid is unknown); it must be an RSA
   signing key whose own `alg` equals the token's;
4. signature (joserfc);
5. claims: types, `sub` present, `exp`/`iat`/`nbf` with `leeway`, exact `iss`, `token_use`, the client, scopes,
   and on request `nonce` and `at_hash` (OIDC Core 3.1.3.7, 3.1.3.6 / 3.2.2.9).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import requests
import urllib3
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry, Key
from joserfc.util import urlsafe_b64decode

#: Cognito user pool ids look like `us-east-1_AbC123xyZ`: the region, an underscore, letters and digits.
USER_POOL_ID = re.compile(r"(?P<region>[a-z]{2}(-[a-z]+)+-\d)_[0-9A-Za-z]+")

ALGORITHMS = ("RS256",)
RS256 = jws.JWSRegistry.algorithms["RS256"]
#: Header members Cognito sets (`kid`, `alg`) plus `typ`, which joserfc-based issuers add by default.
ALLOWED_HEADER_MEMBERS = frozenset({"kid", "alg", "typ"})
#: Header members that point at keys (RFC 7515 §4.1.2–4.1.6): following them lets the token choose its own key.
KEY_POINTER_HEADER_MEMBERS = frozenset({"jku", "jwk", "x5u", "x5c"})
MAX_KID_LENGTH = 256
MAX_JWKS_BYTES = 512 * 1024


# --- errors -------------------------------------------------------------------------------------------------


class JwtError(Exception):
    """Base class: the token must not be trusted. Messages never contain the token or values taken from it."""


class JwtParseError(JwtError):
    """Not a compact JWS with a JSON header and JSON claims, or longer than allowed."""


class JwtUnsupportedHeaderError(JwtParseError):
    """The header carries a member Cognito never sets (key pointers, `crit`, ...)."""


class JwtInvalidSignatureError(JwtError):
    """The signature does not verify with the key the header names."""


class JwtInvalidSignatureAlgorithmError(JwtInvalidSignatureError):
    """The algorithm is not allowed (`none`, HS256, ...) or differs from the JWK's `alg`, or the JWK cannot sign."""


class JwtInvalidClaimError(JwtError):
    """A claim is missing, has the wrong JSON type, or does not hold the expected value."""


class JwtExpiredError(JwtInvalidClaimError):
    """`exp` has passed (beyond the leeway)."""


class JwtNotYetValidError(JwtInvalidClaimError):
    """`nbf` or `iat` lies in the future (beyond the leeway)."""


class JwtInvalidIssuerError(JwtInvalidClaimError):
    """`iss` is not exactly the configured issuer."""


class InvalidTokenUseError(JwtInvalidClaimError):
    """`token_use` is not `id` or `access`, or not the kind this verifier accepts."""


class InvalidClientIdError(JwtInvalidClaimError):
    """The token was issued to a client that is not allowed (`aud` for ID tokens, `client_id` for access)."""


class JwtInvalidNonceError(JwtInvalidClaimError):
    """The ID token's `nonce` is missing or differs from the one sent with the authorization request."""


class JwtInvalidAtHashError(JwtInvalidClaimError):
    """The ID token's `at_hash` is missing or does not match the access token issued with it."""


class JwtMissingScopeError(JwtInvalidClaimError):
    """The access token lacks a required scope; `scope` is what was required (for RFC 6750 `insufficient_scope`)."""

    def __init__(self, message: str, *, scope: str):
        super().__init__(message)
        self.scope = scope


class KidNotFoundInJwksError(JwtError):
    """No key with the token's `kid` in the JWKS, even after a (rate limited) refetch."""


class JwksFetchError(JwtError):
    """The JWKS could not be fetched or parsed, and no cached key can stand in."""


# --- JWKS cache ---------------------------------------------------------------------------------------------


@dataclass
class _JwksEntry:
    """What one JWKS URI last gave us, and when we last asked."""

    keys: dict[str, Key] = field(default_factory=dict)
    last_attempt: float = -math.inf  # time.monotonic() of the last fetch attempt
    last_failed: bool = False
    fetch_lock: threading.Lock = field(default_factory=threading.Lock)


class JwksCache:
    """Per-JWKS-URI cache of signing keys.

    The JWKS is fetched on first use. A token whose `kid` is unknown triggers a refetch (Cognito may add keys at
    any time), but at most once per `min_refetch_interval` seconds per URI (a "penalty box": a burst of tokens
    with made-up kids costs Cognito one request, not one per token), and with one fetch in flight: other threads
    wait for it and then read its result. When a refetch fails, the keys already cached keep working.
    """

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        timeout: float = 5.0,
        min_refetch_interval: float = 10.0,
    ):
        self.session = session or requests.Session()
        self.timeout = timeout
        self.min_refetch_interval = min_refetch_interval
        self._entries: dict[str, _JwksEntry] = {}
        self._lock = threading.Lock()

    def preload(self, jwks_uri: str, jwks: dict) -> None:
        """Use `jwks` as if just fetched from `jwks_uri` (tests, or keys shipped with a deployment)."""
        entry = self._entry(jwks_uri)
        with entry.fetch_lock:
            self._store(entry, parse_jwks(jwks))

    def get_key(self, jwks_uri: str, kid: str) -> Key:
        """The key named `kid`, fetching or refetching the JWKS if needed and allowed."""
        entry = self._entry(jwks_uri)
        key = entry.keys.get(kid)
        if key is not None:
            return key
        with entry.fetch_lock:
            # Another thread may have fetched while we waited for the lock.
            key = entry.keys.get(kid)
            if key is None and self._may_fetch(entry):
                self._fetch(jwks_uri, entry)
                key = entry.keys.get(kid)
            if key is not None:
                return key
            if entry.last_failed:
                raise JwksFetchError("the JWKS could not be fetched and no cached key has this kid")
            raise KidNotFoundInJwksError("no key in the JWKS has the token's kid")

    def _entry(self, jwks_uri: str) -> _JwksEntry:
        with self._lock:
            return self._entries.setdefault(jwks_uri, _JwksEntry())

    def _may_fetch(self, entry: _JwksEntry) -> bool:
        return time.monotonic() - entry.last_attempt >= self.min_refetch_interval

    def _fetch(self, jwks_uri: str, entry: _JwksEntry) -> None:
        entry.last_attempt = time.monotonic()
        try:
            keys = parse_jwks(fetch_json(self.session, jwks_uri, timeout=self.timeout, max_bytes=MAX_JWKS_BYTES))
        except (DocumentFetchError, JwksFetchError):
            entry.last_failed = True
            return
        self._store(entry, keys)

    @staticmethod
    def _store(entry: _JwksEntry, keys: dict[str, Key]) -> None:
        entry.keys = keys
        entry.last_failed = False
        entry.last_attempt = time.monotonic()


class DocumentFetchError(Exception):
    """`fetch_json` failed; the message says why (the URL and an HTTP status or error type, nothing secret)."""


class ResponseTooLarge(requests.RequestException):
    """A response body (declared or as sent) longer than the caller's cap; a RequestException, like other ways an
    HTTP call to the IdP can fail, so every caller already handles it."""


class ResponseTooSlow(requests.Timeout):
    """The body was still arriving at the caller's deadline (requests' timeout bounds each read, not the whole)."""


def read_capped(response: requests.Response, max_bytes: int, *, deadline: float | None = None) -> bytes:
    """The body of a response not yet read (`stream=True`, or a requests response hook), at most `max_bytes`.

    A declared Content-Length over the cap is refused before reading; a body sent without one (or longer than
    declared) stops being read at the cap. With a `deadline` (a `time.monotonic()` value), a body still
    trickling in at that moment is abandoned too. Hand-written: requests has neither limit of its own.

    The deadline is checked between socket reads, so one read may overrun it by up to the read timeout, and a
    server can stretch a single read further with what urllib3 consumes without returning body bytes (chunked
    trailers, a long chunk-size line, compressed padding that decodes to nothing); `read_before` closes that gap.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise ResponseTooLarge(f"{response.url} declared more than {max_bytes} bytes")
    chunks, size = [], 0
    for chunk in _arriving_chunks(response):
        size += len(chunk)
        if size > max_bytes:
            response.close()
            raise ResponseTooLarge(f"{response.url} sent more than {max_bytes} bytes")
        if deadline is not None and time.monotonic() > deadline:
            response.close()
            raise ResponseTooSlow(f"{response.url} was still sending at the deadline")
        chunks.append(chunk)
    return b"".join(chunks)


def read_before(response: requests.Response, max_bytes: int, deadline: float) -> bytes:
    """`read_capped` with a deadline no server can stretch, for the calls to Cognito: a timer shuts the socket at
    the deadline, ending a read that urllib3 would keep going on bytes that are not body (chunked trailers, a long
    chunk-size line, compressed padding), each within the read timeout.

    A thread per call (~160 µs): right for sign-in, refresh and key fetches, too dear for every page's API call,
    which keeps `read_capped`'s check between reads. Hand-written: neither requests nor urllib3 has a total
    timeout.
    """
    timer = threading.Timer(max(0.0, deadline - time.monotonic()), _shut_down, (response,))
    timer.daemon = True
    timer.start()
    try:
        body = read_capped(response, max_bytes, deadline=deadline)
    except requests.ConnectionError:
        if time.monotonic() < deadline:
            raise
        body = None  # the timer shut the socket mid-read
    finally:
        timer.cancel()
    # A socket shut among trailers reads as the end of the response: past the deadline, it was not.
    if body is None or time.monotonic() >= deadline:
        raise ResponseTooSlow(f"{response.url} was still sending at the deadline")
    return body


def _shut_down(response: requests.Response) -> None:
    try:
        response.raw.shutdown()
    except (RuntimeError, ValueError, OSError):  # already done: released to the pool, or closed
        pass


def _arriving_chunks(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives, one socket read at a time (urllib3's `read1`), so that `read_capped` checks its
    deadline between the bytes of a server that trickles them; requests' `iter_content` blocks until a whole chunk
    is in. urllib3's errors come out as requests' own (a stalled read as `requests.ReadTimeout`), which is what
    every caller catches."""
    while True:
        try:
            chunk = response.raw.read1(64 * 1024, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError as error:
            raise requests.ReadTimeout(error) from None
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise requests.ConnectionError(error) from None
        if not chunk:
            return
        yield chunk


def fetch_json(session: requests.Session, url: str, *, timeout: float, max_bytes: int) -> Any:
    """GET a JSON document: a timeout, no redirects (Cognito serves its documents directly), a size cap, and the
    whole body within one `timeout` of the headers (requests' own timeout bounds each read, not the whole)."""
    try:
        with session.get(
            url, timeout=timeout, allow_redirects=False, stream=True, headers={"Accept": "application/json"}
        ) as response:
            if response.status_code != 200:
                raise DocumentFetchError(f"{url} answered HTTP {response.status_code}")
            body = read_before(response, max_bytes, time.monotonic() + timeout)
    except ResponseTooLarge as error:
        raise DocumentFetchError(str(error)) from None
    except requests.RequestException as error:
        raise DocumentFetchError(f"{url} is unreachable ({type(error).__name__})") from None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: brackets nested deeper than the parser goes
        raise DocumentFetchError(f"{url} did not return JSON") from None


def parse_jwks(jwks: Any) -> dict[str, Key]:
    """The keys of a JWK Set by `kid`. Entries joserfc cannot import, or without a kid, are skipped (RFC 7517 §5:
    a set may hold keys the reader does not understand); whether a key may verify a token is decided per token."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise JwksFetchError("the JWKS is not a JWK Set (an object with a 'keys' list)")
    keys: dict[str, Key] = {}
    for data in jwks["keys"]:
        if not isinstance(data, dict) or not isinstance(data.get("kid"), str):
            continue
        try:
            keys[data["kid"]] = JWKRegistry.import_key(data)
        except (JoseError, ValueError, TypeError):
            continue
    return keys


# --- verified-token cache -----------------------------------------------------------------------------------


class VerifiedTokenCache:
    """Remembers tokens that passed every check, so a resource server answering the same caller again pays a
    dictionary lookup and a clock check instead of parsing and an RSA verification (Envoy's jwt_authn filter
    does the same with its `jwt_cache_config`).

    Entries are keyed by the token's SHA-256, so the cache holds no token; it is bounded (least recently used
    entries go first) and shared by threads. On every hit the time claims (`exp`, `iat`, `nbf`) are checked
    again; the other checks depend only on the token and the verifier's settings, so they cannot change.
    The trade-off, stated: a signing key withdrawn from the JWKS keeps validating tokens already cached until
    they expire (Cognito's access tokens live at most a day, one hour by default).
    """

    def __init__(self, max_entries: int = 10_000):
        if max_entries <= 0:
            raise ValueError("max_entries must be positive")
        self.max_entries = max_entries
        self._entries: OrderedDict[bytes, dict] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()

    def get(self, token: str) -> dict | None:
        key = self._key(token)
        with self._lock:
            claims = self._entries.get(key)
            if claims is not None:
                self._entries.move_to_end(key)
            return claims

    def put(self, token: str, claims: dict) -> None:
        key = self._key(token)
        with self._lock:
            self._entries[key] = claims
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


# --- verifier -----------------------------------------------------------------------------------------------


class CognitoJwtVerifier:
    """Verifies ID or access tokens from one user pool and returns their claims.

    `token_use` and `client_ids` are required keywords: skipping a check takes an explicit `None`, never an
    omission. `token_use=None` accepts both kinds (each still checked against its own client claim);
    `client_ids=None` accepts any client of the pool. `scopes`: every one must be granted (access tokens).
    `verified_cache`: opt-in memory of tokens that passed (see `VerifiedTokenCache` for the trade-off).

    ID token audience (OIDC Core 3.1.3.7, steps 3-5): `aud` must name exactly one audience, one of `client_ids`
    (a one-element list is accepted). A token listing further audiences is refused, with or without `azp`:
    Cognito never issues one, and OIDC Core says to reject "additional audiences not trusted by the Client".
    When `azp` is present it must equal that audience.
    """

    def __init__(
        self,
        *,
        issuer: str,
        jwks_uri: str,
        token_use: Literal["id", "access"] | None,
        client_ids: Sequence[str] | None,
        scopes: Sequence[str] | None = None,
        jwks_cache: JwksCache | None = None,
        leeway: int = 0,
        max_token_length: int = 8192,
        verified_cache: VerifiedTokenCache | None = None,
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
        # ID tokens checked against a nonce or an access token are one-offs: only plain verifications are cached.
        cacheable = self.verified_cache is not None and nonce is None and access_token is None
        if cacheable and isinstance(token, str) and len(token) <= self.max_token_length:
            cached = self.verified_cache.get(token)
            if cached is not None:
                check_times(cached, self.leeway)
                return dict(cached)
        header, claims, signing_input, signature = self._parse(token)
        check_signature(signing_input, signature, self._signing_key(header))
        self._check_claims(claims)
        if nonce is not None:
            check_nonce(claims, nonce)
        if access_token is not None:
            check_at_hash(claims, access_token)
        if cacheable:
            self.verified_cache.put(token, dict(claims))
        return claims

    def _parse(self, token: Any) -> tuple[dict, dict, bytes, bytes]:
        """Header and claims (checked for shape only), and what the signature covers and is."""
        if not isinstance(token, str):
            raise JwtParseError("the token is not a string")
        if len(token) > self.max_token_length:
            raise JwtParseError(f"the token is longer than {self.max_token_length} characters")
        if not token.isascii():
            raise JwtParseError("the token is not ASCII")
        segments = token.split(".")
        if len(segments) != 3:
            raise JwtParseError("the token is not a compact JWS (three dot-separated segments)")
        header = decode_json_segment(segments[0], "header")
        check_header(header)
        claims = decode_json_segment(segments[1], "payload")
        try:
            signature = urlsafe_b64decode(segments[2].encode("ascii"))
        except (binascii.Error, ValueError):
            raise JwtParseError("the token's signature is not base64url") from None
        return header, claims, f"{segments[0]}.{segments[1]}".encode("ascii"), signature

    def _signing_key(self, header: dict) -> Key:
        key = self.jwks_cache.get_key(self.jwks_uri, header["kid"])
        if key.key_type != "RSA" or key.get("use") not in (None, "sig"):
            raise JwtInvalidSignatureAlgorithmError("the JWK named by the token is not an RSA signing key")
        if key.alg != header["alg"]:
            raise JwtInvalidSignatureAlgorithmError("the token's alg differs from the JWK's alg")
        return key

    def _check_claims(self, claims: dict) -> None:
        check_claim_types(claims)
        check_subject(claims)
        check_times(claims, self.leeway)
        if claims.get("iss") != self.issuer:
            raise JwtInvalidIssuerError(f"the token's issuer is not {self.issuer}")
        token_use = claims.get("token_use")
        if token_use not in ("id", "access") or (self.token_use and token_use != self.token_use):
            raise InvalidTokenUseError(f"token_use must be {self.token_use or 'id or access'}")
        if self.client_ids is not None:
            check_client(claims, token_use, self.client_ids)
        if self.scopes:
            check_scopes(claims, self.scopes)


# --- checks, one function each ------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unique_object(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate member names")
    return result


def decode_json_segment(segment: str, name: str) -> dict:
    """A base64url (unpadded, canonical) segment holding a JSON object with unique names and finite numbers."""
    try:
        data = json.loads(
            urlsafe_b64decode(segment.encode("ascii")),
            object_pairs_hook=_unique_object,
            parse_constant=_reject_constant,
        )
    except (binascii.Error, ValueError, RecursionError):
        raise JwtParseError(f"the token's {name} is not base64url-encoded JSON") from None
    if not isinstance(data, dict):
        raise JwtParseError(f"the token's {name} is not a JSON object")
    return data


def check_signature(signing_input: bytes, signature: bytes, key: Key) -> None:
    """RS256 (RFC 7518 §3.3) by joserfc's algorithm on the key already chosen and checked for this token.

    joserfc's `jws.deserialize_compact` would decode and parse the header and payload a second time; calling
    the registered algorithm directly keeps joserfc (and `cryptography` under it) doing the cryptography while
    halving the cost of a verification (see the benchmarks' figure 3b).
    """
    if not RS256.verify(signing_input, signature, key):
        raise JwtInvalidSignatureError("the token's signature is not valid")


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


_NUMERIC_CLAIMS = ("exp", "iat", "nbf", "auth_time")
_STRING_CLAIMS = (
    "iss", "sub", "token_use", "client_id", "scope", "nonce", "at_hash", "azp", "jti", "username", "email",
    "cognito:username",
)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_claim_types(claims: dict) -> None:
    """JSON types as Cognito issues them: a claim of the wrong type is refused, never coerced."""
    for name in _NUMERIC_CLAIMS:
        if name in claims and not _is_number(claims[name]):
            raise JwtInvalidClaimError(f"the {name} claim is not a number")
    for name in _STRING_CLAIMS:
        if name in claims and not isinstance(claims[name], str):
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


def check_times(claims: dict, leeway: int, now: float | None = None) -> None:
    """`exp` and `iat` required; `exp` passed, or `iat`/`nbf` in the future, beyond `leeway` seconds fails."""
    now = time.time() if now is None else now
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
    an access token is not accepted on the strength of its `aud`."""
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
    granted = set(claims.get("scope", "").split(" "))
    if not all(scope in granted for scope in required):
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
