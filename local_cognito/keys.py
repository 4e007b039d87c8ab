"""The pool's RSA keys: one signs ID tokens, another access tokens, a third encrypts refresh tokens.

Like Cognito, the JWKS publishes two RS256 signing keys with 44-character base64 `kid`s. Rotation adds a
new key per purpose and keeps the previous one published, so tokens signed before the rotation still verify
while verifiers learn the new `kid` (they must refetch the JWKS on an unknown `kid`). The running server reads
the newest key from the store on every signature, so `rotate-keys` takes effect without a restart.
"""

from __future__ import annotations

import base64
import threading
from typing import Any

from joserfc.jwk import RSAKey
from joserfc.util import urlsafe_b64decode

from local_cognito.store import Store

ID = "id"
ACCESS = "access"
REFRESH = "refresh"  # encrypts refresh tokens (JWE, like Cognito's); never published
SIGNING_PURPOSES = (ID, ACCESS)
KEY_SIZE = 2048


def cognito_kid(key: RSAKey) -> str:
    """A 44-character standard-base64 id, the shape of Cognito's: the key's RFC 7638 thumbprint."""
    return base64.b64encode(urlsafe_b64decode(key.thumbprint().encode())).decode()


class KeyRing:
    """Keys from the store, parsed once per `kid` and cached for this process."""

    def __init__(self, store: Store):
        self.store = store
        self._parsed: dict[str, RSAKey] = {}
        self._lock = threading.Lock()

    def ensure_keys(self) -> None:
        """On first start, create one key per purpose."""
        present = {purpose for _, purpose, _ in self.store.keys()}
        for purpose in (*SIGNING_PURPOSES, REFRESH):
            if purpose not in present:
                self.add_key(purpose)

    def add_key(self, purpose: str) -> str:
        key = RSAKey.generate_key(KEY_SIZE, private=True)
        kid = cognito_kid(key)
        self.store.add_key(kid, purpose, key.as_dict(private=True))
        return kid

    def rotate(self) -> list[str]:
        """Add a new ID-token and access-token signing key; the previous ones stay published."""
        return [self.add_key(purpose) for purpose in SIGNING_PURPOSES]

    def current(self, purpose: str) -> tuple[str, RSAKey]:
        kid, _, jwk = self.store.keys(purpose)[0]
        return kid, self._parse(kid, jwk)

    def by_kid(self, kid: str, purpose: str) -> RSAKey | None:
        for candidate, _, jwk in self.store.keys(purpose):
            if candidate == kid:
                return self._parse(kid, jwk)
        return None

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The public JWKS, in Cognito's member order: alg, e, kid, kty, n, use."""
        keys = []
        for kid, purpose, jwk in self.store.keys():
            if purpose in SIGNING_PURPOSES:
                keys.append({"alg": "RS256", "e": jwk["e"], "kid": kid, "kty": "RSA", "n": jwk["n"], "use": "sig"})
        return {"keys": keys}

    def _parse(self, kid: str, jwk: dict[str, Any]) -> RSAKey:
        with self._lock:
            if kid not in self._parsed:
                self._parsed[kid] = RSAKey.import_key(jwk)
            return self._parsed[kid]
