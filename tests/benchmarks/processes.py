"""The servers a benchmark measures, each a real process on 127.0.0.1 that stops when the benchmark ends."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from tests.servers import free_port, wait_for_port

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Workers:
    """Gunicorn settings shared by every app and its ceiling, so a ratio compares code and nothing else.

    Two workers for two cores; gthread because the web app waits on the network (the weather API, Cognito)
    and a sync worker would sit idle through every such call. `connections` caps the connections each worker
    holds: with wrk's 8 keep-alive connections and a cap of 4, each worker serves exactly 4. Without the cap the
    first worker to wake often accepts all of them, and runs came out bimodal (about 2,000 or 5,000 req/s for
    the same app) depending on how the accepts fell.
    """

    processes: int = 2
    threads: int = 4
    connections: int = 4
    keep_alive: int = 5

    def arguments(self) -> list[str]:
        return [
            "--workers", str(self.processes), "--worker-class", "gthread", "--threads", str(self.threads),
            "--worker-connections", str(self.connections), "--keep-alive", str(self.keep_alive),
        ]


class Process:
    """A child process listening on `port`; its output goes to a log file that is shown if it fails."""

    def __init__(self, name: str, command: Sequence[str], port: int, env: Mapping[str, str], logs: Path):
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = logs / f"{name}.log"
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            list(command), cwd=REPO, env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT
        )
        try:
            wait_for_port(port, timeout=30)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"{name} did not start:\n{self.log_path.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def gunicorn(name: str, app: str, env: Mapping[str, str], workers: Workers, logs: Path,
             port: int | None = None) -> Process:
    """`gunicorn APP` on loopback (a free port unless given), run from the repository so `tests` imports."""
    port = port or free_port()
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", *workers.arguments(),
        "--log-level", "warning", app,
    ]
    return Process(name, command, port, env, logs)


class Stack(ExitStack):
    """Starts processes and stops them all, newest first, however the benchmark ends."""

    def start(self, process: Process) -> Process:
        self.callback(process.stop)
        return process
