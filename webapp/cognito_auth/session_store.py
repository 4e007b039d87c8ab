"""Where sessions live: Flask-Session's server-side session interface over Redis or files, plus what it has no
notion of: a user -> session ids index ("sign out everywhere"), per-session locks (single-flight refresh), a sweep
of expired files, and direct reads and writes for what cannot wait for the end of a request (a refresh published
to concurrent requests; other browsers' sessions deleted).

At rest, nothing in the store is of use to whoever reads it (a Redis dump, a backup of the session folder):
sessions are kept under a hash of their id (a key is no cookie), and sealed with AES-GCM (`SessionCipher`) under
keys that never go into the store.

The file store is for one process (any number of threads): its refresh lock is a thread lock. Several processes
need SESSION_REDIS_URL, which also makes the refresh lock a Redis lock, and lets each process serve unchanged
sessions from memory (`session_cache`); reads that decide a refresh or precede a write still ask Redis. A store
that cannot be reached is a `SessionStoreUnavailable` (a 503 page) wherever it is met: opening the session, in a
view, or saving.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import struct
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, Request
from flask_session.base import ServerSideSession, ServerSideSessionInterface

from webapp.bounded_http import CircuitBreaker, CircuitOpen
from webapp.cognito_auth import metrics
from webapp.cognito_auth.errors import SessionStoreUnavailable
from webapp.cognito_auth.settings import CognitoAuthSettings
from webapp.cognito_auth.state import request_state

if TYPE_CHECKING:  # imported where a Redis store is made: redis-py 8 loads asyncio, cluster, sentinel (~8 MB)
    import redis

    from webapp.cognito_auth.session_cache import SessionCache

log = logging.getLogger(__name__)

# Pending sign-in flows live in the (anonymous) session too: the store must keep them at least this long.
FLOW_LIFETIME = 5 * 60
# How long Cognito's Hosted UI remembers a sign-in: a "signed out everywhere" mark outlives every such session.
HOSTED_UI_SESSION = 60 * 60
# The embedded store sweeps expired sessions at most this often per process.
CLEANUP_INTERVAL = 5 * 60
# What names a stored session: the hex SHA-256 of its id (`store_key`); anything else never names a file or a key.
STORE_KEY = re.compile(r"^[0-9a-f]{64}$")
DEFAULT_SESSION_DIR = Path(".state") / "webapp-sessions"
EXPIRY = struct.Struct(">d")


class LockTimeout(Exception):
    """Another request of this session held its lock for too long (a token refresh stuck on a slow IdP)."""


def store_key(sid: str) -> str:
    """Where the session with this id is kept: whoever reads the store learns no session id to replay."""
    return sha256(sid.encode("utf-8", "surrogatepass")).hexdigest()


class SessionCipher:
    """AES-256-GCM, each session sealed with its store key as associated data (a value moved to another key fails
    to open). Keys are derived (HKDF) from secrets of at least 32 characters: the first seals, any opens, so a new
    secret can be put first while sessions sealed with the old one live out their time."""

    def __init__(self, secrets: tuple[str, ...]):
        self.keys = [AESGCM(HKDF(SHA256(), 32, salt=None, info=b"cognito_auth session store").derive(secret.encode()))
                     for secret in secrets]

    def seal(self, key: str, value: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self.keys[0].encrypt(nonce, value, key.encode())

    def open(self, key: str, sealed: bytes) -> bytes | None:
        """The value, or None for anything none of the keys sealed for this store key."""
        for aead in self.keys:
            try:
                return aead.decrypt(sealed[:12], sealed[12:], key.encode())
            except (InvalidTag, ValueError):
                continue
        return None


class RedisSessionData:
    """Sessions as Redis strings `session:<store key>` that expire by themselves; with a `SessionCache`, a read
    that may be served from memory (`cached`) costs no round trip while the session is unchanged."""

    def __init__(self, client: redis.Redis, cache: SessionCache | None = None):
        self.client = client
        self.cache = cache

    def get(self, key: str, cached: bool = False) -> bytes | None:
        if cached and self.cache is not None:
            return self.cache.read("session:" + key, self.client.get)
        return self.client.get("session:" + key)

    def set(self, key: str, value: bytes, ttl: int) -> None:
        self.client.set("session:" + key, value, ex=ttl)
        if self.cache is not None:
            self.cache.forget("session:" + key)

    def delete(self, key: str) -> None:
        self.client.delete("session:" + key)
        if self.cache is not None:
            self.cache.forget("session:" + key)

    def remove_expired(self) -> None:
        """Redis expires keys itself."""


class FileSessionData:
    """Sessions as files `<root>/<store key>`: an 8-byte expiry time, then the session's bytes; written to a temporary
    file and renamed, so a reader sees the old session or the new one, never half of one. Hand-written: cachelib's
    file cache, which Flask-Session offers, has no public way to sweep expired entries (and pickles values)."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def get(self, key: str, cached: bool = False) -> bytes | None:
        """`cached` changes nothing: reading the file costs little more than a `stat` to check that it is unchanged
        would (tens of microseconds each), and a `stat` cannot tell apart two writes within one timestamp tick."""
        if not STORE_KEY.match(key):
            return None
        try:
            data = (self.root / key).read_bytes()
        except FileNotFoundError:
            return None
        if len(data) < EXPIRY.size or EXPIRY.unpack_from(data)[0] < time.time():
            return None
        return data[EXPIRY.size:]

    def set(self, key: str, value: bytes, ttl: int) -> None:
        if not STORE_KEY.match(key):
            raise ValueError("not a store key")
        fd, temporary = tempfile.mkstemp(dir=self.root, prefix=".tmp-")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(EXPIRY.pack(time.time() + ttl) + value)
            os.replace(temporary, self.root / key)
        except BaseException:
            os.unlink(temporary)
            raise

    def delete(self, key: str) -> None:
        if STORE_KEY.match(key):
            (self.root / key).unlink(missing_ok=True)

    def remove_expired(self) -> None:
        now = time.time()
        for path in self.root.iterdir():
            if not STORE_KEY.match(path.name):  # a write in flight
                continue
            try:
                with path.open("rb") as file:
                    head = file.read(EXPIRY.size)
                if len(head) < EXPIRY.size or EXPIRY.unpack(head)[0] < now:
                    path.unlink(missing_ok=True)
            except FileNotFoundError:  # removed meanwhile (signed out)
                continue


