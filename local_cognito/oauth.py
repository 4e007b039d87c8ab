"""The OAuth 2.0 side of the pool, assembled from Authlib's server components with Cognito's behaviour.

Authlib supplies the protocol: `AuthorizationServer`, the code (+ `CodeChallenge`, RFC 7636), refresh-token and
client-credentials grants, client authentication (`client_secret_basic`, `client_secret_post`, `none`) and the
RFC 7009 revocation endpoint, and the implicit grant. This module adds what Cognito does differently: S256 only, UUID codes consumed
atomically, no new refresh token unless the client enables rotation, custom scopes only for client credentials,
`{"error": ...}` bodies without Authlib's descriptions, HTTP 400 for every token-endpoint error, and CORS.
"""

from __future__ import annotations

import base64
import threading
import uuid
from collections import Counter
from dataclasses import dataclass

from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Blueprint, Response, current_app
from flask import request as flask_request

from local_cognito.clients import AppClient
from local_cognito.store import AuthorizationCode, RefreshToken, Store, User
from local_cognito.token_issuer import REFRESH_TOKENS, TokenIssuer, UserGrant

CODE_LIFETIME = 5 * 60
ALL_CLIENT_AUTH = ["client_secret_basic", "client_secret_post", "none"]
SECRET_CLIENT_AUTH = ["client_secret_basic", "client_secret_post"]
TOKEN_HEADERS = {
    "Content-Type": "application/json;charset=UTF-8",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Access-Control-Allow-Origin": "*",
}

bp = Blueprint("oauth", __name__)


# -- errors Cognito reports differently from Authlib ---------------------------------------------------------
class InvalidRedirectError(UnauthorizedClientError):
    """The token request's redirect_uri differs from the authorize request's: Cognito says so in the body."""

    cognito_description = "invalid_redirect"


class UnsupportedTokenTypeError(OAuth2Error):
    """Revocation of something that is not a refresh token: 400 (Authlib's class of this name answers 401)."""

    error = "unsupported_token_type"


@dataclass(frozen=True)
class SignedInUser:
    """The user an authorization code is issued to, and when they signed in (the ID token's auth_time)."""

    user: User
    auth_time: int


