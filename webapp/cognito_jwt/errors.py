"""The verifier's errors: one class per failed check, so callers (and tests) can tell exactly what failed.

Every message is safe to log: it never holds the token or a value taken from it.
"""

from __future__ import annotations


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