class FileUserIndex:
    """User -> sessions as empty files ``<root>/<sha256(sub)>/<store key>``: creating and removing a file are
    atomic, so concurrent sign-ins and sign-outs never lose an entry as a read-modify-write of one file would.
    Beside them, ``signed-out``: when the user last signed out everywhere."""

    def __init__(self, root: Path, lifetime: int):
        self.root = root
        self.lifetime = lifetime
        root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _folder(self, sub: str) -> Path:
        return self.root / sha256(sub.encode()).hexdigest()

    def add(self, sub: str, key: str) -> None:
        if not STORE_KEY.match(key):
            raise ValueError("not a store key")
        folder = self._folder(sub)
        # The sweep (and a "sign out everywhere" of the same user) may remove the folder between our mkdir and
        # touch; each such loss means the remover moved on, so a few more tries get through.
        for _ in range(10):
            try:
                folder.mkdir(exist_ok=True, mode=0o700)  # FileExistsError: it was there, then swept before is_dir()
                (folder / key).touch(mode=0o600)
                return
            except (FileNotFoundError, FileExistsError):
                continue
        raise FileNotFoundError(folder)

    def remove(self, sub: str, key: str) -> None:
        (self._folder(sub) / key).unlink(missing_ok=True)

    def keys(self, sub: str) -> list[str]:
        try:
            return [p.name for p in self._folder(sub).iterdir() if STORE_KEY.match(p.name)]
        except FileNotFoundError:  # no sessions, or the sweep just removed the user's empty folder
            return []

    def forget(self, sub: str) -> None:
        """Forget the user's sessions (and the mark below: set it after)."""
        shutil.rmtree(self._folder(sub), ignore_errors=True)

    def mark_signed_out(self, sub: str, at: float) -> None:
        folder = self._folder(sub)
        folder.mkdir(exist_ok=True, mode=0o700)
        (folder / "signed-out").write_text(repr(at))

    def signed_out_at(self, sub: str) -> float | None:
        path = self._folder(sub) / "signed-out"
        try:
            if path.stat().st_mtime > time.time() - max(self.lifetime, HOSTED_UI_SESSION):
                return float(path.read_text())
        except (FileNotFoundError, ValueError):
            pass
        return None

    def remove_stale(self) -> None:
        """Entries older than the absolute lifetime point at sessions that have ended one way or another; a user
        left with none loses the folder too, so the index does not grow with every user who ever signed in.
        Sign-ins and sign-outs go on meanwhile: an entry or folder that vanishes under the sweep is skipped."""
        now = time.time()
        for folder in self.root.iterdir():
            if not folder.is_dir():
                continue
            try:
                entries = list(folder.iterdir())
            except FileNotFoundError:  # forgotten (signed out everywhere) meanwhile
                continue
            for entry in entries:
                try:
                    kept = max(self.lifetime, HOSTED_UI_SESSION) if entry.name == "signed-out" else self.lifetime
                    if entry.stat().st_mtime < now - kept:
                        entry.unlink(missing_ok=True)
                except FileNotFoundError:
                    continue
            try:
                folder.rmdir()  # only succeeds when empty
            except OSError:
                continue