class CognitoAuthorizationServer(AuthorizationServer):
    """Authlib's Flask server over one pool's store; tokens are minted by the pool's `TokenIssuer`."""

    def __init__(self, *, store: Store, tokens: TokenIssuer, custom_scopes: frozenset[str]):
        super().__init__()
        self.store = store
        self.tokens = tokens
        self.custom_scopes = custom_scopes
        self.grant_counts: Counter[str] = Counter()
        self._count_lock = threading.Lock()
        self.register_grant(CodeGrant, [S256CodeChallenge(required=True)])
        self.register_grant(ImplicitGrant)
        self.register_grant(RefreshGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_endpoint(Revocation)

    def query_client(self, client_id: str) -> AppClient | None:
        return self.store.client(client_id) if client_id else None

    def save_token(self, token, request) -> None:
        """Nothing to do: the issuer has already stored what must be stored (refresh tokens, families)."""

    def handle_error_response(self, request, error: OAuth2Error) -> Response:
        """Cognito's shapes: `error` (and Cognito's own description, if any), redirected or as JSON."""
        body = [("error", error.error)]
        description = getattr(error, "cognito_description", None)
        if description:
            body.append(("error_description", description))
        if error.redirect_uri:
            if error.state:
                body.append(("state", error.state))
            location = add_params_to_uri(error.redirect_uri, body, fragment=error.redirect_fragment)
            return Response("", status=302, headers={"Location": location})
        headers = {k: v for k, v in error.get_headers() if k.lower() == "www-authenticate"}
        return self.handle_response(error.status_code, dict(body), {**TOKEN_HEADERS, **headers})

    def create_token_response(self, request=None) -> Response:
        grant_type = flask_request.form.get("grant_type")
        if not grant_type:  # Authlib would say unsupported_grant_type; a missing parameter is invalid_request
            return self.handle_error_response(None, InvalidRequestError())
        response = super().create_token_response(request)
        response.headers.update(TOKEN_HEADERS)
        if response.status_code == 200:
            self.count_grant(grant_type)
        return response

    def count_grant(self, grant_type: str) -> None:
        with self._count_lock:
            self.grant_counts[grant_type] += 1


class CognitoGrant:
    """What every token grant here shares: Cognito's 400 for failed client authentication."""

    server: CognitoAuthorizationServer

    def authenticate_token_endpoint_client(self):
        try:
            return super().authenticate_token_endpoint_client()
        except InvalidClientError as error:
            error.status_code = 400  # Cognito's token endpoint answers 400, with no WWW-Authenticate challenge
            raise


class CodeGrant(CognitoGrant, grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_CLIENT_AUTH

    def generate_authorization_code(self) -> str:
        return str(uuid.uuid4())  # Cognito's codes are UUID-shaped

    def save_authorization_code(self, code: str, request) -> None:
        signed_in: SignedInUser = request.user
        data = request.payload.data
        self.server.store.save_code(AuthorizationCode(
            code=code, client_id=request.client.client_id, sub=signed_in.user.sub,
            redirect_uri=request.payload.redirect_uri, scope=request.scope, nonce=data.get("nonce") or None,
            code_challenge=data.get("code_challenge") or None,
            code_challenge_method=data.get("code_challenge_method") or None,
            auth_time=signed_in.auth_time, expires_at=self.server.store.clock() + CODE_LIFETIME, used_at=None,
            origin_jti=None))

    def query_authorization_code(self, code: str, client: AppClient) -> AuthorizationCode | None:
        """Consume the code on first presentation, whatever happens next: a code is never usable twice."""
        found = self.server.store.consume_code(code)
        if found is None or found.client_id != client.client_id:
            return None
        if self.request.payload.redirect_uri != found.redirect_uri:
            raise InvalidRedirectError()
        return found

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Already consumed by `query_authorization_code`."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> User | None:
        return self.server.store.active_user(authorization_code.sub)

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None, include_refresh_token=True):
        code: AuthorizationCode = self.request.authorization_code
        origin_jti = self.server.store.create_origin(self.client.client_id, user.sub)
        self.server.store.link_code_to_origin(code.code, origin_jti)
        grant = UserGrant(self.client, user, code.scope, code.auth_time, origin_jti, code.nonce)
        return self.server.tokens.user_tokens(grant, include_refresh_token=include_refresh_token)


class ImplicitGrant(grants.ImplicitGrant):
    """`response_type=token`: access and ID tokens in the redirect URI's fragment, never a refresh token."""

    def authenticate_token_endpoint_client(self) -> AppClient | None:
        """At the authorization endpoint a client is named by `client_id`, not authenticated (the Hosted UI
        has already checked it and its redirect URI)."""
        return self.server.query_client(self.request.payload.client_id)

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None, include_refresh_token=True):
        signed_in: SignedInUser = user
        origin_jti = self.server.store.create_origin(self.client.client_id, signed_in.user.sub)
        grant = UserGrant(self.client, signed_in.user, scope, signed_in.auth_time, origin_jti,
                          self.request.payload.data.get("nonce") or None)
        return self.server.tokens.user_tokens(grant, include_refresh_token=False)


