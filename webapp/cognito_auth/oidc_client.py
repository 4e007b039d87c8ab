"""The app's relying-party client of its Cognito user pool: sign-in through the Hosted UI, refresh, revocation,
Cognito's JSON API with the user's token (global sign-out among others) and Cognito's logout URL.

Authlib's Flask client runs the authorization code flow (PKCE S256, `state`, `nonce`). We add what it leaves out:
the discovery document is checked before any flow starts (`cognito_jwt.discovery`); pending flows expire and
cannot pile up; the ID and access tokens, and refreshed ones, are validated by our verifier (Authlib does not
validate refreshed ID tokens, nor check `aud` without options), with OIDC Core 12.2's rules for refreshes; an
`iss` in the authorization response must be ours (RFC 9207); every answer is bounded (`webapp.bounded_http`).
Nothing here logs a token: failures are logged by class and OAuth error code only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlencode

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import Response, redirect, request, session

from webapp import cognito_json_api
from webapp.bounded_http import BoundedAdapter, BoundedOAuth2Session, CircuitBreaker, bounded_session
from webapp.cognito_auth import metrics
from webapp.cognito_auth.errors import (
    BadIdentityProviderResponse,
    CognitoRefused,
    GlobalSignOutRefused,
    IdentityProviderMismatch,
    SignInCancelled,
    SignInNotVerified,
    SignInRejected,
    SignInUnavailable,
    TokenServiceUnavailable,
    UnknownSignIn,
    wire_code,
)
from webapp.cognito_auth.session_store import FLOW_LIFETIME
from webapp.cognito_auth.sessions import FLOWS_KEY
from webapp.cognito_auth.settings import CognitoAuthSettings
from webapp.cognito_auth.state import call_timeout
from webapp.cognito_jwt import CognitoJwtVerifier, JwksCache, JwksFetchError, JwtError, discovery
from webapp.environment import CLOCK_SKEW

log = logging.getLogger(__name__)

# Tabs signing in at once, per browser; beyond that the oldest pending flow is dropped.
MAX_PENDING_FLOWS = 5
# Authorization error codes that mean "the person did not (or could not) sign in", per OIDC Core 3.1.2.6.
NOT_SIGNED_IN_ERRORS = {"access_denied", "login_required", "consent_required", "interaction_required"}
IDP_DOWN_ERRORS = {"server_error", "temporarily_unavailable"}
# Cognito's answers: three JWTs at most, a few kilobytes each (discovery and the JWKS, less); anything near this
# is not Cognito.
MAX_ANSWER_BYTES = 512 * 1024


class BoundedFlaskClient(FlaskOAuth2App):
    """Authlib's Flask client, whose calls to Cognito go through bounded sessions."""

    client_cls = BoundedOAuth2Session


class RefreshRejected(Exception):
    """The token endpoint refused the refresh token, or what it returned failed validation: the session is over."""


class PendingFlows(FlaskIntegration):
    """Where Authlib keeps each pending sign-in: under one session key of ours, `{state: {"data", "exp"}}`.

    Authlib's own storage stamps an expiry but returns expired entries all the same, and lets them pile up. Here
    an expired flow is unknown, and starting one drops expired flows and keeps at most MAX_PENDING_FLOWS.
    """

    def __init__(self, name: str, clock: Callable[[], float]):
        super().__init__(name)
        self.clock = clock

    def get_state_data(self, session_, state):
        flow = (session_.get(FLOWS_KEY) or {}).get(state)
        return flow["data"] if flow and flow["exp"] >= self.clock() else None

    def set_state_data(self, session_, state, data):
        now = self.clock()
        live = sorted(((s, f) for s, f in (session_.get(FLOWS_KEY) or {}).items() if f["exp"] >= now),
                      key=lambda item: item[1]["exp"])
        session_[FLOWS_KEY] = {**dict(live[len(live) - (MAX_PENDING_FLOWS - 1):]),
                               state: {"data": data, "exp": now + FLOW_LIFETIME}}

    def clear_state_data(self, session_, state):
        flows = dict(session_.get(FLOWS_KEY) or {})
        if flows.pop(state, None) is not None:
            session_[FLOWS_KEY] = flows


