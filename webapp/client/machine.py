"""Machine-to-machine tokens: the client credentials grant (RFC 6749 §4.4) at Cognito's `/oauth2/token`.

The request is Authlib's (`OAuth2Session.fetch_token`, client authentication `client_secret_basic` as Cognito
documents it); this module adds the checks on the answer and turns Cognito's errors into one line each. Tokens
are cached (`TokenCache`) per token endpoint, client and scope, so many calls cost one grant.
"""

from __future__ import annotations

import requests
from authlib.integrations.base_client import OAuthError

from webapp.bounded_http import BoundedAdapter, BoundedOAuth2Session
from webapp.client.errors import SignInError, UnreachableError, printable
from webapp.client.settings import MachineClient
from webapp.client.token_cache import CachedToken, TokenCache

# A token endpoint's answer is a few kilobytes; anything near this is not one.
MAX_ANSWER_BYTES = 256 * 1024
#: What each /oauth2/token error means for someone holding the machine client's id and secret.
TOKEN_ERRORS = {
    "invalid_client": "Cognito refused the machine client's credentials: check MACHINE_CLIENT_ID and "
    "MACHINE_CLIENT_SECRET.",
    "invalid_scope": "The machine client may not request the scope {scope}: add it to the client's allowed "
    "OAuth scopes in the user pool.",
    "unauthorized_client": "The machine client is not allowed the client credentials grant: enable it on the "
    "app client.",
}


class MachineTokens:
    """Access tokens for a machine client and one scope, fetched once and reused until shortly before expiry."""

    insufficient_scope_hint = (
        "Set WEATHER_API_SCOPE to the scope the API requires and allow that scope on the machine app client."
    )

    def __init__(self, client: MachineClient, scope: str, cache: TokenCache, *, timeout: float):
        self.client = client
        self.scope = scope
        self.cache = cache
        self.timeout = timeout
        self.key = f"client_credentials|{client.token_endpoint}|{client.client_id}|{scope}"

    def token(self) -> CachedToken:
        return self.cache.get(self.key, self._fetch)

    def reject(self, token: CachedToken) -> None:
        """The API refused `token`: the next `token()` fetches another."""
        self.cache.expire(self.key, token)

    def forget(self) -> None:
        """Drop the cached token (client credentials grants have no refresh token to revoke)."""
        self.cache.remove(self.key)

    def _fetch(self, _stale: CachedToken | None) -> CachedToken:
        session = BoundedOAuth2Session(
            self.client.client_id,
            self.client.client_secret,
            scope=self.scope,
            token_endpoint_auth_method="client_secret_basic",
            default_timeout=self.timeout,
            adapter=BoundedAdapter(MAX_ANSWER_BYTES),
        )
        with session:
            try:
                token = session.fetch_token(
                    self.client.token_endpoint, grant_type="client_credentials", allow_redirects=False
                )
            except OAuthError as error:
                raise token_error(error.error, error.description, self.scope) from None
            except requests.RequestException as error:
                raise UnreachableError(
                    f"Cannot get a token from {self.client.token_endpoint} ({type(error).__name__})."
                ) from None
            except (ValueError, RecursionError):  # Authlib: the answer is not a JSON object (or nests too deep)
                raise UnreachableError(f"{self.client.token_endpoint} did not answer like a token endpoint.") from None
        return checked_token(token, self.cache.clock(), self.client.token_endpoint)


def token_error(code: str | None, description: str | None, scope: str) -> SignInError:
    code = code or "unknown_error"
    if code in TOKEN_ERRORS:
        return SignInError(TOKEN_ERRORS[code].format(scope=scope), code)
    detail = f": {printable(description)}" if description else ""
    return SignInError(f"The token endpoint refused the client credentials grant ({printable(code)}{detail}).", code)


def checked_token(token: dict, now: float, endpoint: str) -> CachedToken:
    """A bearer access token with a positive lifetime, or an error: anything else cannot be used or cached."""
    access_token, token_type, expires_in = token.get("access_token"), token.get("token_type"), token.get("expires_in")
    if (
        not isinstance(access_token, str)
        or not access_token
        or not isinstance(token_type, str)
        or token_type.lower() != "bearer"
        or not isinstance(expires_in, int)
        or isinstance(expires_in, bool)
        or expires_in <= 0
    ):
        raise UnreachableError(f"{endpoint} returned no usable bearer token.")
    return CachedToken(access_token=access_token, expires_at=now + expires_in)
