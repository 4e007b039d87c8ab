"""The in-process memory of sessions read from Redis (`session_cache`), against a real Redis: what it must never do
is serve a value that Redis no longer holds, for longer than its lease, whatever the network does.

The cache's connection goes through a `PausableProxy` where a test needs a silent network; the cache's clock is
moved by hand (its lease counts monotonic seconds), the network is real.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
import warnings

import pytest
import redis

from tests.servers import PausableProxy
from webapp.cognito_auth.session_cache import LEASE, SessionCache
from webapp.cognito_auth.session_store import RedisSessionData

pytestmark = pytest.mark.redis


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountedReads:
    def __init__(self, client: redis.Redis):
        self.client = client
        self.count = 0

    def __call__(self, key: str) -> bytes | None:
        self.count += 1
        return self.client.get(key)


def eventually(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


@pytest.fixture
def direct(redis_server):
    client = redis.Redis.from_url(redis_server.url)
    yield client
    client.close()


@pytest.fixture
def proxy(redis_server):
    proxy = PausableProxy(redis.Redis.from_url(redis_server.url).connection_pool.connection_kwargs["port"])
    yield proxy
    proxy.stop()


@pytest.fixture
def cache_through_proxy(proxy):
    clock = Clock()
    cache = SessionCache(f"redis://127.0.0.1:{proxy.port}/0", 2.0, "session:", clock=clock)
    yield cache, clock
    cache.close()


def session_key() -> str:
    return f"session:{uuid.uuid4().hex}"


def test_a_silent_connection_stops_memory_serving_once_the_lease_is_over(cache_through_proxy, proxy, direct):
    cache, clock = cache_through_proxy
    key, reads = session_key(), CountedReads(direct)
    direct.set(key, b"before")
    assert cache.read(key, reads) == b"before"
    proxy.pause()  # from now on, Redis's messages to the cache are held back, its PONGs too
    direct.set(key, b"after")
    clock.now += LEASE + 0.01
    assert cache.read(key, reads) == b"after"
    assert cache.read(key, reads) == b"after"
    assert reads.count == 3  # both read from Redis: nothing confirms what memory holds
    proxy.resume()  # the held messages arrive, the PONG with them: memory serves again
    eventually(lambda: served_from_memory(cache, key, reads, b"after"))


def served_from_memory(cache: SessionCache, key: str, reads: CountedReads, value: bytes) -> bool:
    before = reads.count
    assert cache.read(key, reads) == value
    return reads.count == before


def test_a_value_that_changes_while_it_is_read_is_not_kept(redis_server, direct):
    cache = SessionCache(redis_server.url, 2.0, "session:")
    key, other = session_key(), session_key()
    direct.set(key, b"before")
    direct.set(other, b"other")
    cache.read(other, direct.get)
    assert served_from_memory(cache, other, CountedReads(direct), b"other")

    def read_then_changed(name: str) -> bytes | None:
        value = direct.get(name)
        direct.set(name, b"after")  # another instance writes before this read is kept, and then `other`:
        direct.set(other, b"other, after")
        # once the cache has heard of `other`, it has heard of `name` (Redis sends the messages in order)
        eventually(lambda: cache.read(other, direct.get) == b"other, after")
        return value

    try:
        assert cache.read(key, read_then_changed) == b"before"
        assert cache.read(key, direct.get) == b"after"
    finally:
        cache.close()


def test_what_this_process_writes_it_reads_back_at_once(cache_through_proxy, proxy, direct):
    cache, _ = cache_through_proxy
    data = RedisSessionData(direct, cache)
    key = uuid.uuid4().hex
    data.set(key, b"first", 60)
    assert data.get(key, cached=True) == b"first"
    assert data.get(key, cached=True) == b"first"
    proxy.pause()  # the message about our own write will not arrive in time
    data.set(key, b"second", 60)
    assert data.get(key, cached=True) == b"second"
    data.delete(key)
    assert data.get(key, cached=True) is None


def test_a_server_that_refuses_tracking_is_read_each_time(redis_server, direct, caplog):
    user, password = f"no-client-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    direct.acl_setuser(user, enabled=True, passwords=[f"+{password}"], keys=["*"], commands=["+@all", "-client"])
    url = redis_server.url.replace("redis://", f"redis://{user}:{password}@")
    cache = SessionCache(url, 2.0, "session:")
    key, reads = session_key(), CountedReads(direct)
    direct.set(key, b"value")
    try:
        assert [cache.read(key, reads) for _ in range(3)] == [b"value"] * 3
        assert reads.count == 3
        assert "tracking refused" in caplog.text
    finally:
        cache.close()
        direct.acl_deluser(user)


class WatchedLock:
    """A lock that tells when a thread has tried to take it (whether or not it got it)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tried = threading.Semaphore(0)

    def acquire(self, blocking: bool = True) -> bool:
        try:
            return self.lock.acquire(blocking)
        finally:
            self.tried.release()

    def release(self) -> None:
        self.lock.release()

    def locked(self) -> bool:
        return self.lock.locked()


