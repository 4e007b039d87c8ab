"""Paired, interleaved wrk runs of an app and its ceiling, reduced to medians and a ratio."""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from tests.benchmarks.wrk import Load, run_wrk


@dataclass(frozen=True)
class Target:
    """A URL to load and the requests (headers) to send to it."""

    url: str
    requests_file: Path | None = None


@dataclass(frozen=True)
class Comparison:
    app_per_second: float
    ceiling_per_second: float
    ratio: float
    app_p50_ms: float
    ceiling_p50_ms: float


@dataclass(frozen=True)
class Plan:
    """How many runs of what length; `make bench` keeps the defaults, BENCH_RUNS/BENCH_SECONDS change them."""

    runs: int = 7
    load: Load = Load()
    warmup_seconds: int = 1


def compare(app: Target, ceiling: Target, plan: Plan) -> Comparison:
    """Alternate app and ceiling runs so drift on a shared machine hits both alike.

    The ratio is the median of the per-pair ratios (each pair ran back to back), which is steadier than the
    ratio of two medians taken minutes apart.
    """
    warmup = replace(plan.load, duration=plan.warmup_seconds)
    for target in (app, ceiling):
        run_wrk(target.url, warmup, target.requests_file)
    app_runs, ceiling_runs = [], []
    for _ in range(plan.runs):
        app_runs.append(run_wrk(app.url, plan.load, app.requests_file))
        ceiling_runs.append(run_wrk(ceiling.url, plan.load, ceiling.requests_file))
    print(f"[bench]     runs (req/s): {' '.join(f'{a.per_second:.0f}/{c.per_second:.0f}' for a, c in zip(app_runs, ceiling_runs))}",
          file=sys.stderr, flush=True)
    return Comparison(
        app_per_second=statistics.median(r.per_second for r in app_runs),
        ceiling_per_second=statistics.median(r.per_second for r in ceiling_runs),
        ratio=statistics.median(a.per_second / c.per_second for a, c in zip(app_runs, ceiling_runs)),
        app_p50_ms=statistics.median(r.p50_ms for r in app_runs),
        ceiling_p50_ms=statistics.median(r.p50_ms for r in ceiling_runs),
    )