@dataclass(frozen=True)
class SignIn:
    """A completed, fully validated sign-in: what the session stores, and where the person was going."""

    user: dict
    tokens: dict
    next_path: str
    password_again: bool  # signed in with `prompt=login`: not through a Hosted UI session


@dataclass(frozen=True)
class Components:
    """What needs the discovery document: Authlib's client and the two verifiers."""

    client: FlaskOAuth2App
    id_tokens: CognitoJwtVerifier
    access_tokens: CognitoJwtVerifier
    metadata: dict


def user_from_claims(id_claims: dict) -> dict:
    """The claims the session keeps about the person (the pages show them; `auth_time` and `azp` guard refreshes)."""
    return {
        "sub": id_claims["sub"],
        "email": id_claims.get("email"),
        "username": id_claims.get("cognito:username"),
        "groups": list(id_claims.get("cognito:groups") or []),
        "auth_time": id_claims.get("auth_time"),
        "azp": id_claims.get("azp"),
    }


def refresh_time(issued_at: float, expires_at: float, margin: int) -> float:
    """When to refresh an access token valid from `issued_at` to `expires_at`: `margin` seconds before it expires,
    but never before half its lifetime has passed.

    Cognito lets a pool issue access tokens that live 5 minutes, no longer than the default margin: without the
    cap such a token would be due the moment it is issued and every request would refresh it, hammering the token
    endpoint and its rate limits. With it, a session refreshes once per token lifetime whatever the pool's.
    """
    half_life = max(0, (expires_at - issued_at) // 2)  # an `iat` after `exp` (within leeway) must not push it later
    return expires_at - min(margin, half_life)


class OidcClient:
    """One per app: the checked metadata, Authlib's client, the verifiers, and the calls to Cognito."""

    def __init__(self, settings: CognitoAuthSettings, clock: Callable[[], float]):
        self.settings = settings
        self.clock = clock
        self.breaker = CircuitBreaker("Cognito", clock=clock, on_open=metrics.circuit_opened)
        calls = dict(breaker=self.breaker, observe=metrics.observe_cognito)
        self.http = bounded_session(MAX_ANSWER_BYTES, **calls)
        self.token_calls = BoundedAdapter(MAX_ANSWER_BYTES, **calls)
        self.metadata = discovery.LazyMetadata(
            settings.issuer.metadata_url,
            settings.issuer.issuer,
            required=discovery.WEB_APP_ENDPOINTS,
            session=self.http,
            timeout=settings.http_timeout,
        )
        self.jwks_cache = JwksCache(session=self.http, timeout=settings.http_timeout)
        self._ready: Components | None = None

    # --- set-up on first use ---

    def _checked_metadata(self) -> dict:
        try:
            metadata = self.metadata.get()
            discovery.check_on_domain(metadata, self.settings.cognito_domain)
        except discovery.DiscoveryFetchError as error:
            raise SignInUnavailable(error=type(error).__name__) from None
        except discovery.DiscoveryError as error:
            log.error("discovery document refused: %s", error)
            raise IdentityProviderMismatch(error=type(error).__name__) from None
        return metadata

    def readiness_problems(self) -> list[str]:
        """What keeps sign-in and refresh from working now: discovery, then the signing keys (fetched if none are
        held; both rate limited, so a probe costs Cognito nothing once they are loaded)."""
        try:
            jwks_uri = self._checked_metadata()["jwks_uri"]
        except (SignInUnavailable, IdentityProviderMismatch):
            return ["Cognito's discovery document is unavailable"]
        return [] if self.jwks_cache.has_keys(jwks_uri) else ["Cognito's signing keys are unavailable"]

    def _components(self) -> Components:
        """Built on first use, once discovery has answered and passed its checks; then kept (requests racing to
        build them build the same thing, so no lock)."""
        if self._ready is None:
            metadata = self._checked_metadata()
            client = BoundedFlaskClient(
                PendingFlows("cognito", self.clock),
                name="cognito",
                client_id=self.settings.client_id,
                client_secret=self.settings.client_secret,
                authorize_url=metadata["authorization_endpoint"],
                access_token_url=metadata["token_endpoint"],
                client_kwargs=self._session_options(),
            )
            common = dict(issuer=self.settings.issuer.issuer, jwks_uri=metadata["jwks_uri"], leeway=CLOCK_SKEW,
                          jwks_cache=self.jwks_cache, client_ids=[self.settings.client_id], clock=self.clock)
            self._ready = Components(client, CognitoJwtVerifier(token_use="id", **common),
                                     CognitoJwtVerifier(token_use="access", **common), metadata)
        return self._ready

    def _session_options(self) -> dict:
        """Options for Authlib's requests sessions: PKCE, client authentication, a timeout, bounded answers."""
        method = "client_secret_basic" if self.settings.client_secret else "none"
        return {
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": method,
            "revocation_endpoint_auth_method": method,
            "default_timeout": self.settings.http_timeout,
            "adapter": self.token_calls,
        }

    # --- sign-in ---

    def start_sign_in(self, next_path: str, *, password_again: bool = False) -> Response:
        """Redirect to the Hosted UI with a new flow (state, nonce, PKCE verifier) remembered in the session;
        `password_again`: with `prompt=login`, so that a Hosted UI session cannot stand in for the password."""
        client = self._components().client
        flow = client.create_authorization_url(self.settings.redirect_uri, scope=self.settings.scopes,
                                               **({"prompt": "login"} if password_again else {}))
        url = flow.pop("url")
        client.save_authorize_data(redirect_uri=self.settings.redirect_uri, next_path=next_path,
                                   password_again=password_again, **flow)
        return redirect(url)

    def finish_sign_in(self) -> SignIn:
        """Handle the callback: the flow must be pending, the code must exchange, every token must validate.

        The flow is consumed before anything else, so a replayed callback URL finds no flow.
        """
        components = self._components()
        client = components.client
        states = request.args.getlist("state")
        flow = client.framework.get_state_data(session, states[0]) if states else None
        for state in states:
            client.framework.clear_state_data(session, state)
        next_path = flow["next_path"] if flow else None
        # RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once".
        if any(len(request.args.getlist(name)) > 1 for name in ("code", "state", "iss", "error")):
            raise SignInRejected("The sign-in response was malformed. Please sign in again.",
                                 error="repeated_parameter", next_path=next_path)
        self._check_response_issuer(components.metadata, next_path)
        if "error" in request.args:
            raise authorization_error(request.args["error"], next_path)
        if flow is None:
            raise UnknownSignIn()
        code = request.args.get("code")
        if not code:
            raise SignInRejected("The sign-in service sent no authorization code.", error="missing_code",
                                 next_path=next_path)
        token = self._exchange_code(client, code, flow)
        try:
            id_claims = components.id_tokens.verify(
                token["id_token"], nonce=flow["nonce"], access_token=token["access_token"]
            )
            access_claims = components.access_tokens.verify(token["access_token"])
        except JwksFetchError:
            raise SignInUnavailable(error="jwks_unavailable", next_path=next_path) from None
        except JwtError as error:
            raise SignInNotVerified(error=type(error).__name__, next_path=next_path) from None
        if access_claims.get("sub") != id_claims.get("sub"):
            raise SignInNotVerified(error="sub_mismatch", next_path=next_path)
        tokens = self._session_tokens(token["access_token"], token.get("refresh_token"), access_claims)
        return SignIn(user_from_claims(id_claims), tokens, flow["next_path"], flow.get("password_again", False))

    def _check_response_issuer(self, metadata: dict, next_path: str | None) -> None:
        """RFC 9207 §2.4 (mix-up defence, RFC 9700 §4.4.2.1): an authorization response that names its issuer
        must name ours, and must name it when the metadata says the server always does. Cognito sends no `iss`
        today; this keeps a response relayed from another authorization server from reaching our token endpoint
        the day it does, or behind a proxy that adds one."""
        issuer = request.args.get("iss")
        required = metadata.get("authorization_response_iss_parameter_supported") is True
        if issuer != self.settings.issuer.issuer and (issuer is not None or required):
            raise SignInRejected("The sign-in response did not come from our sign-in service. Please sign in again.",
                                 error="issuer_mismatch", next_path=next_path)

    def _exchange_code(self, client, code: str, flow: dict) -> dict:
        next_path = flow["next_path"]
        try:
            token = client.fetch_access_token(redirect_uri=flow["redirect_uri"], code=code,
                                              code_verifier=flow["code_verifier"], timeout=call_timeout())
        except OAuthError as error:
            if error.error in IDP_DOWN_ERRORS:
                raise SignInUnavailable(error=error.error, next_path=next_path) from None
            raise SignInRejected(error=error.error, next_path=next_path) from None
        except (requests.ConnectionError, requests.Timeout) as error:
            raise SignInUnavailable(error=type(error).__name__, next_path=next_path) from None
        except requests.HTTPError as error:
            status = error.response.status_code if error.response is not None else 0
            failure = SignInUnavailable if status >= 500 else BadIdentityProviderResponse
            raise failure(error=f"http_{status}", next_path=next_path) from None
        except (requests.RequestException, ValueError, RecursionError) as error:
            raise BadIdentityProviderResponse(error=type(error).__name__, next_path=next_path) from None
        if not isinstance(token.get("id_token"), str) or not isinstance(token.get("access_token"), str):
            raise BadIdentityProviderResponse(error="missing_tokens", next_path=next_path)
        if not isinstance(token.get("refresh_token", ""), str):  # RFC 6749 §5.1: a string, when present
            raise BadIdentityProviderResponse(error="invalid_refresh_token", next_path=next_path)
        return dict(token)

    # --- tokens of a signed-in session ---

    def refresh(self, tokens: dict, user: dict) -> tuple[dict, dict]:
        """New (tokens, user) from the refresh token, merged the way Cognito needs and validated.

        Cognito returns a new refresh token only when rotation is on: keep the old one otherwise.
        Raises RefreshRejected (the session must end) or TokenServiceUnavailable (keep it, try later).
        """
        try:
            components = self._components()
        except (SignInUnavailable, IdentityProviderMismatch) as error:
            raise TokenServiceUnavailable(error=error.error) from None
        if not tokens.get("refresh_token"):
            raise RefreshRejected("no refresh token")
        response = self._refresh_grant(components.client, tokens["refresh_token"])
        try:
            access_claims = components.access_tokens.verify(response["access_token"])
            id_claims = components.id_tokens.verify(response["id_token"]) if "id_token" in response else None
        except JwksFetchError:
            raise TokenServiceUnavailable(error="jwks_unavailable") from None
        except JwtError as error:
            raise RefreshRejected(type(error).__name__) from None
        if access_claims.get("sub") != user["sub"]:
            raise RefreshRejected("the refreshed access token is for someone else")
        if id_claims is not None:
            if id_claims.get("sub") != user["sub"]:
                raise RefreshRejected("the refreshed ID token is for someone else")
            # OIDC Core 12.2: auth_time, when present, must still be the original authentication's.
            if user.get("auth_time") is not None and id_claims.get("auth_time") != user["auth_time"]:
                raise RefreshRejected("the refreshed ID token changed auth_time")
            # OIDC Core 12.2: azp must be the original's, and absent if the original had none.
            if id_claims.get("azp") != user.get("azp"):
                raise RefreshRejected("the refreshed ID token changed azp")
            user = user_from_claims(id_claims)
        refresh_token = response.get("refresh_token") or tokens["refresh_token"]
        return self._session_tokens(response["access_token"], refresh_token, access_claims), user

    def _session_tokens(self, access_token: str, refresh_token: str | None, access_claims: dict) -> dict:
        """The session's ``tokens`` (see `webapp.sessions`) from a validated sign-in or refresh: the access token
        with its expiry and the time `webapp.tokens` refreshes it, and the refresh token."""
        return {
            "access_token": access_token,
            "refresh_token": refresh_token,
            "expires_at": access_claims["exp"],
            "refresh_at": refresh_time(access_claims["iat"], access_claims["exp"], self.settings.token_refresh_margin),
        }

    def _refresh_grant(self, client, refresh_token: str) -> dict:
        try:
            response = client.fetch_access_token(grant_type="refresh_token", refresh_token=refresh_token,
                                                 timeout=call_timeout())
        except OAuthError as error:
            if error.error in IDP_DOWN_ERRORS:
                raise TokenServiceUnavailable(error=error.error) from None
            raise RefreshRejected(f"the token endpoint answered {wire_code(error.error)}") from None
        except (requests.RequestException, ValueError, RecursionError) as error:
            raise TokenServiceUnavailable(error=type(error).__name__) from None
        if not isinstance(response.get("access_token"), str):
            raise RefreshRejected("the refresh response has no access token")
        if not isinstance(response.get("refresh_token", ""), str):
            raise RefreshRejected("the refresh response's refresh token is not a string")
        return dict(response)

    def revoke(self, refresh_token: str | None) -> None:
        """Revoke a refresh token (and the tokens issued from it) at Cognito; best effort, never blocks sign-out."""
        if not refresh_token:
            return
        try:
            metadata = self._components().metadata
            with BoundedOAuth2Session(self.settings.client_id, self.settings.client_secret,
                                      **self._session_options()) as s:
                response = s.revoke_token(metadata["revocation_endpoint"], token=refresh_token,
                                          timeout=call_timeout())
            if response.status_code != 200:
                log.warning("token revocation answered HTTP %d", response.status_code)
        except (requests.RequestException, SignInUnavailable, IdentityProviderMismatch) as error:
            log.warning("token revocation failed: %s", type(error).__name__)

    def global_sign_out(self, access_token: str) -> None:
        """Cognito's GlobalSignOut with the user's access token: every refresh token of the user stops working.

        A token Cognito already considers revoked is fine (that is the goal). Any other refusal, such as a token
        without the aws.cognito.signin.user.admin scope, signed nobody out: GlobalSignOutRefused says so.
        """
        try:
            self.user_pool_call("GlobalSignOut", access_token)
        except CognitoRefused as refusal:
            if not refusal.token_revoked:
                raise GlobalSignOutRefused(error=refusal.error) from None

    def user_pool_call(self, operation: str, access_token: str, **parameters) -> dict:
        """`webapp.cognito_auth.user_pool_call`'s call (`webapp.cognito_json_api`). TokenServiceUnavailable for
        anything that keeps the call from completing (try again)."""
        try:
            return cognito_json_api.call(self.http, self.settings.issuer.api_endpoint, operation,
                                         {"AccessToken": access_token, **parameters}, timeout=call_timeout())
        except cognito_json_api.NoAnswer as failure:
            raise TokenServiceUnavailable(error=str(failure)) from None
        except requests.Timeout:  # call_timeout(): this request's time for its calls is up
            raise TokenServiceUnavailable(error="Timeout") from None
        except cognito_json_api.CognitoError as refusal:
            revoked = refusal.code == "NotAuthorizedException" and "revoked" in refusal.message.lower()
            raise CognitoRefused(error=refusal.code, token_revoked=revoked) from None

    def logout_url(self) -> str:
        """Cognito's own /logout (not OIDC RP-initiated logout): clears the Hosted UI session, then comes back."""
        query = urlencode({"client_id": self.settings.client_id, "logout_uri": self.settings.logout_uri})
        return f"{self.settings.cognito_domain}/logout?{query}"


def authorization_error(code: str, next_path: str | None):
    """The page for an `error=` sent back by the Hosted UI (its description is not shown: it is the IdP's text)."""
    if code in NOT_SIGNED_IN_ERRORS:
        return SignInCancelled(error=code, next_path=next_path)
    if code in IDP_DOWN_ERRORS:
        return SignInUnavailable(error=code, next_path=next_path)
    return SignInRejected(error=code, next_path=next_path)
