"""Bearer tokens (RFC 6750) checked with the project's one Cognito verifier (`webapp.cognito_jwt`).

`TokenGuard` is the API's state, kept in `app.extensions["weather_api"]`: the discovery document (fetched on the
first request that needs it, so the API starts while Cognito is unreachable), the JWKS cache, and the verifier
built from the discovered `jwks_uri`. Only access tokens with the configured scope from the allowed app clients
pass: users' tokens from the code flow and machines' tokens from client credentials look the same here.

Behind an API Gateway JWT authorizer (`WEATHER_API_TRUST_AUTHORIZER=1`), the guard takes the claims the authorizer
validated from the Lambda event instead of verifying the token again, and still runs every claim check of the
verifier on them: the gateway checked the signature, issuer, expiry and one of its audiences, but its
configuration lives in another file, accepts ID tokens on any route without scopes, and may name more clients
than this API allows. Only the signature, the check that needs the pool's keys, is left to the gateway.
"""

from __future__ import annotations

import functools
import logging
import re

from flask import Request, current_app, g, request

from webapp.bounded_http import bounded_session
from webapp.cognito_jwt import (
    CognitoJwtVerifier,
    JwksCache,
    JwksFetchError,
    JwtError,
    JwtMissingScopeError,
    VerifiedTokenCache,
)
from webapp.cognito_jwt.errors import JwtParseError
from webapp.cognito_jwt.discovery import API_ENDPOINTS, DiscoveryError, LazyMetadata
from webapp.cognito_jwt.jwks import MAX_JWKS_BYTES
from webapp.cognito_jwt.verifier import NUMERIC_CLAIMS
from webapp.environment import CLOCK_SKEW
from webapp.weather_api import metrics
from webapp.weather_api.errors import (
    InsufficientScopeError,
    InvalidRequestError,
    InvalidTokenError,
    MissingTokenError,
    TemporarilyUnavailableError,
)
from webapp.weather_api.settings import ApiSettings

log = logging.getLogger(__name__)

#: RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token.
B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


def bearer_token(req: Request) -> str:
    """The token from `Authorization: Bearer`, the only method we accept (§2.1).

    A token in the query string (§2.3, which leaks tokens into logs) is refused with `invalid_request` rather than
    ignored, so the caller learns why; so is a malformed header. No header, or another scheme, is "no
    credentials" (§3.1).
    """
    if "access_token" in req.args:
        raise InvalidRequestError("Send the access token in the Authorization header, never in the URL.")
    header = req.headers.get("Authorization", "").strip(" ")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer":
        raise MissingTokenError()
    credentials = credentials.lstrip(" ")
    if not B64TOKEN.fullmatch(credentials):
        raise InvalidRequestError()
    return credentials


class NoAuthorizerClaims(JwtParseError):
    """The event carries no claims from a JWT authorizer: the route has none, or this is not API Gateway."""


def authorizer_claims(environ: dict) -> dict:
    """The claims an API Gateway HTTP API's JWT authorizer validated, from the payload format 2.0 event that
    apig-wsgi puts in the WSGI environment, turned back into the JSON types the token carried."""
    try:
        claims = dict(environ["apig_wsgi.request_context"]["authorizer"]["jwt"]["claims"])
    except (KeyError, TypeError, ValueError):
        raise NoAuthorizerClaims("the request carries no JWT authorizer claims") from None
    for name in NUMERIC_CLAIMS:  # the authorizer passes every claim on as a string
        value = claims.get(name)
        if isinstance(value, str) and value.isascii() and value.isdigit():
            claims[name] = int(value)
    groups = claims.get("cognito:groups")
    if isinstance(groups, str):  # "[admins users]"
        claims["cognito:groups"] = groups.strip("[]").split()
    return claims


class TokenGuard:
    """Turns a request into the claims of a valid access token, or raises the `BearerError` to answer with."""

    def __init__(self, settings: ApiSettings):
        session = bounded_session(MAX_JWKS_BYTES, observe=metrics.observe_cognito)
        self.settings = settings
        self.metadata = LazyMetadata(
            settings.issuer.metadata_url, settings.issuer.issuer, required=API_ENDPOINTS, session=session,
            timeout=settings.http_timeout, retry_interval=settings.discovery_retry_interval,
        )
        self.jwks_cache = JwksCache(
            session=session, timeout=settings.http_timeout, min_refetch_interval=settings.jwks_refetch_interval
        )

    @functools.cached_property
    def verifier(self) -> CognitoJwtVerifier:
        """Built once, from the discovered `jwks_uri` (raises `DiscoveryError` while discovery fails); trusting the
        authorizer, without one: it then only checks claims, and nothing is fetched from the pool."""
        return CognitoJwtVerifier(
            issuer=self.settings.issuer.issuer,
            jwks_uri=None if self.settings.trust_authorizer else self.metadata.get()["jwks_uri"],
            token_use="access",
            client_ids=self.settings.client_ids,
            scopes=[self.settings.scope],
            jwks_cache=self.jwks_cache,
            leeway=CLOCK_SKEW,
            # A caller sends the same token for up to an hour: verify it once (benchmarks, figure 3).
            verified_cache=VerifiedTokenCache(),
        )

    def authenticate(self, req: Request) -> dict:
        token = bearer_token(req)
        try:
            if self.settings.trust_authorizer:
                return self.verifier.check_claims(authorizer_claims(req.environ))
            return self.verifier.verify(token)
        except (DiscoveryError, JwksFetchError) as error:
            log.warning("cannot check tokens: %s", error)  # URLs and HTTP statuses, never a token
            raise TemporarilyUnavailableError() from None
        except NoAuthorizerClaims:
            log.warning("request refused: WEATHER_API_TRUST_AUTHORIZER is set but no JWT authorizer ran")
            metrics.REJECTIONS.labels(NoAuthorizerClaims.__name__).inc()
            raise InvalidTokenError() from None
        except JwtError as error:
            # The class names the failed check for operators; the caller only learns invalid_token or the scope.
            log.info("bearer token refused: %s", type(error).__name__)
            metrics.REJECTIONS.labels(type(error).__name__).inc()
            if isinstance(error, JwtMissingScopeError):
                raise InsufficientScopeError(scope=self.settings.scope) from None
            raise InvalidTokenError() from None

    def readiness_problems(self) -> list[str]:
        """What keeps tokens from being checked now: discovery, then the signing keys (fetched if none are held,
        both rate limited). Trusting an authorizer, nothing: the gateway checks signatures."""
        if self.settings.trust_authorizer:
            return []
        try:
            jwks_uri = self.verifier.jwks_uri
        except DiscoveryError:
            return ["the user pool's discovery document is unavailable"]
        return [] if self.jwks_cache.has_keys(jwks_uri) else ["the user pool's signing keys are unavailable"]


def require_access_token(view):
    """The view runs only for a valid access token; its claims are in `g.token_claims`."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        g.token_claims = current_app.extensions["weather_api"].authenticate(request)
        return view(*args, **kwargs)

    return guarded
