"""Server-side access to the web app's stored sessions, for the benchmarks.

Many live sessions without many sign-ins: a benchmark signs in once through the real flow, then copies the
stored session byte for byte under new random ids (what Flask-Session itself would pick:
`secrets.token_urlsafe(32)`), in the same store and with the same expiry. Each copy is a valid session for the
web app, since the cookie is just the id. Copies are not added to the user -> sessions index, which only
sign-out reads.

The refresh benchmark also reads and rewrites single sessions (to move an access token's recorded expiry),
in the format Flask-Session keeps: msgpack in Redis, cachelib's pickle files in the embedded store.
"""

from __future__ import annotations

import inspect
import secrets
import struct
import time
from pathlib import Path
from typing import Callable

import msgspec
import redis
from cachelib.file import FileSystemCache
from flask_session.defaults import Defaults

KEY_PREFIX = Defaults.SESSION_KEY_PREFIX
# The web app keeps cachelib's default file naming: hash_method(key).hexdigest().
FILE_HASH = inspect.signature(FileSystemCache).parameters["hash_method"].default
BATCH = 5_000


def new_session_ids(count: int) -> list[str]:
    return [secrets.token_urlsafe(32) for _ in range(count)]


class RedisSessions:
    """Sessions in Redis: `session:<id>` holding Flask-Session's msgpack bytes, with a TTL."""

    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url)

    def clone(self, sid: str, count: int) -> list[str]:
        key = KEY_PREFIX + sid
        value, ttl = self.client.get(key), self.client.ttl(key)
        if value is None:
            raise RuntimeError("the signed-in session is not in Redis")
        sids = new_session_ids(count)
        for start in range(0, count, BATCH):
            pipeline = self.client.pipeline(transaction=False)
            for new in sids[start:start + BATCH]:
                pipeline.set(KEY_PREFIX + new, value, ex=max(ttl, 60))
            pipeline.execute()
        return sids

    def read(self, sid: str) -> dict:
        return msgspec.msgpack.decode(self.client.get(KEY_PREFIX + sid))

    def rewrite(self, sid: str, change: Callable[[dict], None]) -> None:
        data = self.read(sid)
        change(data)
        self.client.set(KEY_PREFIX + sid, msgspec.msgpack.encode(data), keepttl=True)

    def stored_bytes(self, sid: str) -> tuple[int, int]:
        """(value bytes, Redis' own MEMORY USAGE of the key: key, value and bookkeeping)."""
        key = KEY_PREFIX + sid
        return self.client.strlen(key), self.client.memory_usage(key, samples=0)

    def used_memory(self) -> int:
        return self.client.info("memory")["used_memory"]


def file_name(sid: str) -> str:
    return FILE_HASH((KEY_PREFIX + sid).encode()).hexdigest()


class FileSessions:
    """The embedded store: cachelib's FileSystemCache, one file per session named sha256(`session:<id>`)."""

    def __init__(self, session_dir: Path):
        self.session_dir = session_dir

    def path(self, sid: str) -> Path:
        found = next(self.session_dir.rglob(file_name(sid)), None)
        if found is None:
            raise RuntimeError("the signed-in session is not in the session directory")
        return found

    def clone(self, sid: str, count: int) -> list[str]:
        original = self.path(sid)
        data = original.read_bytes()
        sids = new_session_ids(count)
        for new in sids:
            target = original.with_name(file_name(new))
            target.write_bytes(data)
            target.chmod(0o600)
        return sids

    def _cache(self, sid: str) -> FileSystemCache:
        """cachelib's view of the folder holding `sid`: its get/set keep the file format the web app reads."""
        return FileSystemCache(str(self.path(sid).parent), threshold=0, default_timeout=0)

    def read(self, sid: str) -> dict:
        return self._cache(sid).get(KEY_PREFIX + sid)

    def rewrite(self, sid: str, change: Callable[[dict], None]) -> None:
        """Change the stored session, keeping its expiry (cachelib's files start with it, 4 bytes)."""
        expires = struct.unpack("I", self.path(sid).read_bytes()[:4])[0]
        cache = self._cache(sid)
        data = cache.get(KEY_PREFIX + sid)
        change(data)
        cache.set(KEY_PREFIX + sid, data, timeout=max(1, expires - int(time.time())) if expires else 0)

    def stored_bytes(self, sid: str) -> tuple[int, int]:
        """(file bytes, bytes the file system allocates for it)."""
        stat = self.path(sid).stat()
        return stat.st_size, stat.st_blocks * 512


def sessions_for(app) -> RedisSessions | FileSessions:
    if app.store == "redis":
        return RedisSessions(app.redis_url)
    return FileSessions(app.session_dir)
