"""`python -m webapp` (the README's `make run`) starts the whole local system and prints how to sign in."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
import requests

from tests.servers import wait_for_port
from webapp.__main__ import API_PORT, COGNITO_PORT, WEB_PORT


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def launched(tmp_path):
    busy = [p for p in (WEB_PORT, API_PORT, COGNITO_PORT) if port_in_use(p)]
    if busy:
        pytest.skip(f"the demo's ports {busy} are in use (is `make run` running?)")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "webapp", "--state-dir", str(tmp_path / "state")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        wait_for_port(WEB_PORT, timeout=30)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.communicate(timeout=10)


@pytest.mark.slow
def test_make_run_serves_the_whole_system(launched):
    assert requests.get(f"http://localhost:{WEB_PORT}/", timeout=5).status_code == 200
    assert requests.get(f"http://localhost:{API_PORT}/healthz", timeout=5).json() == {"status": "ok"}
    launched.terminate()
    output, _ = launched.communicate(timeout=10)
    assert f"Open http://localhost:{WEB_PORT}" in output
    assert "Demo user:  demo@example.com" in output and "Password:" in output
