"""Two web app processes (gunicorn, as in production) sharing sessions in a real Redis.

The sockets are bound here and handed to gunicorn as `fd://N`, so the ports are known before the processes
start and no other program can take them in between. Both instances serve the same APP_BASE_URL, as they would
behind a load balancer; the browser's cookie reaches both (cookies are per host, not per port).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.fixtures.webapp import NEARLY_EXPIRED, SECRET_KEY, concurrent_gets, sign_in
from tests.servers import require_binary

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.redis, pytest.mark.slow]


class GunicornWebApp:
    def __init__(self, env: dict[str, str], listener: socket.socket):
        self.url = "http://127.0.0.1:%d" % listener.getsockname()[1]
        fd = listener.fileno()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"fd://{fd}", "--workers", "1",
             "--worker-class", "gthread", "--threads", "8", "webapp:create_app()"],
            env=env, cwd=ROOT, pass_fds=[fd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )

    def wait_until_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                # The socket accepts before gunicorn serves: a connection can wait in the backlog for a while.
                if requests.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise AssertionError(f"{self.url} did not become ready in {timeout}s")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown: no grace period for keep-alives
        self.process.wait(timeout=20)
        self.process.stderr.close()


def listening_socket() -> socket.socket:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    return listener


@pytest.fixture
def two_instances(local_cognito, redis_server, tmp_path):
    require_binary("redis", "redis-server")
    listeners = [listening_socket(), listening_socket()]
    base_url = "http://127.0.0.1:%d" % listeners[0].getsockname()[1]
    local_cognito.allow_app(base_url)
    env = {
        "PATH": "/usr/bin:/bin",
        **local_cognito.env_for_webapp(base_url),
        "SECRET_KEY": SECRET_KEY,
        "SESSION_REDIS_URL": redis_server.url,
        "SESSION_DIR": str(tmp_path / "unused"),
    }
    instances = [GunicornWebApp(env, listener) for listener in listeners]
    for listener in listeners:
        listener.close()  # the children hold their copies
    try:
        for instance in instances:
            instance.wait_until_ready()
        yield instances
    finally:
        for instance in instances:
            instance.stop()


def test_one_refresh_across_two_processes(two_instances, local_cognito):
    first, second = two_instances
    http = requests.Session()
    user = local_cognito.demo_user
    with local_cognito.clock.moved(NEARLY_EXPIRED):
        sign_in(http, first.url, user.email, user.password)
    # The session made by the first process is the second's too.
    assert f"Hello, {user.email}" in http.get(f"{second.url}/").text
    before = local_cognito.grant_count("refresh_token")
    statuses = concurrent_gets([first.url, second.url], http.cookies.get_dict(), 12)
    assert statuses == [200] * 12
    assert local_cognito.grant_count("refresh_token") == before + 1
