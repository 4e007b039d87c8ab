"""The user pool's signing keys (JWKS), cached per URI with a rate-limited refetch (`JwksCache`)."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry, Key

from webapp.bounded_http import DocumentFetchError, bounded_session, fetch_json
from webapp.cognito_jwt.errors import JwksFetchError, KidNotFoundInJwksError

MAX_JWKS_BYTES = 512 * 1024


@dataclass
class _JwksEntry:
    """What one JWKS URI last gave us, and when we last asked."""

    keys: dict[str, Key] = field(default_factory=dict)
    last_attempt: float = -math.inf  # time.monotonic() of the last fetch attempt
    last_failed: bool = False
    fetch_lock: threading.Lock = field(default_factory=threading.Lock)


class JwksCache:
    """Per-JWKS-URI cache of signing keys.

    The JWKS is fetched on first use. A token whose `kid` is unknown triggers a refetch (Cognito may add keys at
    any time), but at most once per `min_refetch_interval` seconds per URI (a "penalty box": a burst of tokens
    with made-up kids costs Cognito one request, not one per token), and with one fetch in flight: other threads
    wait for it and then read its result. When a refetch fails, the keys already cached keep working.
    """

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        timeout: float = 5.0,
        min_refetch_interval: float = 10.0,
    ):
        self.session = session or bounded_session(MAX_JWKS_BYTES)
        self.timeout = timeout
        self.min_refetch_interval = min_refetch_interval
        self._entries: dict[str, _JwksEntry] = {}
        self._lock = threading.Lock()

    def preload(self, jwks_uri: str, jwks: dict) -> None:
        """Use `jwks` as if just fetched from `jwks_uri` (tests, or keys shipped with a deployment)."""
        entry = self._entry(jwks_uri)
        with entry.fetch_lock:
            self._store(entry, parse_jwks(jwks))

    def get_key(self, jwks_uri: str, kid: str) -> Key:
        """The key named `kid`, fetching or refetching the JWKS if needed and allowed."""
        entry = self._entry(jwks_uri)
        key = entry.keys.get(kid)
        if key is not None:
            return key
        with entry.fetch_lock:
            # Another thread may have fetched while we waited for the lock.
            key = entry.keys.get(kid)
            if key is None:
                self._fetch(jwks_uri, entry)
                key = entry.keys.get(kid)
            if key is not None:
                return key
            if entry.last_failed:
                raise JwksFetchError("the JWKS could not be fetched and no cached key has this kid")
            raise KidNotFoundInJwksError("no key in the JWKS has the token's kid")

    def has_keys(self, jwks_uri: str) -> bool:
        """Whether keys are held for `jwks_uri`, fetching them first if none are and a fetch is allowed now (for a
        readiness check: cheap once loaded, and rate limited like any fetch while not)."""
        entry = self._entry(jwks_uri)
        if not entry.keys:
            with entry.fetch_lock:
                if not entry.keys:
                    self._fetch(jwks_uri, entry)
        return bool(entry.keys)

    def cached_key(self, jwks_uri: str, kid: str) -> Key | None:
        """The key named `kid` in the key set held now, without fetching: a token verified with a key that has
        since left the set must be verified again (`VerifiedTokenCache`)."""
        return self._entry(jwks_uri).keys.get(kid)

    def _entry(self, jwks_uri: str) -> _JwksEntry:
        entry = self._entries.get(jwks_uri)  # entries are never removed: one found needs no lock
        if entry is not None:
            return entry
        with self._lock:
            return self._entries.setdefault(jwks_uri, _JwksEntry())

    def _fetch(self, jwks_uri: str, entry: _JwksEntry) -> None:
        """Fetch the set again, unless the last attempt was less than `min_refetch_interval` ago."""
        if time.monotonic() - entry.last_attempt < self.min_refetch_interval:
            return
        entry.last_attempt = time.monotonic()
        try:
            keys = parse_jwks(fetch_json(self.session, jwks_uri, timeout=self.timeout))
        except (DocumentFetchError, JwksFetchError):
            entry.last_failed = True
            return
        self._store(entry, keys)

    @staticmethod
    def _store(entry: _JwksEntry, keys: dict[str, Key]) -> None:
        entry.keys = keys
        entry.last_failed = False
        entry.last_attempt = time.monotonic()


def parse_jwks(jwks: Any) -> dict[str, Key]:
    """The keys of a JWK Set by `kid`. Entries joserfc cannot import, or without a kid, are skipped (RFC 7517 §5:
    a set may hold keys the reader does not understand); whether a key may verify a token is decided per token."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise JwksFetchError("the JWKS is not a JWK Set (an object with a 'keys' list)")
    keys: dict[str, Key] = {}
    for data in jwks["keys"]:
        if not isinstance(data, dict) or not isinstance(data.get("kid"), str):
            continue
        try:
            keys[data["kid"]] = JWKRegistry.import_key(data)
        except (JoseError, ValueError, TypeError):
            continue
    return keys