class RedisUserIndex:
    """User -> sessions as a Redis set per user, `user-sessions:<sha256(sub)>`, expiring with the longest session
    it can point at."""

    def __init__(self, client: redis.Redis, lifetime: int):
        self.client = client
        self.lifetime = lifetime

    @staticmethod
    def _key(sub: str, kind: str = "user-sessions") -> str:
        return f"{kind}:{sha256(sub.encode()).hexdigest()}"

    def add(self, sub: str, key: str) -> None:
        self.client.pipeline().sadd(self._key(sub), key).expire(self._key(sub), self.lifetime).execute()

    def remove(self, sub: str, key: str) -> None:
        self.client.srem(self._key(sub), key)

    def keys(self, sub: str) -> list[str]:
        return [key.decode() for key in self.client.smembers(self._key(sub))]

    def forget(self, sub: str) -> None:
        self.client.delete(self._key(sub))

    def mark_signed_out(self, sub: str, at: float) -> None:
        self.client.set(self._key(sub, "signed-out"), repr(at), ex=max(self.lifetime, HOSTED_UI_SESSION))

    def signed_out_at(self, sub: str) -> float | None:
        value = self.client.get(self._key(sub, "signed-out"))
        return float(value) if value else None

    def remove_stale(self) -> None:
        """Redis expires the sets and marks itself."""


def refresh_lock_lifetime(http_timeout: float) -> float:
    """How long a session's Redis lock lasts. It expires by itself only so that a dead holder cannot block the
    session for good; expiring under a live holder would let a second process refresh with the same refresh token.
    So it outlasts the six calls a refresh can make under it (the session read, discovery, the token endpoint, the
    JWKS twice, the write), each at most a connect, a read and a body deadline of `http_timeout`, plus margin."""
    return 6 * 4 * http_timeout + 1


class SessionLocks:
    """One lock per session: threads of this process queue on a `threading.Lock` (one of STRIPES, chosen by the
    key: sessions rarely share one, and sharing costs only a wait), then, with Redis, processes on a redis-py
    `Lock`. Waiting is bounded by `wait`: a page does not hang on a stuck refresh. Redis calls go through
    `store_calls` (the store's failure handling)."""

    STRIPES = 1024

    def __init__(self, client: redis.Redis | None, lifetime: float, store_calls: Callable):
        self.client = client
        self.lifetime = lifetime
        self.store_calls = store_calls
        self._stripes = [threading.Lock() for _ in range(self.STRIPES)]

    @contextmanager
    def hold(self, key: str, wait: float) -> Iterator[None]:
        """The lock of the session stored under `key`."""
        local = self._stripes[hash(key) % self.STRIPES]
        if not local.acquire(timeout=wait):
            raise LockTimeout()
        try:
            if self.client is None:
                yield
                return
            from redis.exceptions import LockError  # loaded already, with the Redis store

            lock = self.client.lock(f"session-lock:{key}", timeout=self.lifetime, sleep=0.02, blocking_timeout=wait)
            with self.store_calls():
                acquired = lock.acquire()
            if not acquired:
                raise LockTimeout()
            try:
                yield
            finally:
                try:
                    with self.store_calls():
                        lock.release()
                except (LockError, SessionStoreUnavailable):
                    log.warning("a session lock expired or could not be released; it expires by itself")
        finally:
            local.release()


