"""Drive Debian's `wrk` against one URL and read back what it measured.

wrk is the load generator because it is a small C program: on a two-core machine a Python load generator would
take the CPU the servers need. The Lua script (`requests.lua`) sends the prepared requests (cookies, bearer
tokens) round-robin and counts every response whose status is not the expected one, so a run that silently
measured redirects to the sign-in page is reported as broken instead of fast.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

SCRIPT = Path(__file__).with_name("requests.lua")
RESULT_MARK = "BENCH_RESULT "
WRK_TIMEOUT = 10  # seconds: a request not answered by then counts as a socket error


class LoadError(RuntimeError):
    """A run that cannot be trusted: wrk failed, sockets broke or responses had the wrong status."""


@dataclass(frozen=True)
class Load:
    """How hard to push: the same for an app and its ceiling."""

    duration: int = 2  # whole seconds: wrk takes no fractions
    connections: int = 8
    threads: int = 1


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float = 0.0
    unexpected: int = 0  # responses with another status than expected (always 0 in a strict run)
    socket_errors: int = 0  # connections that failed or timed out (always 0 in a strict run)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def expected_per_second(self) -> float:
        return (self.requests - self.unexpected) / self.seconds


def wrk_binary() -> str:
    path = shutil.which("wrk")
    if not path:
        raise LoadError("the benchmarks need wrk on PATH (Debian: apt-get install wrk)")
    return path


def write_requests(path: Path, requests: Iterable[Mapping[str, str]]) -> Path:
    """One line per request for `requests.lua`: tab-separated `Name: value` headers."""
    lines = ["\t".join(f"{name}: {value}" for name, value in headers.items()) for headers in requests]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_wrk(url: str, load: Load, requests_file: Path | None = None, expected_status: int = 200,
            strict: bool = True) -> WrkResult:
    """One wrk run; raises LoadError unless every response had `expected_status` and no socket failed (with
    `strict=False`, other statuses and failed sockets are only counted: a run through a failing dependency)."""
    with tempfile.TemporaryDirectory() as scratch:
        if requests_file is None:
            requests_file = write_requests(Path(scratch) / "plain.txt", [{}])
        command = [
            wrk_binary(), f"-t{load.threads}", f"-c{load.connections}", f"-d{int(load.duration)}s", "--timeout", f"{WRK_TIMEOUT}s",
            "-s", str(SCRIPT), url, "--", str(requests_file), str(expected_status),
        ]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=load.duration + 60)
    return parse_output(completed.stdout, completed.stderr, url, strict)


def parse_output(stdout: str, stderr: str, url: str, strict: bool = True) -> WrkResult:
    line = next((line for line in stdout.splitlines() if line.startswith(RESULT_MARK)), None)
    if line is None:
        raise LoadError(f"wrk printed no result for {url}: {stderr.strip() or stdout.strip()}")
    data = json.loads(line[len(RESULT_MARK):])
    if data["bad_status"] and strict:
        raise LoadError(
            f"{url}: {data['bad_status']} of {data['requests']} responses had status "
            f"{data['first_bad_status']} (or another unexpected one)"
        )
    if data["socket_errors"] and strict:
        raise LoadError(f"{url}: {data['socket_errors']} socket errors or timeouts")
    if not data["requests"]:
        raise LoadError(f"{url}: no request completed")
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1e3,
        p99_ms=data["p99_us"] / 1e3,
        max_ms=data["max_us"] / 1e3,
        unexpected=data["bad_status"],
        socket_errors=data["socket_errors"],
    )
