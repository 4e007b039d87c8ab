"""Sessions read from Redis, kept in this process for as long as Redis has not said that they changed.

Most signed-in requests read a session that has not changed since the last one; asking Redis each time costs a
network round trip per page. Redis's server-assisted client-side caching (`CLIENT TRACKING`, here in broadcasting
mode) tells one connection per process of every write to a key under the prefix, by any client: a sign-out, a sign
out everywhere, a token refresh, an activity stamp, a key that expired or was evicted, a flushed database. A key
named in such a message is dropped from memory before memory serves another read.

Not served stale: a read served from memory first applies, under the same lock, every message that has reached
this process. Redis sends the message as it answers the instance that made the change, so it arrives here well
before that instance's answer can bring the browser (or anyone replaying its cookie) back to us; should it be
delayed all the same (lost packets, a network partition), memory serves only while Redis has
answered a PING sent at most LEASE seconds ago, so the delay costs at most LEASE seconds and then every read goes
to Redis. A value read from Redis is kept only if no message arrived while it was being read; a lost connection
empties the memory, as does a fork; a write by this process drops its key at once.

Hand-written because redis-py's own client-side cache (`cache_config`, RESP3) refuses every server that does not
call itself Redis 7.4 or later: Debian 12's redis-server 7.0, ElastiCache for Redis OSS (7.1 at most), Valkey (which
calls itself Valkey, or Redis 7.2 in its compatibility mode). Broadcasting mode works with Redis 6.0 and later and
with Valkey, over RESP2, and needs no tracking state on the data connections.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from typing import Callable

import redis

log = logging.getLogger(__name__)

INVALIDATIONS = "__redis__:invalidate"  # the channel a RESP2 connection gets tracking messages on
PING_EVERY = 0.25  # seconds between PINGs while reads keep coming
LEASE = 1.0  # memory serves while Redis answered a PING sent at most this many seconds ago
MAX_ENTRIES = 1024  # sessions kept (about 2 KB each): the recently active ones


class SessionCache:
    """Values of the Redis keys under `prefix` that this process read lately; thread-safe.

    The first read opens the tracking connection (one thread does; the others read Redis meanwhile), and the first
    read after the connection is lost opens another. An error while opening it propagates (the store cannot be
    reached); a server that refuses tracking turns the cache off.
    """

    def __init__(self, url: str, timeout: float, prefix: str, clock: Callable[[], float] = time.monotonic):
        # A connection of its own, speaking RESP2, where tracking messages arrive as those of a channel (redis-py 8
        # speaks RESP3 by default); a URL that asks for another protocol turns the cache off.
        self.pool = redis.ConnectionPool.from_url(url, protocol=2, socket_timeout=timeout,
                                                  socket_connect_timeout=timeout)
        self.prefix = prefix
        self.clock = clock
        self.enabled = str(self.pool.connection_kwargs["protocol"]) == "2"
        self.lock = threading.Lock()
        self.connecting = threading.Lock()
        self.entries: OrderedDict[bytes, bytes] = OrderedDict()
        self.connection = None
        self.generation = 0  # moves with every message and every reset: a read that spans a move is not kept
        self.confirmed = float("-inf")  # when the last PING that Redis answered was sent
        self.ping_sent: float | None = None  # when the PING awaiting its answer was sent
        self.pid = os.getpid()

    def read(self, key: str, fetch: Callable[[str], bytes | None]) -> bytes | None:
        """The value of `key`: from memory when it is known to be current, else `fetch(key)` (kept if it may be)."""
        name = key.encode()
        if self.connection is None:
            self._connect()
        with self.lock:
            ticket = self._sync()
            if ticket is not None and self.clock() - self.confirmed <= LEASE and name in self.entries:
                self.entries.move_to_end(name)
                return self.entries[name]
        value = fetch(key)
        with self.lock:
            if value is not None and ticket == self.generation:
                self.entries[name] = value
                if len(self.entries) > MAX_ENTRIES:
                    self.entries.popitem(last=False)
        return value

    def forget(self, key: str) -> None:
        """After this process wrote or deleted `key`: its next read goes to Redis."""
        with self.lock:
            self.entries.pop(key.encode(), None)
            self.generation += 1

    def close(self) -> None:
        with self.lock:
            self.enabled = False
            self._reset()

    def _sync(self) -> int | None:
        """Apply every message that has arrived and keep the PINGs going. Returns the generation, or None without a
        tracking connection (then nothing read may be kept)."""
        if self.pid != os.getpid():
            # Forked after the connection opened (gunicorn --preload): the parent reads the same socket, and takes
            # messages meant for this process too. (Closing it here leaves the parent's open: redis-py sees the fork.)
            self.pid = os.getpid()
            self._reset()
        if self.connection is None:
            return None
        try:
            while self.connection.can_read(timeout=0):
                self._apply(self.connection.read_response())
            now = self.clock()
            if self.ping_sent is None and now - self.confirmed >= PING_EVERY:
                self.connection.send_command("PING")
                self.ping_sent = now
        except (redis.RedisError, OSError) as error:
            log.warning("lost the session store's invalidation connection (%s): reading sessions from Redis until "
                        "it is back", type(error).__name__)
            self._reset()
            return None
        return self.generation

    def _connect(self) -> None:
        """Open the tracking connection, unless another thread is opening it or has opened it meanwhile: a second
        one replacing the first would lose the messages still waiting on the first."""
        if not self.enabled or not self.connecting.acquire(blocking=False):
            return
        try:
            if self.connection is None:
                self._open()
        finally:
            self.connecting.release()

    def _open(self) -> None:
        connection, started = self.pool.make_connection(), self.clock()
        try:
            connection.send_command("CLIENT", "ID")
            own_id = connection.read_response()
            connection.send_command("CLIENT", "SETNAME", "session-invalidations")
            connection.read_response()
            connection.send_command("CLIENT", "TRACKING", "ON", "REDIRECT", own_id, "BCAST", "PREFIX", self.prefix)
            connection.read_response()
            connection.send_command("SUBSCRIBE", INVALIDATIONS)
            connection.read_response()
        except redis.ResponseError as error:  # no CLIENT TRACKING here (Redis < 6, or an ACL forbids it)
            log.warning("sessions are read from Redis each time: tracking refused (%s)", error)
            self.enabled = False
            connection.disconnect()
            return
        except BaseException:
            connection.disconnect()
            raise
        with self.lock:
            if self.enabled:  # not closed meanwhile
                self.connection, self.confirmed = connection, started
                return
        connection.disconnect()

    def _apply(self, message: list) -> None:
        kind = message[0]
        if kind == b"pong":
            self.confirmed, self.ping_sent = self.ping_sent, None
        elif kind == b"message":
            self.generation += 1
            names = message[2]
            if names is None:  # FLUSHDB or FLUSHALL
                self.entries.clear()
            for name in names or ():
                self.entries.pop(name, None)

    def _reset(self) -> None:
        """Forget everything: without its connection, memory cannot know what changed."""
        if self.connection is not None:
            self.connection.disconnect()
        self.connection = None
        self.entries.clear()
        self.generation += 1
        self.confirmed, self.ping_sent = float("-inf"), None