class SessionStore(ServerSideSessionInterface):
    """Flask-Session's cookie and session-id handling (a random id in an HttpOnly cookie, `regenerate` at
    sign-in) over `data` (Redis or files), with `index` and `locks` beside it; `load`, `write` and `delete` take
    session ids, the rest store keys.

    Sessions are msgpack, read without Flask-Session's pickle fallback: a store's bytes are never unpickled.
    """

    session_class = ServerSideSession

    def __init__(self, app: Flask, settings: CognitoAuthSettings, clock: Callable[[], float]):
        super().__init__(app, key_prefix="", permanent=False)
        # The cookie's name stays the app's (two apps on one host must not share one: cookies ignore the port);
        # its attributes are what keeps the session safe, so they are not the app's to choose.
        name = app.config["SESSION_COOKIE_NAME"].removeprefix("__Host-")
        app.config.update(
            SESSION_REFRESH_EACH_REQUEST=False,  # write only what changed: fewer lost updates, fewer writes
            SESSION_COOKIE_NAME=f"__Host-{name}" if settings.secure_cookies else name,
            SESSION_COOKIE_SECURE=settings.secure_cookies,
            SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax",
            SESSION_COOKIE_PATH="/",
            SESSION_COOKIE_DOMAIN=None,
        )
        # The store's TTL: idle sessions vanish by themselves; pending sign-in flows outlive a short timeout.
        self.ttl_seconds = max(settings.session_idle_timeout, FLOW_LIFETIME)
        self.touch_interval = min(60.0, settings.session_idle_timeout / 10)
        self._next_cleanup = 0.0
        self._cleanup_guard = threading.Lock()
        client = None
        self.unreachable: tuple[type[Exception], ...] = (OSError,)  # what `calls` turns into a 503
        if settings.session_redis_url:
            import redis  # here, not above: a worker with the embedded store never loads redis-py

            from webapp.cognito_auth.session_cache import SessionCache

            # ResponseError: Redis up but refusing (READONLY after a failover, OOM, MISCONF), an outage all the same.
            self.unreachable += (redis.ConnectionError, redis.TimeoutError, redis.ResponseError)
            client = redis.Redis.from_url(settings.session_redis_url, socket_timeout=settings.http_timeout,
                                          socket_connect_timeout=settings.http_timeout)
            cache = SessionCache(settings.session_redis_url, settings.http_timeout, "session:")
            self.data: RedisSessionData | FileSessionData = RedisSessionData(client, cache)
            self.index: FileUserIndex | RedisUserIndex = RedisUserIndex(client, settings.session_absolute_lifetime)
        else:
            root = Path(settings.session_dir) if settings.session_dir else DEFAULT_SESSION_DIR
            self.data = FileSessionData(root / "sessions")
            self.index = FileUserIndex(root / "users", settings.session_absolute_lifetime)
        self.redis = client
        self.cipher = SessionCipher(settings.session_encryption_keys or (settings.secret_key,))
        self.breaker = CircuitBreaker("the session store", clock=clock, on_open=metrics.circuit_opened)
        self.locks = SessionLocks(client, refresh_lock_lifetime(settings.http_timeout), self.calls)

    # --- Flask-Session's hooks ---

    def open_session(self, app: Flask, request: Request):
        try:
            return super().open_session(app, request)
        except SessionStoreUnavailable:
            request_state().store_down = True  # the extension's first before_request hook answers 503
            return self.make_null_session(app)

    def _retrieve_session_data(self, store_id: str) -> dict | None:
        return self.load(store_id, cached=True)

    def _upsert_session(self, session_lifetime: timedelta, session: ServerSideSession, store_id: str) -> None:
        self.write(session)

    def _delete_session(self, store_id: str) -> None:
        self.delete(store_id)

    @contextmanager
    def calls(self) -> Iterator[None]:
        """A store that cannot be reached (Redis down or hung, a failing disk) is a 503 page, not a 500; after a few
        failures in a row, at once (`CircuitBreaker`), instead of after a timeout each."""
        try:
            self.breaker.before()
        except CircuitOpen:
            raise SessionStoreUnavailable(error="circuit_open") from None
        try:
            yield
        except self.unreachable as error:
            self.breaker.failed()
            metrics.STORE_ERRORS.labels(type(error).__name__).inc()
            raise SessionStoreUnavailable(error=type(error).__name__) from None
        self.breaker.succeeded()

    # --- direct access ---

    def load(self, sid: str, cached: bool = False) -> dict | None:
        """The stored session. `cached`: possibly from this process's memory (`SessionCache`), which is as new as
        Redis but for changes still on their way here; checks made under the session's lock or right before a
        write read Redis itself."""
        key = store_key(sid)
        with self.calls():
            sealed = self.data.get(key, cached)
        value = self.cipher.open(key, sealed) if sealed else None
        try:
            return msgspec.msgpack.decode(value) if value else None
        except msgspec.DecodeError:
            return None

    def write(self, session: ServerSideSession) -> None:
        """Store the session, unless this request already stored exactly these bytes (`sessions.persist` writes
        early; Flask-Session's save at the end then finds nothing new)."""
        key, value = store_key(session.sid), msgspec.msgpack.encode(dict(session))
        if (key, value) == request_state().written:
            return
        with self.calls():
            self.data.set(key, self.cipher.seal(key, value), self.ttl_seconds)
        request_state().written = (key, value)

    def delete(self, sid: str) -> None:
        with self.calls():
            self.data.delete(store_key(sid))

    def remember(self, sub: str, sid: str) -> None:
        """Note the session as one of the user's (for "sign out everywhere")."""
        with self.calls():
            self.index.add(sub, store_key(sid))

    def forget(self, sub: str, sid: str) -> None:
        with self.calls():
            self.index.remove(sub, store_key(sid))

    def mark_signed_out_everywhere(self, sub: str, at: float) -> None:
        with self.calls():
            self.index.mark_signed_out(sub, at)

    def signed_out_everywhere_at(self, sub: str) -> float | None:
        with self.calls():
            return self.index.signed_out_at(sub)

    def delete_user_sessions(self, sub: str) -> int:
        """Delete every session of one user (sign out everywhere); returns how many were indexed."""
        with self.calls():
            keys = self.index.keys(sub)
            for key in keys:
                self.data.delete(key)
            self.index.forget(sub)
        return len(keys)

    def readiness_problems(self) -> list[str]:
        try:
            with self.calls():
                self.redis.ping() if self.redis is not None else self.data.root.stat()
        except SessionStoreUnavailable:
            return ["the session store is unreachable"]
        return []

    def close(self) -> None:
        """Close the connections to Redis (a worker's exit closes them too)."""
        if self.redis is not None:
            self.data.cache.close()
            self.redis.close()

    def maybe_cleanup(self) -> None:
        """Sweep expired files and stale index entries in the background, at most every CLEANUP_INTERVAL seconds in
        this process (Redis expires both by itself)."""
        if self.redis is not None:
            return
        now = time.monotonic()
        with self._cleanup_guard:
            if now < self._next_cleanup:
                return
            self._next_cleanup = now + CLEANUP_INTERVAL
        threading.Thread(target=self._cleanup_quietly, name="session-cleanup", daemon=True).start()

    def _cleanup_quietly(self) -> None:
        try:
            self.data.remove_expired()
            self.index.remove_stale()
        except OSError as error:
            log.warning("session cleanup failed: %s", type(error).__name__)
