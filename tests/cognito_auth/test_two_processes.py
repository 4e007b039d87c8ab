"""Two web app processes (gunicorn, as in production) sharing sessions in a real Redis.

The sockets are bound here and handed to gunicorn as `fd://N`, so the ports are known before the processes
start and no other program can take them in between. Both instances serve the same APP_BASE_URL, as they would
behind a load balancer; the browser's cookie reaches both (cookies are per host, not per port).

Each process keeps the sessions it read in memory while Redis says they are unchanged (`session_cache`): a
session ended or refreshed through one process is never served stale by the other. Before each change, the
second process has just served the session, from memory, so a change it missed would show.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests
from flask import Flask

from tests.fixtures.webapp import NEARLY_EXPIRED, SECRET_KEY, concurrent_gets, sign_in
from tests.servers import ServerThread, require_binary

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


class RefusingApi:
    """A weather API that refuses the access token once when told to (`refuse_once`), as after a key rotation, so
    that the web app refreshes the token before it is due; any other call gets an answer that is no forecast."""

    def __init__(self):
        self.refuse = threading.Event()
        app = Flask(__name__)
        app.get("/weatherforecast")(self.forecast)
        self.server = ServerThread(app).start()
        self.url = self.server.url

    def forecast(self):
        if self.refuse.is_set():
            self.refuse.clear()
            return "", 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        return {}

    def refuse_once(self) -> None:
        self.refuse.set()


@pytest.fixture(scope="module")
def refusing_api():
    api = RefusingApi()
    yield api
    api.server.stop()


@pytest.fixture(scope="module")
def two_instances(local_cognito, redis_server, refusing_api, tmp_path_factory):
    require_binary("redis", "redis-server")
    listeners = [listening_socket(), listening_socket()]
    base_url = "http://127.0.0.1:%d" % listeners[0].getsockname()[1]
    local_cognito.allow_app(base_url)
    env = {
        "PATH": "/usr/bin:/bin",
        **local_cognito.env_for_webapp(base_url),
        "SECRET_KEY": SECRET_KEY,
        "SESSION_REDIS_URL": redis_server.url,
        "SESSION_DIR": str(tmp_path_factory.mktemp("unused")),
        "WEATHER_API_URL": refusing_api.url,
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


def profile(http: requests.Session | None, url: str, cookies: dict | None = None) -> requests.Response:
    return (http or requests).get(f"{url}/profile", cookies=cookies, allow_redirects=False, timeout=30)


def served(url: str, cookies: dict, email: str) -> None:
    """The instance serves the signed-in page for these cookies, twice: the second time from its memory."""
    for _ in range(2):
        page = profile(None, url, cookies)
        assert page.status_code == 200 and email in page.text


def refused(url: str, cookies: dict) -> bool:
    page = profile(None, url, cookies)
    return page.status_code == 302 and "/login" in page.headers["Location"]


def signed_in_through(first: str, second: str, http: requests.Session, email: str, password: str) -> dict:
    """Sign in through the process at `first`; the cookies, once the one at `second` serves them too."""
    sign_in(http, first, email, password)
    cookies = http.cookies.get_dict()
    served(second, cookies, email)
    return cookies


def sign_out(http: requests.Session, url: str, path: str = "/logout") -> requests.Response:
    """Post the signed-in page's sign-out form (with its CSRF token) to the process at `url`."""
    return http.post(f"{url}{path}", data={"csrf_token": csrf_token(profile(http, url))}, allow_redirects=False)


def csrf_token(page: requests.Response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def access_token_expiry(page: requests.Response) -> str:
    return re.search(r"Access token expires</dt>\s*<dd>([^(<]+)", page.text).group(1).strip()


def session_reads(redis_url: str) -> int:
    """How many GETs Redis has answered (sessions are the only strings the web app reads)."""
    stats = redis.Redis.from_url(redis_url).info("commandstats")
    return stats.get("cmdstat_get", {}).get("calls", 0)


def test_an_unchanged_session_is_served_without_asking_redis(two_instances, local_cognito, redis_server):
    first, second = two_instances
    http = requests.Session()
    user = local_cognito.demo_user
    signed_in_through(first.url, second.url, http, user.email, user.password)
    before = session_reads(redis_server.url)
    for _ in range(10):
        assert profile(http, second.url).status_code == 200
    # Each process pings Redis while it serves from memory, and reads again after a silence of a second: even on
    # a machine slow enough for that to happen between some of these requests, most are served from memory.
    assert session_reads(redis_server.url) - before < 5


def test_signed_out_through_one_process_refused_by_the_other_at_once(two_instances, local_cognito):
    first, second = two_instances
    http = requests.Session()
    user = local_cognito.demo_user
    cookies = signed_in_through(first.url, second.url, http, user.email, user.password)
    assert sign_out(http, first.url).status_code == 302
    assert refused(second.url, cookies)


def test_a_refresh_through_one_process_is_what_the_other_serves(two_instances, local_cognito, refusing_api):
    first, second = two_instances
    http = requests.Session()
    user = local_cognito.demo_user
    with local_cognito.clock.moved(-10 * 60):  # valid for 50 more minutes: not due for a refresh
        sign_in(http, first.url, user.email, user.password)
    cookies = http.cookies.get_dict()
    served(second.url, cookies, user.email)
    old_expiry = access_token_expiry(profile(http, second.url))
    before = local_cognito.grant_count("refresh_token")
    refusing_api.refuse_once()
    http.get(f"{first.url}/weather", allow_redirects=False)  # refused, refreshed, called again
    assert local_cognito.grant_count("refresh_token") == before + 1
    new_expiry = access_token_expiry(profile(http, first.url))
    assert new_expiry != old_expiry
    assert access_token_expiry(profile(http, second.url)) == new_expiry
    assert local_cognito.grant_count("refresh_token") == before + 1


def test_signed_out_everywhere_through_one_process_ends_every_session_in_the_other(two_instances, local_cognito):
    first, second = two_instances
    email, password = f"everywhere-{uuid.uuid4().hex[:8]}@example.com", "Correct-Horse-9-battery"
    local_cognito.create_user(email, password)
    laptop, phone = requests.Session(), requests.Session()
    laptop_cookies = signed_in_through(first.url, second.url, laptop, email, password)
    phone_cookies = signed_in_through(first.url, second.url, phone, email, password)
    assert sign_out(laptop, first.url, "/logout-everywhere").status_code == 302
    assert refused(second.url, phone_cookies)
    assert refused(second.url, laptop_cookies)


def test_after_losing_its_invalidation_connection_a_process_still_serves_nothing_stale(
        two_instances, local_cognito, redis_server):
    first, second = two_instances
    http = requests.Session()
    user = local_cognito.demo_user
    cookies = signed_in_through(first.url, second.url, http, user.email, user.password)
    client = redis.Redis.from_url(redis_server.url)
    for connection in client.client_list():
        if connection["name"] == "session-invalidations":  # both processes': what changes next, neither hears of
            client.client_kill_filter(_id=connection["id"])
    assert sign_out(http, first.url).status_code == 302
    # The first request notices the loss and reads Redis; the next ones open a new connection, with nothing left
    # in memory from before.
    assert refused(second.url, cookies)
    assert refused(second.url, cookies)
    again = requests.Session()
    signed_in_through(first.url, second.url, again, user.email, user.password)
    assert [c["name"] for c in client.client_list()].count("session-invalidations") == 2  # both back
