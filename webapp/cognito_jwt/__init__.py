"""The Cognito JWT verifier (aws-jwt-verify's shape) and what it needs: the pool's keys and discovery document.

No web framework imports: the sign-in extension and the weather API both use it.
"""

from webapp.cognito_jwt.errors import (
    InvalidClientIdError,
    InvalidTokenUseError,
    JwksFetchError,
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
from webapp.cognito_jwt.jwks import JwksCache
from webapp.cognito_jwt.verifier import CognitoJwtVerifier, VerifiedTokenCache, at_hash

__all__ = [
    "CognitoJwtVerifier", "InvalidClientIdError", "InvalidTokenUseError", "JwksCache", "JwksFetchError", "JwtError",
    "JwtExpiredError", "JwtInvalidAtHashError", "JwtInvalidClaimError", "JwtInvalidIssuerError",
    "JwtInvalidNonceError", "JwtInvalidSignatureAlgorithmError", "JwtInvalidSignatureError", "JwtMissingScopeError",
    "JwtNotYetValidError", "JwtParseError", "JwtUnsupportedHeaderError", "KidNotFoundInJwksError",
    "VerifiedTokenCache", "at_hash",
]