class S256CodeChallenge(CodeChallenge):
    """PKCE as Cognito does it: S256 only, and a challenge must name its method."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        super().validate_code_challenge(grant, redirect_uri)
        data = grant.request.payload.data
        if data.get("code_challenge") and not data.get("code_challenge_method"):
            raise InvalidRequestError("Missing 'code_challenge_method'")


class RefreshGrant(CognitoGrant, grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_CLIENT_AUTH

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        """A live refresh token of a user who may still sign in; anything else is `invalid_grant`."""
        found = self.server.store.refresh_token(refresh_token)
        now = self.server.store.clock()
        if found is None or found.revoked_at is not None or found.expires_at <= now:
            return None
        grace = self.request.client.settings.retry_grace_period_seconds
        if found.superseded_at is not None and now > found.superseded_at + grace:
            return None
        return found if self.server.store.active_user(found.sub) else None

    def _validate_token_scope(self, token: RefreshToken) -> None:
        """[Uncertain] Cognito ignores `scope` on a refresh: the new tokens keep the original grant's scope."""

    def authenticate_user(self, refresh_token: RefreshToken) -> User | None:
        return self.server.store.active_user(refresh_token.sub)

    def issue_token(self, user: User, refresh_token: RefreshToken):
        client: AppClient = self.request.client
        grant = UserGrant(client, user, refresh_token.scope, refresh_token.auth_time, refresh_token.origin_jti,
                          event=REFRESH_TOKENS)
        return self.server.tokens.user_tokens(grant, include_refresh_token=client.settings.refresh_token_rotation)

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        """With rotation the presented token is superseded (usable for the grace period); without, it lives on."""
        if self.request.client.settings.refresh_token_rotation:
            self.server.store.supersede_refresh_token(refresh_token.token_hash)


class ClientCredentialsGrant(CognitoGrant, grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_CLIENT_AUTH

    def validate_requested_scope(self) -> None:
        """Custom scopes only: unknown ones are dropped, none asked means all of the client's."""
        allowed = [s for s in self.client.settings.allowed_oauth_scopes if s in self.server.custom_scopes]
        requested = (self.request.payload.scope or "").split()
        granted = [s for s in dict.fromkeys(requested) if s in allowed] if requested else allowed
        if not granted:
            raise InvalidScopeError()
        self.request.scope = " ".join(granted)

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None, include_refresh_token=True):
        return self.server.tokens.client_token(self.client, self.request.scope)


class Revocation(RevocationEndpoint):
    """RFC 7009 as Cognito does it: refresh tokens only, revoking the whole family by `origin_jti`."""

    CLIENT_AUTH_METHODS = ALL_CLIENT_AUTH

    def authenticate_token(self, request, client: AppClient) -> RefreshToken | None:
        token = request.form.get("token")
        if not token or not client.settings.enable_token_revocation:
            raise InvalidRequestError()
        if token.count(".") == 2:  # a JWS: an ID or access token, which Cognito cannot revoke on its own
            raise UnsupportedTokenTypeError()
        found = self.server.store.refresh_token(token)
        # An unknown token, or another client's, is answered 200 and changes nothing (RFC 7009 §2.2).
        return found if found is not None and found.check_client(client) else None

    def revoke_token(self, token: RefreshToken, request) -> None:
        self.server.store.revoke_origin(token.origin_jti)

    def create_endpoint_response(self, request):
        status, _, headers = super().create_endpoint_response(request)
        return status, "", headers


def undecodable_basic_credentials() -> bool:
    """True for Basic credentials that are not UTF-8 text, which Authlib's parser fails on with an uncaught
    UnicodeDecodeError; for Cognito they are just credentials that do not authenticate anyone."""
    scheme, _, credentials = flask_request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        base64.b64decode(credentials.strip()).decode("utf-8")
    except ValueError:  # binascii.Error and UnicodeDecodeError alike
        return True
    return False


@bp.post("/oauth2/token")
def token() -> Response:
    server: CognitoAuthorizationServer = current_app.extensions["local_cognito"].oauth
    if undecodable_basic_credentials():
        return server.handle_error_response(None, InvalidClientError(status_code=400))
    return server.create_token_response()


@bp.post("/oauth2/revoke")
def revoke() -> Response:
    server: CognitoAuthorizationServer = current_app.extensions["local_cognito"].oauth
    if undecodable_basic_credentials():
        return server.handle_error_response(None, InvalidClientError(status_code=401))
    response = server.create_endpoint_response(Revocation.ENDPOINT_NAME)
    response.headers.update(TOKEN_HEADERS)
    if response.status_code == 200:
        response.headers.pop("Content-Type", None)
    return response
