"""Server-side access to the web app's stored sessions, for the benchmarks.

Many live sessions without many sign-ins: a benchmark signs in once through the real flow, then copies the
stored session under new random ids (what Flask-Session itself would pick: `secrets.token_urlsafe(32)`), in the
same store and with the same expiry. Each copy is a valid session for the web app, since the cookie is just the id.
Copies are not added to the user -> sessions index, which only sign-out reads.

The refresh benchmark also reads and rewrites single sessions (to move an access token's recorded expiry). All of
it goes through the store's own classes (`webapp.cognito_auth.session_store`) and the app's secret, so keys,
sealing and format are the web app's.
"""

from __future__ import annotations

import secrets
import time
from typing import Callable

import msgspec
import redis

from webapp.cognito_auth.session_store import EXPIRY, FileSessionData, RedisSessionData, SessionCipher, store_key

BATCH = 5_000


def new_session_ids(count: int) -> list[str]:
    return [secrets.token_urlsafe(32) for _ in range(count)]


class StoredSessions:
    def __init__(self, app):
        self.cipher = SessionCipher((app.secret_key,))
        self.client = redis.Redis.from_url(app.redis_url) if app.store == "redis" else None
        self.data = RedisSessionData(self.client) if self.client else FileSessionData(app.session_dir / "sessions")

    def _opened(self, sid: str) -> bytes:
        key = store_key(sid)
        value = self.cipher.open(key, self.data.get(key) or b"")
        if value is None:
            raise RuntimeError("the signed-in session is not in the store")
        return value

    def ttl(self, sid: str) -> int:
        key = store_key(sid)
        if self.client is not None:
            return max(self.client.ttl("session:" + key), 60)
        return max(60, int(EXPIRY.unpack_from((self.data.root / key).read_bytes())[0] - time.time()))

    def clone(self, sid: str, count: int) -> list[str]:
        value, ttl, sids = self._opened(sid), self.ttl(sid), new_session_ids(count)
        for start in range(0, count, BATCH):
            writer = self.client.pipeline(transaction=False) if self.client else None
            data = RedisSessionData(writer) if writer else self.data
            for new in sids[start:start + BATCH]:
                data.set(store_key(new), self.cipher.seal(store_key(new), value), ttl)
            if writer:
                writer.execute()
        return sids

    def read(self, sid: str) -> dict:
        return msgspec.msgpack.decode(self._opened(sid))

    def rewrite(self, sid: str, change: Callable[[dict], None]) -> None:
        data, ttl = self.read(sid), self.ttl(sid)
        change(data)
        self.data.set(store_key(sid), self.cipher.seal(store_key(sid), msgspec.msgpack.encode(data)), ttl)

    def stored_bytes(self, sid: str) -> tuple[int, int]:
        """Redis: (value bytes, Redis' own MEMORY USAGE of the key). Files: (file bytes, bytes allocated on disk)."""
        key = store_key(sid)
        if self.client is not None:
            return self.client.strlen("session:" + key), self.client.memory_usage("session:" + key, samples=0)
        stat = (self.data.root / key).stat()
        return stat.st_size, stat.st_blocks * 512

    def used_memory(self) -> int | None:
        return self.client.info("memory")["used_memory"] if self.client else None


def sessions_for(app) -> StoredSessions:
    return StoredSessions(app)
