"""Figure 7: what the web app costs in memory and in start-up time, against bare Flask.

7a: RSS of each gunicorn worker of the web app (Redis store, after wrk has driven /profile and /weather) ÷ that of
the bare page app (figure 1's ceiling, the same page size, after serving it), both under the same gunicorn
settings. The proportional set size (PSS: shared pages split among the processes that map them) is given beside.
7b: seconds from starting `python -m webapp` (what `make run` runs: the local Cognito in a forked process, the
weather API and the web app in the launcher's) until the web app answers `GET /` with 200 ÷ the same for a bare
Flask server served the same way (`python -m tests.benchmarks.ceilings PORT`). Launches alternate, after one warm-up of each (which also
creates the local pool's state and writes the bytecode caches a developer's checkout has after its first run);
the first-ever start, which creates the pool, is shown beside.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from tests.benchmarks import services
from tests.benchmarks.bench import Bench
from tests.benchmarks.figures.pages import page_ceiling, probe
from tests.benchmarks.processes import REPO, Process
from tests.benchmarks.report import Row, missing_row
from tests.benchmarks.wrk import run_wrk, write_requests
from tests.servers import free_port

LAUNCHES = 5
#: The ports `python -m webapp` always uses (webapp/__main__.py): the web app, the weather API, the local Cognito.
LAUNCHER_PORTS = (5000, 5001, 9229)


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process in KiB, as the kernel counts them (/proc/PID/smaps_rollup)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
    return int(fields["Rss"].split()[0]), int(fields["Pss"].split()[0])


def workers_of(process: Process) -> list[int]:
    """The pids of a gunicorn master's worker processes."""
    children = Path(f"/proc/{process.process.pid}/task/{process.process.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def mean_memory(process: Process) -> tuple[float, float]:
    """Mean (RSS, PSS) per worker, in MiB."""
    samples = [memory_kib(pid) for pid in workers_of(process)]
    return (statistics.mean(rss for rss, _ in samples) / 1024, statistics.mean(pss for _, pss in samples) / 1024)


def worker_memory(bench: Bench) -> Row:
    app = services.start_webapp(bench, "redis", name="webapp-footprint")
    page = probe(bench, app)
    ceiling = page_ceiling(bench, page.profile_bytes, bench.workers)
    cookies = write_requests(bench.scratch / "cookies-footprint.txt", [{"Cookie": f"session={page.sid}"}])
    load = replace(bench.plan.load, duration=bench.plan.warmup_seconds * 2)
    for path in ("/profile", "/weather"):
        run_wrk(app.url + path, load, cookies)
    run_wrk(f"{ceiling.url}/page", load)
    (app_rss, app_pss), (bare_rss, bare_pss) = mean_memory(app.process), mean_memory(ceiling)
    ratio = app_rss / bare_rss
    return Row("7a. RSS per gunicorn worker: web app (Redis, after /profile and /weather) ÷ bare page app",
               f"{app_rss:.1f} MiB (PSS {app_pss:.1f})", f"{bare_rss:.1f} MiB (PSS {bare_pss:.1f})", f"{ratio:.2f}",
               "≤ 1.40", ratio <= 1.40)


def port_in_use(port: int) -> bool:
    with socket.socket() as probe_socket:
        return probe_socket.connect_ex(("127.0.0.1", port)) == 0


def seconds_to_first_response(command: list[str], port: int, env: dict[str, str]) -> float:
    """Start `command`, poll `GET /` on `port` every 5 ms until it answers 200, then stop the process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < 60:
            if process.poll() is not None:
                raise RuntimeError(f"{' '.join(command[1:])} exited with status {process.returncode}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", "/")
                if connection.getresponse().status == 200:
                    return time.perf_counter() - started
            except OSError:
                time.sleep(0.005)
        raise RuntimeError(f"{' '.join(command[1:])} did not answer within 60 s")
    finally:
        process.terminate()
        process.wait(timeout=15)


def start_up(bench: Bench) -> Row:
    figure = "7b. First response of `python -m webapp` (make run) ÷ a bare Flask server's"
    busy = [port for port in LAUNCHER_PORTS if port_in_use(port)]
    if busy:
        return missing_row(figure, f"port {busy[0]} is in use (is `make run` running?)")
    # A developer's checkout keeps bytecode caches; this environment may say not to write them.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    state = bench.directory("make-run-state")
    launcher = [sys.executable, "-m", "webapp", "--state-dir", str(state)]
    bare_port = free_port()
    bare = [sys.executable, "-m", "tests.benchmarks.ceilings", str(bare_port)]
    first = seconds_to_first_response(launcher, LAUNCHER_PORTS[0], env)
    seconds_to_first_response(bare, bare_port, env)
    pairs = [(seconds_to_first_response(launcher, LAUNCHER_PORTS[0], env),
              seconds_to_first_response(bare, bare_port, env)) for _ in range(LAUNCHES)]
    ratio = statistics.median(app / floor for app, floor in pairs)
    return Row(figure, f"{statistics.median(app for app, _ in pairs):.2f} s (first start, creating the pool: "
               f"{first:.2f} s)", f"{statistics.median(floor for _, floor in pairs):.2f} s", f"{ratio:.2f}", "≤ 2.00",
               ratio <= 2.00)


def run(bench: Bench) -> list[Row]:
    return [worker_memory(bench), start_up(bench)]
