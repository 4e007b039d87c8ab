"""Figure 8: what a frozen dependency costs the web app. Under a steady load on `/profile` (which needs the session
store) and `/weather` (which also needs the weather API), each dependency in turn — the weather API, Redis, the
local Cognito — is frozen with SIGSTOP for FREEZE seconds, as a hung host or a stop-the-world pause would freeze
it (the kernel still accepts its connections; nothing answers).

Reported for each: `/profile`'s successful answers per second while frozen ÷ the same just before (the pages
that do not need the frozen dependency must keep their pace: ≥ 0.80 for the weather API), and the slowest answer
of any page while frozen (no page may wait longer than HTTP_TIMEOUT + 1 s), with how many answers of any status
came back and `/weather`'s median (what the circuit breakers change: after three calls that got no answer, pages
that need the dependency fail at once instead of each waiting HTTP_TIMEOUT). Between dependencies the benchmark
waits out the circuit breakers' pause, so every phase starts from closed circuits.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from tests.benchmarks import clones, services
from tests.benchmarks.bench import Bench
from tests.benchmarks.figures.pages import COOKIE, mark_active, probe
from tests.benchmarks.processes import Workers
from tests.benchmarks.report import Row
from tests.benchmarks.wrk import WRK_TIMEOUT, Load, WrkResult, run_wrk, write_requests

FREEZE = 10  # seconds
HTTP_TIMEOUT = 5.0  # the web app's default
BREAKER_PAUSE = 10.0
# 16 threads, as in the fault-injection report that asked for this figure; one per wrk connection.
WORKERS = Workers(processes=2, threads=8, connections=8)


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (a gunicorn master and its workers), read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [pid]
    while pending:
        tree.append(current := pending.pop())
        pending += children.get(current, [])
    return tree


@contextmanager
def frozen(pids: list[int]):
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def under_load(url: str, cookies: Path) -> tuple[WrkResult, WrkResult]:
    """`/profile` and `/weather` driven at once for FREEZE seconds, 8 connections each; any status counted."""
    results: dict[str, WrkResult] = {}

    def drive(page: str) -> None:
        results[page] = run_wrk(f"{url}/{page}", Load(duration=FREEZE, connections=8), cookies, strict=False)

    threads = [threading.Thread(target=drive, args=(page,)) for page in ("profile", "weather")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results["profile"], results["weather"]


def run(bench: Bench) -> list[Row]:
    app = services.start_webapp(bench, "redis", name="webapp-faults", workers=WORKERS)
    page = probe(bench, app)
    sessions = clones.sessions_for(app)
    sids = [page.sid, *sessions.clone(page.sid, 99)]
    cookies = write_requests(bench.scratch / "cookies-faults.txt", [{"Cookie": f"{COOKIE}={sid}"} for sid in sids])
    dependencies = [("the weather API", "a", bench.weather_api.process.pid, 0.80),
                    ("Redis", "b", bench.redis.process.pid, None),  # every page needs it: nothing to keep
                    ("Cognito", "c", bench.cognito.process.process.pid, None)]  # these pages need it only to refresh
    rows = []
    for name, letter, pid, target in dependencies:
        mark_active(sessions, sids)
        profile_before, _ = under_load(app.url, cookies)
        with frozen(process_tree(pid)):
            profile, weather = under_load(app.url, cookies)
        ratio = profile.expected_per_second / profile_before.expected_per_second
        slowest = max(profile.max_ms, weather.max_ms) / 1000
        timed_out = profile.socket_errors + weather.socket_errors  # not answered within wrk's timeout, or at all
        rows += [
            Row(f"8{letter}1. /profile answered (200) per second while {name} is frozen ÷ just before",
                f"{profile.expected_per_second:,.0f} req/s (any answer: {profile.per_second:,.0f}/s)",
                f"{profile_before.expected_per_second:,.0f} req/s",
                f"{ratio:.2f}", f"≥ {target:.2f}" if target else "report", ratio >= target if target else None),
            Row(f"8{letter}2. Slowest page (/profile or /weather) while {name} is frozen",
                (f"≥ {WRK_TIMEOUT} s ({timed_out} requests unanswered)" if timed_out else f"{slowest:.1f} s")
                + f"; median /weather {weather.p50_ms:,.0f} ms", "—", "—",
                f"≤ {HTTP_TIMEOUT + 1:.1f} s", slowest <= HTTP_TIMEOUT + 1 and not timed_out),
        ]
        time.sleep(BREAKER_PAUSE + 1)  # the next phase starts with every circuit closed
    return rows
