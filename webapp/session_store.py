"""Where sessions live: Flask-Session on disk (the default) or in Redis, plus what Flask-Session has no notion
of: a user -> session ids index (for "sign out everywhere"), per-session locks (for single-flight refresh), and
a sweep of expired files (the embedded store has no TTL of its own).

The embedded store is for one process (any number of threads): its refresh lock is a thread lock. Several
processes or machines (gunicorn workers, instances behind a load balancer) need SESSION_REDIS_URL, which also
makes the refresh lock a Redis lock shared by all of them.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from hashlib import sha256
from pathlib import Path
from typing import Iterator

import redis
from cachelib.file import FileSystemCache
from flask import Flask
from flask_session import Session

from webapp.config import WebSettings

log = logging.getLogger(__name__)

# Pending sign-in flows live in the (anonymous) session too: the store must keep them at least this long.
FLOW_LIFETIME = 5 * 60
# The embedded store sweeps expired sessions at most this often per process.
CLEANUP_INTERVAL = 5 * 60
# Session ids are Flask-Session's `secrets.token_urlsafe(32)`; anything else never names a file.
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
DEFAULT_SESSION_DIR = Path(".state") / "webapp-sessions"


class LockTimeout(Exception):
    """Another request of this session held its lock for too long (a token refresh stuck on a slow IdP)."""


class FileSessionCache(FileSystemCache):
    """cachelib's file cache as a session store.

    cachelib's default threshold (500 entries) makes it delete the *oldest* entries, live sessions included, once
    more people than that are signed in; threshold 0 turns that off. It then never removes expired entries either
    (it only sweeps when over the threshold), so `remove_expired` exposes the sweep for our periodic cleanup.
    """

    def __init__(self, cache_dir: str):
        super().__init__(cache_dir, threshold=0, default_timeout=0, mode=0o600)

    def remove_expired(self) -> None:
        self._remove_expired(time.time())


class FileUserIndex:
    """User -> session ids on disk, as empty files ``<root>/<sha256(sub)>/<session id>``.

    Creating and removing a file are atomic, so concurrent sign-ins and sign-outs (threads or processes sharing
    the directory) never lose an entry the way a read-modify-write of one index file would.
    """

    def __init__(self, root: Path, lifetime: int):
        self.root = root
        self.lifetime = lifetime
        root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _folder(self, sub: str) -> Path:
        return self.root / sha256(sub.encode()).hexdigest()

    def add(self, sub: str, sid: str) -> None:
        if not SESSION_ID.match(sid):
            raise ValueError("not a session id")
        folder = self._folder(sub)
        # The sweep (and a "sign out everywhere" of the same user) may remove the folder between our mkdir and
        # touch; each such loss means the remover moved on, so a few more tries get through.
        for _ in range(10):
            try:
                folder.mkdir(exist_ok=True, mode=0o700)  # FileExistsError: it was there, then swept before is_dir()
                (folder / sid).touch(mode=0o600)
                return
            except (FileNotFoundError, FileExistsError):
                continue
        raise FileNotFoundError(folder)

    def remove(self, sub: str, sid: str) -> None:
        (self._folder(sub) / sid).unlink(missing_ok=True)

    def sids(self, sub: str) -> list[str]:
        try:
            return [p.name for p in self._folder(sub).iterdir() if SESSION_ID.match(p.name)]
        except FileNotFoundError:  # no sessions, or the sweep just removed the user's empty folder
            return []

    def forget(self, sub: str) -> None:
        shutil.rmtree(self._folder(sub), ignore_errors=True)

    def remove_stale(self) -> None:
        """Entries older than the absolute lifetime point at sessions that have ended one way or another; a user
        left with none loses the folder too, so the index does not grow with every user who ever signed in.
        Sign-ins and sign-outs go on meanwhile: an entry or folder that vanishes under the sweep is skipped."""
        cutoff = time.time() - self.lifetime
        for folder in self.root.iterdir():
            if not folder.is_dir():
                continue
            try:
                entries = list(folder.iterdir())
            except FileNotFoundError:  # forgotten (signed out everywhere) meanwhile
                continue
            for entry in entries:
                try:
                    if entry.stat().st_mtime < cutoff:
                        entry.unlink(missing_ok=True)
                except FileNotFoundError:
                    continue
            try:
                folder.rmdir()  # only succeeds when empty
            except OSError:
                continue


class RedisUserIndex:
    """User -> session ids as a Redis set per user, expiring with the longest session it can point at."""

    def __init__(self, client: redis.Redis, lifetime: int):
        self.client = client
        self.lifetime = lifetime

    @staticmethod
    def _key(sub: str) -> str:
        return f"user-sessions:{sub}"

    def add(self, sub: str, sid: str) -> None:
        self.client.pipeline().sadd(self._key(sub), sid).expire(self._key(sub), self.lifetime).execute()

    def remove(self, sub: str, sid: str) -> None:
        self.client.srem(self._key(sub), sid)

    def sids(self, sub: str) -> list[str]:
        return [sid.decode() for sid in self.client.smembers(self._key(sub))]

    def forget(self, sub: str) -> None:
        self.client.delete(self._key(sub))

    def remove_stale(self) -> None:
        """Redis expires the sets itself."""


def refresh_lock_lifetime(http_timeout: float) -> float:
    """How long a session's Redis lock lasts: longer than anything a token refresh does while holding it.

    The lock expires by itself only so that a dead holder does not block the session for good. Expiring under a
    live holder would let a second process refresh the same session with the same refresh token, so it must
    outlast the worst case of the sequential calls made under it (`webapp.tokens`, `HostedUi.refresh`): the
    session's Redis read, discovery (first use), the token endpoint, the JWKS for the access token and again for
    the ID token (a cold cache or an unknown kid), and the Redis write that publishes the new tokens. Each call
    takes at most three timeouts from a server that answers at all — requests and redis-py apply `http_timeout`
    to the connect and to the read that brings the response's first bytes, and `read_before` gives an IdP's body
    one more — and a fourth is margin. (A server that trickles its status line and headers can take longer; the
    lock then expires under its holder, and a second refresh with the same refresh token may happen.)
    """
    calls = 6
    return calls * 4 * http_timeout + 1


class SessionLocks:
    """One lock per session id: threads of this process queue on a `threading.Lock`; with Redis, processes then
    queue on a redis-py `Lock` (which expires by itself after `lifetime` seconds if its holder dies).

    Waiting is bounded by `wait`, shorter than a lock's lifetime: a page does not hang on a stuck refresh, it
    uses the current token or says "try again" (`webapp.tokens`)."""

    def __init__(self, client: redis.Redis | None, wait: float, lifetime: float):
        self.client = client
        self.wait = wait
        self.lifetime = lifetime
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def _thread_lock(self, sid: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(sid) or (threading.Lock(), 0)
            self._locks[sid] = (lock, users + 1)
        try:
            if not lock.acquire(timeout=self.wait):
                raise LockTimeout()
            try:
                yield
            finally:
                lock.release()
        finally:
            with self._guard:
                lock, users = self._locks[sid]
                if users == 1:
                    del self._locks[sid]
                else:
                    self._locks[sid] = (lock, users - 1)

    @contextmanager
    def hold(self, sid: str) -> Iterator[None]:
        with self._thread_lock(sid):
            if self.client is None:
                yield
                return
            lock = self.client.lock(f"session-lock:{sid}", timeout=self.lifetime, sleep=0.02, blocking_timeout=self.wait)
            if not lock.acquire():
                raise LockTimeout()
            try:
                yield
            finally:
                try:
                    lock.release()
                except redis.exceptions.LockError:
                    log.warning("a session lock expired before its holder released it")


class SessionStore:
    """The web app's handle on Flask-Session's store (``app.extensions["webapp.sessions"]``).

    Requests normally read and write their own session through Flask-Session. Two things cannot wait for the end
    of a request: a token refresh must publish the new tokens to concurrent requests at once, and "sign out
    everywhere" deletes sessions of other browsers. Both use the three hooks every Flask-Session backend
    implements (`_retrieve_session_data`, `_upsert_session`, `_delete_session`), so the stored format stays
    Flask-Session's own whichever backend is configured.
    """

    def __init__(self, app: Flask, settings: WebSettings):
        self.app = app
        self.settings = settings
        self.touch_interval = min(60.0, settings.session_idle_timeout / 10)
        self._next_cleanup = 0.0
        self._cleanup_guard = threading.Lock()
        redis_client = None
        if settings.session_redis_url:
            redis_client = redis.Redis.from_url(
                settings.session_redis_url,
                socket_timeout=settings.http_timeout,
                socket_connect_timeout=settings.http_timeout,
            )
            self.cache = None
            self.index: FileUserIndex | RedisUserIndex = RedisUserIndex(
                redis_client, settings.session_absolute_lifetime
            )
            app.config.update(SESSION_TYPE="redis", SESSION_REDIS=redis_client)
        else:
            root = Path(settings.session_dir) if settings.session_dir else DEFAULT_SESSION_DIR
            root.mkdir(parents=True, exist_ok=True, mode=0o700)
            # cachelib assumes it is the only user of its directory: the index lives beside it, not in it.
            self.cache = FileSessionCache(str(root / "sessions"))
            self.index = FileUserIndex(root / "users", settings.session_absolute_lifetime)
            app.config.update(SESSION_TYPE="cachelib", SESSION_CACHELIB=self.cache)
        # A refresh normally makes one token call under the lock; waiting longer than two means something is stuck.
        self.locks = SessionLocks(
            redis_client, wait=2 * settings.http_timeout + 1, lifetime=refresh_lock_lifetime(settings.http_timeout)
        )
        app.config.update(
            SESSION_PERMANENT=False,  # the cookie dies with the browser; the server enforces the lifetimes
            SESSION_REFRESH_EACH_REQUEST=False,  # write only what changed: fewer lost updates, fewer writes
            # The store's TTL: idle sessions vanish by themselves; pending sign-in flows outlive a short timeout.
            PERMANENT_SESSION_LIFETIME=timedelta(seconds=max(settings.session_idle_timeout, FLOW_LIFETIME)),
            SESSION_COOKIE_NAME="__Host-session" if settings.secure_cookies else "session",
            SESSION_COOKIE_SECURE=settings.secure_cookies,
            SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax",
            SESSION_COOKIE_PATH="/",
            SESSION_COOKIE_DOMAIN=None,
        )
        Session(app)

    # Direct store access, for the cases described in the class docstring.
    def _store_id(self, sid: str) -> str:
        return self.app.session_interface._get_store_id(sid)

    def load(self, sid: str) -> dict | None:
        return self.app.session_interface._retrieve_session_data(self._store_id(sid))

    def write(self, session_) -> None:
        interface = self.app.session_interface
        interface._upsert_session(self.app.permanent_session_lifetime, session_, self._store_id(session_.sid))

    def delete(self, sid: str) -> None:
        self.app.session_interface._delete_session(self._store_id(sid))

    def delete_user_sessions(self, sub: str) -> int:
        """Delete every session of one user (sign out everywhere); returns how many were indexed."""
        sids = self.index.sids(sub)
        for sid in sids:
            self.delete(sid)
        self.index.forget(sub)
        return len(sids)

    def cleanup_expired(self) -> None:
        """Sweep expired sessions and stale index entries (the embedded store has no TTL of its own)."""
        if self.cache is not None:
            self.cache.remove_expired()
        self.index.remove_stale()

    def maybe_cleanup(self) -> None:
        """Run `cleanup_expired` in the background at most every CLEANUP_INTERVAL seconds in this process."""
        if self.cache is None:
            return
        now = time.monotonic()
        with self._cleanup_guard:
            if now < self._next_cleanup:
                return
            self._next_cleanup = now + CLEANUP_INTERVAL
        threading.Thread(target=self._cleanup_quietly, name="session-cleanup", daemon=True).start()

    def _cleanup_quietly(self) -> None:
        try:
            self.cleanup_expired()
        except OSError as error:
            log.warning("session cleanup failed: %s", type(error).__name__)
