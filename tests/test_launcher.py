"""`python -m webapp` (the README's `make run`) starts the whole local system and prints how to sign in."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time

import pytest
import requests

from webapp.__main__ import API_PORT, COGNITO_PORT, WEB_PORT


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def read_banner(process: subprocess.Popen, limit: float = 30) -> str:
    """The launcher's output up to the end of its banner, which it prints once every server is serving.

    Waiting for the banner, not for a port, is what makes the output complete before the test stops the launcher:
    its ports are bound before the banner is printed, and a terminated process prints nothing more.
    """
    seen, deadline = b"", time.monotonic() + limit
    while b"Password:" not in seen and time.monotonic() < deadline:
        if select.select([process.stdout], [], [], 1)[0]:
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
    return seen.decode()


@pytest.fixture
def launched(tmp_path):
    busy = [p for p in (WEB_PORT, API_PORT, COGNITO_PORT) if port_in_use(p)]
    if busy:
        pytest.skip(f"the demo's ports {busy} are in use (is `make run` running?)")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "webapp", "--state-dir", str(tmp_path / "state")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        yield process, read_banner(process)
    finally:
        if process.poll() is None:
            process.terminate()
            process.communicate(timeout=10)


@pytest.mark.slow
def test_make_run_serves_the_whole_system(launched):
    process, banner = launched
    assert requests.get(f"http://localhost:{WEB_PORT}/", timeout=5).status_code == 200
    assert requests.get(f"http://localhost:{API_PORT}/healthz", timeout=5).json() == {"status": "ok"}
    process.terminate()
    rest, _ = process.communicate(timeout=10)
    output = banner + rest
    assert f"Open http://localhost:{WEB_PORT}" in output
    assert "Demo user:  demo@example.com" in output and "Password:" in output
