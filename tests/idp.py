"""A stand-in identity provider for tests: RSA keys, Cognito-shaped tokens, and a JWKS + discovery server.

Tokens are signed here with joserfc's RS256 implementation over a header and payload we serialize ourselves, so
a test can put anything in either (key-pointer headers, `crit`, claims of the wrong JSON type) and still carry a
valid signature: the verifier must refuse such tokens for what they say, not because they are malformed.
The server runs on loopback through `tests.servers.ServerThread` and counts what it serves; a test can switch a
path to another answer (`respond`) to play an outage or a hostile document.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import hmac
import json
import threading
import time
import uuid
from typing import Any

from joserfc.jwk import RSAKey
from joserfc.jws import JWSRegistry
from joserfc.util import urlsafe_b64encode
from werkzeug.wrappers import Request, Response

from tests.servers import ServerThread
from webapp.cognito_jwt import at_hash

RS256 = JWSRegistry.algorithms["RS256"]
POOL_ID = "us-east-1_TestPool"
CLIENT_ID = "webclient1234567890abcdefg"
MACHINE_CLIENT_ID = "machineclient1234567890abc"
SCOPE = "weatherapi/read"


def make_key(kid: str, **parameters: str) -> RSAKey:
    """A fresh RS256 signing key (about 50 ms: use `stranger_key` where any key not published will do)."""
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig", **parameters})


@functools.cache
def stranger_key(kid: str) -> RSAKey:
    """A key the IdP never publishes, made once per kid for the test session."""
    return make_key(kid)


def b64json(value: Any) -> str:
    data = value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()
    return urlsafe_b64encode(data).decode()


def sign(header: dict, claims: dict | bytes, key: RSAKey) -> str:
    """A compact JWS with exactly this header and payload, signed RS256 with `key`."""
    signing_input = f"{b64json(header)}.{b64json(claims)}"
    return f"{signing_input}.{urlsafe_b64encode(RS256.sign(signing_input.encode(), key)).decode()}"


def sign_hs256(header: dict, claims: dict, secret: bytes) -> str:
    """The classic algorithm-confusion attack: HMAC with a secret the attacker knows (the RSA public key)."""
    signing_input = f"{b64json(header)}.{b64json(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{urlsafe_b64encode(mac).decode()}"


def past_half_life(expires_in: int = 3600) -> dict:
    """`iat` and `exp` of an access token that expires in `expires_in` seconds and has lived two thirds of its life.

    The web app refreshes a token `token_refresh_margin` seconds before it expires but never before its half-life
    (`webapp.cognito_auth.oidc_client.refresh_time`), so with a margin of at least `expires_in` such a token is due
    the moment it is issued: every use of it refreshes it.
    """
    now = int(time.time())
    return {"iat": now - 2 * expires_in, "exp": now + expires_in}


def trickled(data: bytes, pause: float = 0.3, pieces: int = 6) -> Response:
    """`data` with its Content-Length, sent in `pieces` parts `pause` seconds apart: every read of a client with a
    1 s timeout gets bytes in time, yet the whole body takes longer than that."""
    size = -(-len(data) // pieces)

    def parts():
        for start in range(0, len(data), size):
            yield data[start:start + size]
            time.sleep(pause)

    return Response(parts(), content_type="application/json", headers={"Content-Length": str(len(data))})


def apply(claims: dict, overrides: dict) -> dict:
    """`claims` updated with `overrides`; an override of None removes the claim."""
    result = dict(claims)
    for name, value in overrides.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = value
    return result


class FakeIdp:
    """Signing keys, token minting in Cognito's shapes, and a loopback server for discovery and the JWKS."""

    def __init__(self, pool_id: str = POOL_ID):
        self.server = ServerThread()
        self.url = self.server.url
        self.issuer = f"{self.url}/{pool_id}"
        self.jwks_path = f"/{pool_id}/.well-known/jwks.json"
        self.metadata_path = f"/{pool_id}/.well-known/openid-configuration"
        self.jwks_uri = self.url + self.jwks_path
        self.metadata_url = self.url + self.metadata_path
        self.key = make_key("key-1")
        self.published: list[RSAKey] = [self.key]
        self.hits: collections.Counter[str] = collections.Counter()
        self.answers: dict[str, Response] = {}
        self.delay = 0.0
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self.server.start(self.wsgi)

    def reset(self) -> None:
        """Back to the state after construction (session-scoped users call this between tests)."""
        self.published = [self.key]
        self.hits.clear()
        self.answers.clear()
        self.delay = 0.0

    def stop(self) -> None:
        self.server.stop()

    # --- documents ---

    def jwks(self) -> dict:
        return {"keys": [key.as_dict(private=False) for key in self.published]}

    def discovery(self) -> dict:
        domain = self.url
        return {
            "issuer": self.issuer,
            "jwks_uri": self.jwks_uri,
            "authorization_endpoint": f"{domain}/oauth2/authorize",
            "token_endpoint": f"{domain}/oauth2/token",
            "userinfo_endpoint": f"{domain}/oauth2/userInfo",
            "revocation_endpoint": f"{domain}/oauth2/revoke",
            "end_session_endpoint": f"{domain}/logout",
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "token"],
            "scopes_supported": ["openid", "email", "phone", "profile"],
            "subject_types_supported": ["public"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def respond(self, path: str, body: Any = "", status: int = 200, headers: dict | None = None) -> None:
        """Answer `path` with this instead of the real document until `reset()`."""
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        self.answers[path] = Response(data, status, headers, content_type="application/json")

    def count_hit(self, path: str) -> None:
        """Count a request on arrival (call with `_lock` held), waking `wait_for_hit`."""
        self.hits[path] += 1
        self._arrived.notify_all()

    def wait_for_hit(self, path: str, count: int = 1, timeout: float = 10.0) -> None:
        """Block until `path` has had `count` requests. A test whose client gives up on this server (a timeout
        test) calls it before it ends: on a loaded machine the abandoned request can reach the server late, and
        would then be counted in the next test's `hits`."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: self.hits[path] >= count, timeout):
                raise AssertionError(f"{path} had {self.hits[path]} requests, not {count}, within {timeout}s")

    def wsgi(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.count_hit(request.path)
        if self.delay:
            time.sleep(self.delay)
        response = self.answers.get(request.path)
        if response is None:
            documents = {self.jwks_path: self.jwks, self.metadata_path: self.discovery}
            if request.path in documents:
                response = Response(json.dumps(documents[request.path]()), content_type="application/json")
            else:
                response = Response("not found", 404)
        return response(environ, start_response)

    # --- tokens ---

    def claims(self, token_use: str, /, **overrides: Any) -> dict:
        now = int(time.time())
        common = {
            "sub": str(uuid.uuid4()),
            "iss": self.issuer,
            "origin_jti": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()),
            "token_use": token_use,
            "auth_time": now,
            "exp": now + 3600,
            "iat": now,
            "jti": str(uuid.uuid4()),
        }
        if token_use == "access":
            common.update(version=2, client_id=CLIENT_ID, scope=f"openid email {SCOPE}", username="alice")
        else:
            common.update({"aud": CLIENT_ID, "cognito:username": "alice", "email": "alice@example.com",
                           "email_verified": True})
        return apply(common, overrides)

    def token(self, claims: dict | bytes, *, header: dict | None = None, key: RSAKey | None = None) -> str:
        key = key or self.key
        return sign(header if header is not None else {"kid": key.kid, "alg": "RS256"}, claims, key)

    def access_token(self, **overrides: Any) -> str:
        return self.token(self.claims("access", **overrides))

    def machine_token(self, **overrides: Any) -> str:
        """A client-credentials access token: sub = client_id, custom scopes only, no username."""
        claims = self.claims("access", client_id=MACHINE_CLIENT_ID, sub=MACHINE_CLIENT_ID, scope=SCOPE,
                             username=None)
        return self.token(apply(claims, overrides))

    def id_token(self, *, access_token: str | None = None, **overrides: Any) -> str:
        extra = {"at_hash": at_hash(access_token)} if access_token else {}
        return self.token(self.claims("id", **extra, **overrides))
