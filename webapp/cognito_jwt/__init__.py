"""The Cognito JWT verifier (aws-jwt-verify's shape) and what it needs: the pool's keys and discovery document.
No web framework imports: the sign-in extension and the weather API both use it. Its typed errors are in
`webapp.cognito_jwt.errors`."""

from webapp.cognito_jwt.errors import JwksFetchError, JwtError, JwtMissingScopeError
from webapp.cognito_jwt.jwks import JwksCache
from webapp.cognito_jwt.verifier import CognitoJwtVerifier, VerifiedTokenCache, at_hash

__all__ = ["CognitoJwtVerifier", "JwksCache", "JwksFetchError", "JwtError", "JwtMissingScopeError",
           "VerifiedTokenCache", "at_hash"]
