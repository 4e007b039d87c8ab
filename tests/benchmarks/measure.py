"""Paired, interleaved wrk runs of an app and its ceiling (or of several apps and a ceiling), reduced to medians
and ratios."""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from tests.benchmarks.wrk import Load, WrkResult, run_wrk


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
    return run_rounds({"app": app, "ceiling": ceiling}, plan).comparison("app", "ceiling")


@dataclass(frozen=True)
class Rounds:
    """wrk results of several targets, one run of each per round, in the same order in every list."""

    runs: dict[str, list[WrkResult]]

    def comparison(self, app: str, ceiling: str) -> Comparison:
        """`app` against `ceiling`: medians, and the median of the ratios of runs in the same round."""
        app_runs, ceiling_runs = self.runs[app], self.runs[ceiling]
        return Comparison(
            app_per_second=statistics.median(r.per_second for r in app_runs),
            ceiling_per_second=statistics.median(r.per_second for r in ceiling_runs),
            ratio=statistics.median(a.per_second / c.per_second for a, c in zip(app_runs, ceiling_runs)),
            app_p50_ms=statistics.median(r.p50_ms for r in app_runs),
            ceiling_p50_ms=statistics.median(r.p50_ms for r in ceiling_runs),
        )


def run_rounds(targets: dict[str, Target], plan: Plan) -> Rounds:
    """`plan.runs` rounds of one wrk run per target, after a warm-up of each. The order rotates from round to
    round, so that no target always runs first (or last) in a round, and any two can be compared round by round.
    """
    warmup = replace(plan.load, duration=plan.warmup_seconds)
    for target in targets.values():
        run_wrk(target.url, warmup, target.requests_file)
    names = list(targets)
    runs: dict[str, list[WrkResult]] = {name: [] for name in names}
    for round_number in range(plan.runs):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            runs[name].append(run_wrk(targets[name].url, plan.load, targets[name].requests_file))
    print("[bench]     runs (req/s): " + "; ".join(
        f"{name} {' '.join(f'{r.per_second:.0f}' for r in results)}" for name, results in runs.items()),
        file=sys.stderr, flush=True)
    return Rounds(runs)
