"""A Redis session store in trouble (down, frozen, loading, a read-only replica) is a 503 page, never a 500."""

from __future__ import annotations

import os
import re
import signal

import pytest
import redis
import requests

from tests.cognito_auth.conftest import scripted_sign_in
from tests.servers import RedisServer, free_port, require_binary

pytestmark = pytest.mark.redis


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, to break as it likes."""
    server = RedisServer(require_binary("redis", "redis-server"), tmp_path)
    client = redis.Redis.from_url(server.url)
    yield server, client
    client.close()
    if server.process.poll() is None:
        os.kill(server.process.pid, signal.SIGCONT)
        server.stop()


def signed_in(scripted_webapp, hosted, url, **overrides):
    running = scripted_webapp(session_redis_url=url, **overrides)
    http = requests.Session()
    scripted_sign_in(http, running.url, hosted)
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(running.url + "/profile").text).group(1)
    return running, http, token


def test_a_read_only_replica_is_a_503_not_a_500(scripted_webapp, hosted, own_redis):
    """A failover that leaves the app on a replica: reads work, every write answers READONLY."""
    server, client = own_redis
    running, http, token = signed_in(scripted_webapp, hosted, server.url)
    client.replicaof("127.0.0.1", free_port())  # a master that never answers: the data stays, read-only
    assert requests.get(running.url + "/login", allow_redirects=False).status_code == 503  # a pending flow: a write
    assert http.post(running.url + "/logout", data={"csrf_token": token}, allow_redirects=False).status_code == 503


def test_a_frozen_redis_is_a_503_not_a_500(scripted_webapp, hosted, own_redis):
    server, client = own_redis
    running, http, token = signed_in(scripted_webapp, hosted, server.url, http_timeout=0.5)
    os.kill(server.process.pid, signal.SIGSTOP)
    assert http.get(running.url + "/profile", allow_redirects=False).status_code in (200, 503)  # memory cache
    assert http.post(running.url + "/logout", data={"csrf_token": token}, allow_redirects=False).status_code == 503


def test_a_stopped_redis_is_a_503_not_a_500(scripted_webapp, hosted, own_redis):
    server, client = own_redis
    running, http, token = signed_in(scripted_webapp, hosted, server.url)
    server.stop()
    assert http.post(running.url + "/logout", data={"csrf_token": token}, allow_redirects=False).status_code == 503
    assert requests.get(running.url + "/login", allow_redirects=False).status_code == 503
