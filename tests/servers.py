"""Real servers on loopback for the tests: WSGI apps in threads and a throwaway redis-server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

REQUIRED = {item.strip() for item in os.environ.get("WEBAPP_TEST_REQUIRE", "").split(",") if item.strip()}


def require_binary(kind: str, *names: str) -> str:
    """The path of the first binary found; skip with a reason, or fail where CI says `kind` must run."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    message = f"{kind} tests need one of {', '.join(names)} on PATH"
    if kind in REQUIRED:
        pytest.fail(message + f" (WEBAPP_TEST_REQUIRE includes {kind!r})", pytrace=False)
    pytest.skip(message)


class ServerThread:
    """A WSGI app served by Werkzeug on 127.0.0.1, on a port the OS picks, until `stop()`.

    The socket is bound at construction, so `url` is known before the app exists: apps that must know each
    other's URLs (the web app's callback is registered at the local Cognito) are built after binding and
    handed over with `start(app)`.
    """

    def __init__(self, app=None, host: str = "127.0.0.1", port: int = 0):
        self.server = make_server(host, port, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self, app=None) -> "ServerThread":
        if app is not None:
            self.server.app = app
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on port {port} within {timeout}s")


class RedisServer:
    """A real redis-server with no persistence, on its own port, for one test session."""

    def __init__(self, binary: str, workdir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(workdir)],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class HungServer:
    """Accepts connections and never answers, as a process frozen with SIGSTOP would (the kernel still accepts):
    every call to it waits for its timeout. `connections` counts who came."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)

    def stop(self) -> None:
        self.listener.close()
        for connection in self.connections:
            connection.close()
