"""The production gunicorn settings: logs with no query string anywhere (the callback's carries the code), one
line per request with its id, JSON on request, Prometheus metrics on a port of their own, and workers forked from
an app built once (preloaded) that keep sessions apart and honest."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.fixtures.local_cognito import own_user
from tests.fixtures.webapp import concurrent_gets, csrf_token, sign_in
from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def gunicorn(tmp_path, settings):
    """start(**environment) -> (base URL, path of the captured stdout, path of the captured stderr)."""
    processes = []

    def start(port: int | None = None, **extra: str) -> tuple[str, Path, Path]:
        port = port or free_port()
        env = {**os.environ, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1",
               "COGNITO_ISSUER": settings.issuer.issuer, "COGNITO_CLIENT_ID": settings.client_id,
               "COGNITO_DOMAIN": settings.cognito_domain, "SECRET_KEY": settings.secret_key,
               "SESSION_DIR": str(tmp_path / "sessions"), **extra}
        out, err = tmp_path / f"out-{port}.log", tmp_path / f"err-{port}.log"
        with out.open("w") as stdout, err.open("w") as stderr:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                 "webapp:create_app()"], cwd=ROOT, env=env, stdout=stdout, stderr=stderr))
        wait_for_port(port, timeout=30)
        return f"http://127.0.0.1:{port}", out, err

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def raw_request(url: str, line: bytes) -> None:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(line + b"\r\nHost: x\r\n\r\n")
        connection.recv(4096)


def test_no_query_string_reaches_the_access_or_the_error_log(gunicorn):
    url, out, err = gunicorn()
    requests.get(f"{url}/callback?code=SECRET-CODE&state=SECRET-STATE", timeout=10)
    raw_request(url, b"GET /callback?code=SECRET-MALFORMED\x01&state=x HTTP/1.1")  # gunicorn quotes the line
    requests.get(f"{url}/healthz", timeout=10)  # the access log is written after the response: wait for one
    logs = out.read_text() + err.read_text()
    assert '"GET /callback HTTP/1.1"' in logs and "Invalid request" in logs, logs
    assert "SECRET" not in logs


def test_json_logs_one_line_per_request_with_the_id_the_caller_sees(gunicorn):
    url, out, _ = gunicorn(LOG_FORMAT="json")
    answers = [requests.get(f"{url}/", timeout=10), requests.get(f"{url}/", headers={"X-Request-ID": "lb-42"})]
    requests.get(f"{url}/healthz", timeout=10)
    lines = [json.loads(line) for line in out.read_text().splitlines()]  # every line is JSON
    ids = [answer.headers["X-Request-ID"] for answer in answers]
    assert ids[1] == "lb-42" and len(ids[0]) == 32
    access = [line["message"] for line in lines if line["logger"] == "gunicorn.access"]
    assert [line for line in access if line.endswith(ids[0])] and [line for line in access if line.endswith("lb-42")]


def test_metrics_are_served_on_their_own_port_from_every_worker(gunicorn):
    metrics_port = free_port()
    url, _, _ = gunicorn(METRICS_PORT=str(metrics_port), WEB_CONCURRENCY="2")
    for _ in range(4):
        requests.get(f"{url}/callback?error=access_denied&state=x", timeout=10)
    wait_for_port(metrics_port, timeout=30)
    scraped = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
    # Cognito is unreachable here (127.0.0.1:9): each sign-in fails; the count is the sum over both workers.
    assert 'cognito_auth_sign_ins_total{outcome="temporarily_unavailable"} 4.0' in scraped
    assert requests.get(f"{url}/metrics", timeout=10).status_code == 404  # not on the public port


def test_preloaded_workers_each_serve_the_session_and_all_see_it_end(gunicorn, local_cognito, redis_server):
    """Two workers forked from one preloaded app: a session signed in through one is served by both, and once it
    is signed out everywhere neither serves it (each worker's own connection to Redis hears of the change)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    local_cognito.allow_app(url)
    url, out, _ = gunicorn(port=port, **local_cognito.env_for_webapp(url), SESSION_REDIS_URL=redis_server.url,
                           WEB_CONCURRENCY="2")
    http, user = requests.Session(), own_user(local_cognito, "preloaded")
    sign_in(http, url, user.email, user.password)
    cookies = {"session": http.cookies["session"]}
    served_by = set()
    for _ in range(10):  # each round's requests, released together on new connections, land on either worker
        assert concurrent_gets([url], cookies, 8) == [200] * 8
        served_by = {line.split("] [")[0].rsplit("[", 1)[1] for line in out.read_text().splitlines()
                     if '"GET /profile HTTP/1.1" 200' in line}
        if len(served_by) == 2:
            break
    assert len(served_by) == 2, "every request landed on one worker"
    http.post(f"{url}/logout-everywhere", data={"csrf_token": csrf_token(http, url)}, timeout=10)
    assert concurrent_gets([url], cookies, 16) == [302] * 16