def test_two_threads_opening_the_connection_at_once_leave_one_that_hears_every_change(redis_server, direct):
    """Thread A has opened the tracking connection but not yet handed it over (it waits for the cache's lock) when
    thread B finds none: B must not open a second one that replaces A's after A's has been used, losing the
    messages that reached A's connection only."""
    cache = SessionCache(redis_server.url, 2.0, "session:", clock=Clock())  # a clock that stands still: no PINGs
    cache.connecting = WatchedLock()
    second_opened, second_may_go = threading.Event(), threading.Event()
    make_connection = cache.pool.make_connection

    def held_back_second() -> redis.Connection:
        second_opened.set()
        second_may_go.wait(10)
        return make_connection()

    key, other = session_key(), session_key()
    direct.set(key, b"before")
    direct.set(other, b"other")
    clients_before = tracking_clients(direct)
    cache.lock.acquire()  # A and B stop where they need the cache's lock
    first = threading.Thread(target=cache.read, args=(key, direct.get))
    first.start()
    assert cache.connecting.tried.acquire(timeout=10)
    # A has opened its connection, and either let go of `connecting` or holds it while it waits for the lock
    eventually(lambda: not cache.connecting.locked() or tracking_clients(direct) > clients_before)
    cache.pool.make_connection = held_back_second
    second = threading.Thread(target=cache.read, args=(key, direct.get))
    second.start()
    assert cache.connecting.tried.acquire(timeout=10)  # B has decided whether to open a connection
    cache.lock.release()
    first.join(10)
    assert cache.read(key, direct.get) == b"before"  # kept: served from memory from now on
    assert cache.read(other, direct.get) == b"other"
    direct.set(key, b"after")  # A's connection hears of it (and B's, if any, not: it is not subscribed yet)
    second_may_go.set()
    second.join(10)
    try:
        direct.set(other, b"other, after")
        eventually(lambda: cache.read(other, direct.get) == b"other, after")
        assert cache.read(key, direct.get) == b"after"
    finally:
        cache.close()


def tracking_clients(direct: redis.Redis) -> int:
    return sum(client["name"] == "session-invalidations" for client in direct.client_list())


def test_a_process_forked_after_the_connection_opened_reads_changes_that_its_parent_heard_of(redis_server, direct):
    """gunicorn --preload forks workers from a process that may have read sessions: the child shares the parent's
    socket, so whichever process reads a message takes it from the other."""
    cache = SessionCache(redis_server.url, 2.0, "session:", clock=Clock())  # a clock that stands still: no PINGs
    key, other = session_key(), session_key()
    direct.set(key, b"before")
    direct.set(other, b"other")
    cache.read(key, direct.get)
    cache.read(other, direct.get)
    reader, writer = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # pytest's threads: the child only does what is below
        child = os.fork()
    if child == 0:
        code = 1
        try:
            os.read(reader, 1)
            code = 0 if cache.read(key, direct.get) == b"after" else 2
        finally:
            os._exit(code)
    try:
        direct.set(key, b"after")
        direct.set(other, b"other, after")
        eventually(lambda: cache.read(other, direct.get) == b"other, after")  # the parent took the messages
        os.write(writer, b"x")
        assert os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0
        direct.set(key, b"after, again")  # the parent still hears of changes
        eventually(lambda: cache.read(key, direct.get) == b"after, again")
    finally:
        os.close(reader)
        os.close(writer)
        cache.close()


def test_a_flushed_database_is_not_served_from_memory(redis_server):
    """FLUSHDB names no key: the message about it says "everything" (a null list of keys). In a database of its
    own, so that the other tests' data stays."""
    url = redis_server.url.removesuffix("/0") + "/5"
    cache, direct = SessionCache(url, 2.0, "session:"), redis.Redis.from_url(url)
    key, reads = session_key(), CountedReads(direct)
    direct.set(key, b"value")
    try:
        cache.read(key, reads)
        eventually(lambda: served_from_memory(cache, key, reads, b"value"))
        direct.flushdb()
        eventually(lambda: cache.read(key, direct.get) is None)
        assert cache.read(key, reads) is None
        assert not cache.entries
    finally:
        cache.close()
        direct.close()
