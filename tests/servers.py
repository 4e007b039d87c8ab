"""Real servers on loopback for the tests: WSGI apps in threads, a throwaway redis-server, and a TCP proxy."""

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


def free_ports(count: int) -> list[int]:
    """`count` different ports that were free a moment ago."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


class Output:
    """A child process's merged stdout and stderr, read line by line in a thread, so a test can wait for a line
    while the process keeps running (a server) and read everything it printed once it has stopped."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def text(self) -> str:
        with self._changed:
            return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        """Everything printed up to and including the first line containing `text`; fails if the process ends
        or `timeout` passes first."""
        with self._changed:
            ready = self._changed.wait_for(
                lambda: any(text in line for line in self.lines) or not self._reader.is_alive(), timeout)
            printed = "".join(self.lines)
        if not ready or text not in printed:
            raise AssertionError(f"{text!r} never came (exit code {self.process.poll()}); the output:\n{printed}")
        return printed

    def stop(self, timeout: float = 15) -> str:
        """Terminate the process (if it still runs) and return everything it printed."""
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=timeout)
        self._reader.join(timeout)
        self.process.stdout.close()
        return self.text


def start(command: list[str], *, cwd: Path, env: dict[str, str]) -> Output:
    """Run `command` in the background, its output collected (`Output`)."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    return Output(process)


class PausableProxy:
    """Forwards each TCP connection to 127.0.0.1:`port`; while `paused`, what the server sends is held back, as on a
    network that went silent without closing anything (a partition)."""

    def __init__(self, port: int):
        self.target = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.flowing = threading.Event()
        self.flowing.set()
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def pause(self) -> None:
        self.flowing.clear()

    def resume(self) -> None:
        self.flowing.set()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, self.flowing), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket, gate: threading.Event | None) -> None:
        try:
            while data := source.recv(65536):
                if gate is not None:
                    gate.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            sink.close()

    def stop(self) -> None:
        self.flowing.set()
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the threads blocked on it, which closing alone does not
            except OSError:
                pass
            sock.close()
