"""Cognito-shaped tokens: ID and access JWTs with exactly the claims the real pool puts in them.

Signing and encryption are joserfc's. The JWS header is only `{"kid", "alg"}` (Cognito sends no `typ`), so
tokens are built with `jws.serialize_compact` over the JSON claims rather than `jwt.encode`, which adds `typ`.
Refresh tokens are opaque to clients: a JWE (`{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}`, so they start
with `eyJjdHki` like Cognito's) whose contents nobody reads; the store knows them by hash.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from authlib.oidc.core.util import create_half_hash
from joserfc import jwe, jws
from joserfc.errors import JoseError

from local_cognito.clients import AppClient
from local_cognito.keys import ACCESS, ID, REFRESH, KeyRing
from local_cognito.store import Store, User

REFRESH_TOKEN_HEADER = {"cty": "JWT", "enc": "A256GCM", "alg": "RSA-OAEP"}
JWE_ALGORITHMS = ["RSA-OAEP", "A256GCM"]
# Attributes that are claims of their own or never leave the pool.
NOT_COPIED_TO_ID_TOKEN = {"sub", "email", "email_verified", "phone_number_verified"}


class InvalidAccessToken(Exception):
    """An access token our endpoints refuse; the message is the `error_description` Cognito gives."""


# Why user tokens are being issued, in the words of the pre-token-generation trigger's `triggerSource`.
HOSTED_AUTH = "TokenGeneration_HostedAuth"
AUTHENTICATION = "TokenGeneration_Authentication"
NEW_PASSWORD_CHALLENGE = "TokenGeneration_NewPasswordChallenge"
REFRESH_TOKENS = "TokenGeneration_RefreshTokens"


@dataclass(frozen=True)
class UserGrant:
    """What a user token family rests on: who signed in, with which client and scope, and when."""

    client: AppClient
    user: User
    scope: str
    auth_time: int
    origin_jti: str
    nonce: str | None = None
    event: str = HOSTED_AUTH


class ClaimsHook(Protocol):
    """Changes the claims of tokens about to be signed, in place (the pre-token-generation trigger)."""

    def __call__(self, grant: UserGrant, access_claims: dict[str, Any], id_claims: dict[str, Any] | None) -> None:
        ...


class TokenIssuer:
    def __init__(self, *, issuer: str, keys: KeyRing, store: Store, clock: Callable[[], float] = time.time,
                 lifetime_override: int | None = None, claims_hook: ClaimsHook | None = None):
        self.issuer = issuer
        self.claims_hook = claims_hook
        self.keys = keys
        self.store = store
        self.clock = clock
        self.lifetime_override = lifetime_override

    def access_lifetime(self, client: AppClient) -> int:
        return self.lifetime_override or client.settings.access_token_seconds

    def id_lifetime(self, client: AppClient) -> int:
        return self.lifetime_override or client.settings.id_token_seconds

    # -- minting -----------------------------------------------------------------------------------------------
    def user_tokens(self, grant: UserGrant, *, include_refresh_token: bool,
                    include_id_token: bool | None = None) -> dict[str, Any]:
        """The token response of a code exchange, refresh or InitiateAuth: access, ID, maybe refresh.

        The OAuth endpoints issue an ID token only when `openid` was granted, with `at_hash` (reference §3.1);
        the JSON API (`include_id_token=True`) always issues one, without `at_hash`, as Cognito's API does.
        """
        now = int(self.clock())
        event_id = str(uuid.uuid4())  # [Uncertain] a new authentication event per issuance, refreshes included
        access_claims = self._access_claims(grant, now, event_id)
        with_id_token = include_id_token if include_id_token is not None else "openid" in grant.scope.split()
        id_claims = self._id_claims(grant, now, event_id) if with_id_token else None
        if self.claims_hook is not None:
            self.claims_hook(grant, access_claims, id_claims)
        access_token = self._sign(ACCESS, access_claims)
        response: dict[str, Any] = {"access_token": access_token}
        if id_claims is not None:
            if include_id_token is None:
                id_claims["at_hash"] = create_half_hash(access_token, "RS256").decode()
            response["id_token"] = self._sign(ID, id_claims)
        if include_refresh_token:
            response["refresh_token"] = self.new_refresh_token(grant)
        response.update(token_type="Bearer", expires_in=self.access_lifetime(grant.client))
        return response

    def client_token(self, client: AppClient, scope: str) -> dict[str, Any]:
        """Client-credentials access token: `sub` is the client id; no user, groups or `aud`."""
        now = int(self.clock())
        lifetime = self.access_lifetime(client)
        claims = {
            "sub": client.client_id, "token_use": "access", "scope": scope, "auth_time": now, "iss": self.issuer,
            "exp": now + lifetime, "iat": now, "version": 2, "jti": str(uuid.uuid4()), "client_id": client.client_id,
        }
        return {"access_token": self._sign(ACCESS, claims), "expires_in": lifetime, "token_type": "Bearer"}

    def new_refresh_token(self, grant: UserGrant) -> str:
        _, key = self.keys.current(REFRESH)
        payload = json.dumps({"jti": secrets.token_urlsafe(32)}).encode()
        token = jwe.encrypt_compact(REFRESH_TOKEN_HEADER, payload, key, algorithms=JWE_ALGORITHMS)
        self.store.save_refresh_token(
            token, origin_jti=grant.origin_jti, client_id=grant.client.client_id, sub=grant.user.sub,
            scope=grant.scope, auth_time=grant.auth_time, lifetime=grant.client.settings.refresh_token_seconds)
        return token

    def _access_claims(self, grant: UserGrant, now: int, event_id: str) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": grant.user.sub}
        if grant.user.groups:
            claims["cognito:groups"] = list(grant.user.groups)
        claims.update({
            "iss": self.issuer, "version": 2, "client_id": grant.client.client_id, "origin_jti": grant.origin_jti,
            "event_id": event_id, "token_use": "access", "scope": grant.scope, "auth_time": grant.auth_time,
            "exp": now + self.access_lifetime(grant.client), "iat": now, "jti": str(uuid.uuid4()),
            "username": grant.user.username,
        })
        return claims

    def _id_claims(self, grant: UserGrant, now: int, event_id: str) -> dict[str, Any]:
        user = grant.user
        claims: dict[str, Any] = {"sub": user.sub}
        if user.groups:
            claims["cognito:groups"] = list(user.groups)
        if "email" in user.attributes:
            claims["email_verified"] = user.email_verified
        claims.update({"iss": self.issuer, "cognito:username": user.username})
        if grant.nonce:
            claims["nonce"] = grant.nonce
        claims.update({
            "origin_jti": grant.origin_jti, "aud": grant.client.client_id, "event_id": event_id, "token_use": "id",
            "auth_time": grant.auth_time, "exp": now + self.id_lifetime(grant.client), "iat": now,
            "jti": str(uuid.uuid4()),
        })
        for name, value in readable_attributes(user, grant.client).items():
            if name not in NOT_COPIED_TO_ID_TOKEN:
                claims[name] = value
        if "phone_number_verified" in user.attributes:
            claims["phone_number_verified"] = user.attributes["phone_number_verified"] == "true"
        if user.email:
            claims["email"] = user.email
        return claims

    def _sign(self, purpose: str, claims: dict[str, Any]) -> str:
        kid, key = self.keys.current(purpose)
        payload = json.dumps(claims, separators=(",", ":")).encode()
        return jws.serialize_compact({"kid": kid, "alg": "RS256"}, payload, key, algorithms=["RS256"])

    # -- checking our own access tokens (userInfo, and the JSON API's AccessToken operations) ------------------
    def verify_access_token(self, token: str) -> dict[str, Any]:
        """The claims of a live access token issued here, or `InvalidAccessToken` saying why not.

        Unlike a resource server, Cognito's own endpoints also refuse revoked and globally signed-out tokens.
        """
        try:
            header = jws.extract_compact(token.encode()).protected
        except (JoseError, ValueError, UnicodeError):
            raise InvalidAccessToken("Invalid access token") from None
        key = self.keys.by_kid(str(header.get("kid")), ACCESS) if header.get("alg") == "RS256" else None
        if key is None:
            raise InvalidAccessToken("Invalid access token")
        try:
            claims = json.loads(jws.deserialize_compact(token, key, algorithms=["RS256"]).payload)
        except (JoseError, ValueError):
            raise InvalidAccessToken("Invalid access token") from None
        if not isinstance(claims, dict) or claims.get("iss") != self.issuer or claims.get("token_use") != "access":
            raise InvalidAccessToken("Invalid access token")
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= self.clock():
            raise InvalidAccessToken("Access token has expired")
        origin = claims.get("origin_jti")
        if origin is not None and self.store.origin_revoked(str(origin)):
            raise InvalidAccessToken("Access token has been revoked")
        return claims


def readable_attributes(user: User, client: AppClient) -> dict[str, str]:
    """The user's attributes this client may read (all of them unless the client lists ReadAttributes)."""
    allowed = set(client.settings.read_attributes)
    return {k: v for k, v in user.attributes.items() if not allowed or k in allowed or k == "sub"}
