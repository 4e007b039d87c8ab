"""The hostile identity provider: a whole Cognito user pool domain on loopback that is honest until told not to be.

`HostileIdp` extends `tests.idp.FakeIdp` (keys, discovery, JWKS, token minting) with the Hosted UI domain's
endpoints, so a web app configured with `cognito_domain = idp.url` talks to nothing else:

- `GET /oauth2/authorize`: no login form; it issues a code for a fixed user at once and redirects to the
  registered callback with `code` and `state`. `authorize_with(**params)` changes that answer (drop or replace
  `state`, add `iss` or `error`...) for the rest of the test.
- `POST /oauth2/token`: honest by default, like Cognito: client authentication (Basic), single-use codes bound
  to their redirect URI, PKCE S256, tokens carrying the nonce and `at_hash`, refresh without rotation.
  `answer_token(...)` queues what the next call returns instead (a forged token response, an OAuth error, a 5xx);
  `check_pkce = False` plays an authorization server that forgets PKCE; `access_defaults` are claims every
  access token gets (`past_half_life()` makes each one due for refresh when issued).
- `GET /oauth2/userInfo`, `POST /oauth2/revoke`, `GET /logout`, and the JSON API's `GlobalSignOut` at `POST /`:
  honest and recorded (`userinfo_answer` overrides userInfo).

Every request is recorded (`requests`), and `hits` counts paths as in `FakeIdp`.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode

from joserfc.jwk import RSAKey
from werkzeug.wrappers import Request, Response

from tests.idp import CLIENT_ID, FakeIdp, apply, sign

CLIENT_SECRET = "hostile-idp-client-secret"
USER_SUB = "11111111-2222-4333-8444-555555555555"
USER_EMAIL = "victim@example.com"

#: A token endpoint answer: (status, body), or a function of the grant it answers for returning one.
TokenAnswer = tuple[int, Any] | Callable[["Grant | None"], tuple[int, Any]]


@dataclass
class Grant:
    """One authorization: what `/oauth2/authorize` was asked, and who it was for."""

    code: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    scope: str
    sub: str = USER_SUB
    auth_time: int = field(default_factory=lambda: int(time.time()))
    used: bool = False


@dataclass
class Recorded:
    method: str
    path: str
    args: dict
    form: dict
    authorization: str | None


def s256(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier)))."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def json_response(body: Any, status: int = 200) -> Response:
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return Response(data, status, content_type="application/json;charset=UTF-8")


class HostileIdp(FakeIdp):
    def __init__(self) -> None:
        super().__init__()
        self.client_secret = CLIENT_SECRET
        self.redirect_uris: set[str] = set()
        self.logout_uris: set[str] = set()
        self._clear_script()

    def _clear_script(self) -> None:
        self.requests: list[Recorded] = []
        self.grants: dict[str, Grant] = {}
        self.refresh_tokens: dict[str, Grant] = {}
        self.revoked: list[str] = []
        self.token_answers: collections.deque[TokenAnswer] = collections.deque()
        self.authorize_overrides: dict[str, Any] = {}
        self.userinfo_answer: tuple[int, Any] | None = None
        self.check_pkce = True
        # Claims every access token gets unless `tokens(access=...)` overrides them (e.g. `past_half_life()`).
        self.access_defaults: dict[str, Any] = {}

    def reset(self) -> None:
        super().reset()
        self._clear_script()

    def allow_app(self, app_url: str) -> None:
        """Register a web app's callback and sign-out URLs, as one does for an app client."""
        self.redirect_uris.add(f"{app_url}/callback")
        self.logout_uris.add(f"{app_url}/signed-out")

    # --- scripting ---

    def authorize_with(self, **params: Any) -> None:
        """Change the authorization response's query: a value replaces the honest one, None removes it."""
        self.authorize_overrides.update(params)

    def answer_token(self, answer: TokenAnswer | dict) -> None:
        """Queue the next token endpoint answer: a body (sent with 200), (status, body), a whole werkzeug Response,
        or grant -> any of these."""
        self.token_answers.append(answer)

    def recorded(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    # --- tokens for a grant ---

    def tokens(
        self,
        grant: Grant | None,
        *,
        id: dict | None = None,
        access: dict | None = None,
        id_header: dict | None = None,
        key: RSAKey | None = None,
        refresh_token: str | None = None,
        with_refresh_token: bool = True,
        nonce: bool = True,
    ) -> dict:
        """A Cognito token response for `grant`: `access`/`id` override claims (None removes one); the ID token
        gets the grant's nonce (unless `nonce=False`) and the `at_hash` of the access token issued with it.
        Both are signed by `key` (default: the published key)."""
        key = key or self.key
        sub, auth_time = (grant.sub, grant.auth_time) if grant else (USER_SUB, int(time.time()))
        access_claims = self.claims("access", sub=sub, auth_time=auth_time)
        access_token = self.token(apply(access_claims, {**self.access_defaults, **(access or {})}), key=key)
        id_claims = self.claims("id", sub=sub, auth_time=auth_time, email=USER_EMAIL,
                                at_hash=at_hash_of(access_token))
        if nonce and grant and grant.nonce:
            id_claims["nonce"] = grant.nonce
        id_claims = apply(id_claims, id or {})
        header = id_header if id_header is not None else {"kid": key.kid, "alg": "RS256"}
        answer = {
            "access_token": access_token,
            "id_token": sign(header, id_claims, key),
            "token_type": "Bearer",
            "expires_in": 3600,
        }
        if with_refresh_token:
            refresh = refresh_token or f"rt-{uuid.uuid4()}"
            if grant is not None:
                self.refresh_tokens[refresh] = grant
            answer["refresh_token"] = refresh
        return answer

    # --- the server ---

    def wsgi(self, environ, start_response):
        request = Request(environ)
        handler = {
            "/oauth2/authorize": self._authorize,
            "/oauth2/token": self._token,
            "/oauth2/userInfo": self._userinfo,
            "/oauth2/revoke": self._revoke,
            "/logout": self._logout,
            "/": self._json_api,
        }.get(request.path)
        if handler is None:
            return super().wsgi(environ, start_response)
        with self._lock:
            self.count_hit(request.path)
            self.requests.append(Recorded(request.method, request.path, request.args.to_dict(),
                                          request.form.to_dict(), request.headers.get("Authorization")))
        if self.delay:
            time.sleep(self.delay)
        return handler(request)(environ, start_response)

    def _authorize(self, request: Request) -> Response:
        args = request.args
        redirect_uri = args.get("redirect_uri", "")
        if args.get("client_id") != CLIENT_ID or redirect_uri not in self.redirect_uris:
            # Cognito shows an error page on its own domain: never a redirect to an unregistered URI.
            return Response("redirect_mismatch", 400)
        grant = Grant(
            code=str(uuid.uuid4()),
            redirect_uri=redirect_uri,
            nonce=args.get("nonce"),
            code_challenge=args.get("code_challenge"),
            code_challenge_method=args.get("code_challenge_method"),
            scope=args.get("scope", ""),
        )
        with self._lock:
            self.grants[grant.code] = grant
        query = apply({"code": grant.code, "state": args.get("state")}, self.authorize_overrides)
        query = {name: value for name, value in query.items() if value is not None}
        return Response("", 302, {"Location": f"{redirect_uri}?{urlencode(query)}"})

    def _token(self, request: Request) -> Response:
        form = request.form
        grant = self._grant_for(form)
        with self._lock:
            answer = self.token_answers.popleft() if self.token_answers else None
        if answer is not None:
            if callable(answer):
                answer = answer(grant)
            if isinstance(answer, Response):
                return answer
            status, body = answer if isinstance(answer, tuple) else (200, answer)
            return json_response(body, status)
        if not self._client_authenticated(request):
            return json_response({"error": "invalid_client"}, 401)
        if form.get("grant_type") == "authorization_code":
            return self._code_grant(form, grant)
        if form.get("grant_type") == "refresh_token":
            if grant is None or form.get("refresh_token") in self.revoked:
                return json_response({"error": "invalid_grant"}, 400)
            return json_response(self.tokens(grant, with_refresh_token=False, nonce=False))
        return json_response({"error": "unsupported_grant_type"}, 400)

    def _grant_for(self, form) -> Grant | None:
        if form.get("grant_type") == "refresh_token":
            return self.refresh_tokens.get(form.get("refresh_token", ""))
        return self.grants.get(form.get("code", ""))

    def _client_authenticated(self, request: Request) -> bool:
        expected = base64.b64encode(f"{CLIENT_ID}:{self.client_secret}".encode()).decode()
        return hmac.compare_digest(request.headers.get("Authorization", ""), f"Basic {expected}")

    def _code_grant(self, form, grant: Grant | None) -> Response:
        with self._lock:
            if grant is None or grant.used:
                return json_response({"error": "invalid_grant"}, 400)
            grant.used = True
        if form.get("redirect_uri") != grant.redirect_uri:
            return json_response({"error": "invalid_grant", "error_description": "invalid_redirect"}, 400)
        if self.check_pkce and grant.code_challenge is not None:
            verifier = form.get("code_verifier", "")
            if grant.code_challenge_method != "S256" or not hmac.compare_digest(s256(verifier), grant.code_challenge):
                return json_response({"error": "invalid_grant"}, 400)
        return json_response(self.tokens(grant))

    def _userinfo(self, request: Request) -> Response:
        status, body = self.userinfo_answer or (200, {"sub": USER_SUB, "email": USER_EMAIL, "email_verified": "true"})
        return json_response(body, status)

    def _revoke(self, request: Request) -> Response:
        if not self._client_authenticated(request):
            return json_response({"error": "invalid_client"}, 401)
        self.revoked.append(request.form.get("token", ""))
        return Response("", 200)

    def _json_api(self, request: Request) -> Response:
        """Cognito's JSON API at the issuer's origin: only GlobalSignOut, which the web app calls."""
        if request.headers.get("X-Amz-Target") != "AWSCognitoIdentityProviderService.GlobalSignOut":
            return json_response({"__type": "UnknownOperationException"}, 400)
        return Response("{}", 200, content_type="application/x-amz-json-1.1")

    def _logout(self, request: Request) -> Response:
        logout_uri = request.args.get("logout_uri", "")
        if request.args.get("client_id") != CLIENT_ID or logout_uri not in self.logout_uris:
            return Response("redirect_mismatch", 400)
        return Response("", 302, {"Location": logout_uri})


def at_hash_of(access_token: str) -> str:
    """OIDC Core 3.1.3.6, written out again here so the IdP does not borrow the verifier it is testing."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
