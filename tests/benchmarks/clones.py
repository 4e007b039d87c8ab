"""Server-side access to the web app's stored sessions, for the benchmarks.

Many live sessions without many sign-ins: a benchmark signs in once through the real flow, then copies the
stored session byte for byte under new random ids (what Flask-Session itself would pick:
`secrets.token_urlsafe(32)`), in the same store and with the same expiry. Each copy is a valid session for the
web app, since the cookie is just the id. Copies are not added to the user -> sessions index, which only
sign-out reads.

The refresh benchmark also reads and rewrites single sessions (to move an access token's recorded expiry),
through the store's own classes (`webapp.cognito_auth.session_store`), so the format is the web app's.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Callable

import msgspec
import redis

from webapp.cognito_auth.session_store import EXPIRY, FileSessionData

BATCH = 5_000


def new_session_ids(count: int) -> list[str]:
    return [secrets.token_urlsafe(32) for _ in range(count)]


class RedisSessions:
    """Sessions in Redis: `session:<id>` holding msgpack bytes, with a TTL."""

    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url)

    def clone(self, sid: str, count: int) -> list[str]:
        key = "session:" + sid
        value, ttl = self.client.get(key), self.client.ttl(key)
        if value is None:
            raise RuntimeError("the signed-in session is not in Redis")
        sids = new_session_ids(count)
        for start in range(0, count, BATCH):
            pipeline = self.client.pipeline(transaction=False)
            for new in sids[start:start + BATCH]:
                pipeline.set("session:" + new, value, ex=max(ttl, 60))
            pipeline.execute()
        return sids

    def read(self, sid: str) -> dict:
        return msgspec.msgpack.decode(self.client.get("session:" + sid))

    def rewrite(self, sid: str, change: Callable[[dict], None]) -> None:
        data = self.read(sid)
        change(data)
        self.client.set("session:" + sid, msgspec.msgpack.encode(data), keepttl=True)

    def stored_bytes(self, sid: str) -> tuple[int, int]:
        """(value bytes, Redis' own MEMORY USAGE of the key: key, value and bookkeeping)."""
        key = "session:" + sid
        return self.client.strlen(key), self.client.memory_usage(key, samples=0)

    def used_memory(self) -> int:
        return self.client.info("memory")["used_memory"]


class FileSessions:
    """The embedded store: one file per session, `<session dir>/sessions/<id>`."""

    def __init__(self, session_dir: Path):
        self.files = FileSessionData(session_dir / "sessions")

    def path(self, sid: str) -> Path:
        path = self.files.root / sid
        if not path.exists():
            raise RuntimeError("the signed-in session is not in the session directory")
        return path

    def clone(self, sid: str, count: int) -> list[str]:
        data = self.path(sid).read_bytes()
        sids = new_session_ids(count)
        for new in sids:
            target = self.files.root / new
            target.write_bytes(data)
            target.chmod(0o600)
        return sids

    def read(self, sid: str) -> dict:
        return msgspec.msgpack.decode(self.files.get(sid))

    def rewrite(self, sid: str, change: Callable[[dict], None]) -> None:
        """Change the stored session, keeping its expiry (the file's first bytes)."""
        expires = EXPIRY.unpack_from(self.path(sid).read_bytes())[0]
        data = self.read(sid)
        change(data)
        self.files.set(sid, msgspec.msgpack.encode(data), ttl=max(1, int(expires - time.time())))

    def stored_bytes(self, sid: str) -> tuple[int, int]:
        """(file bytes, bytes the file system allocates for it)."""
        stat = self.path(sid).stat()
        return stat.st_size, stat.st_blocks * 512


def sessions_for(app) -> RedisSessions | FileSessions:
    if app.store == "redis":
        return RedisSessions(app.redis_url)
    return FileSessions(app.session_dir)
