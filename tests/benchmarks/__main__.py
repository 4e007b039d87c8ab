"""`make bench`: run every benchmark against real servers on loopback and print one table.

    python -m tests.benchmarks [--runs N] [--seconds S] [--only NAME ...] [--output FILE]

Every figure is a ratio against a ceiling measured in the same run (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

from tests.benchmarks.bench import Bench
from tests.benchmarks.figures import FIGURES
from tests.benchmarks.measure import Plan
from tests.benchmarks.report import Row, broken_row, markdown, missing_row
from tests.benchmarks.wrk import Load

DEFAULT_OUTPUT = Path(__file__).with_name("results.md")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="wrk runs per app and per ceiling (median taken)")
    parser.add_argument("--seconds", type=int, default=2, help="length of one wrk run (whole seconds)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--only", nargs="*", choices=sorted(FIGURES), help="run only these benchmarks")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the table")
    return parser.parse_args(argv)


def missing_tools() -> list[str]:
    return [tool for tool in ("wrk", "redis-server") if shutil.which(tool) is None]


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if missing_tools():
        print(f"make bench needs {' and '.join(missing_tools())} on PATH (Debian: apt-get install wrk redis-server)",
              file=sys.stderr)
        return 2
    plan = Plan(runs=args.runs, load=Load(duration=args.seconds, connections=args.connections))
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch, Bench(Path(scratch), plan) as bench:
        for name, figure in FIGURES.items():
            if args.only and name not in args.only:
                continue
            print(f"[bench] {name} ...", file=sys.stderr, flush=True)
            try:
                new_rows = figure(bench)
            except ImportError as error:  # a piece of the project this figure measures has not landed yet
                new_rows = [missing_row(name, f"needs {error.name or error}")]
            except Exception as error:  # one broken figure must not hide the others' results
                traceback.print_exc()
                new_rows = [broken_row(name, error)]
            for row in new_rows:
                print(f"[bench]   {row.figure}: {row.measured} / {row.ceiling} = {row.ratio} ({row.verdict})",
                      file=sys.stderr, flush=True)
            rows.extend(new_rows)
    settings = (
        f"median of {plan.runs} wrk runs of {plan.load.duration} s, {plan.load.connections} connections; "
        f"gunicorn gthread, {bench.workers.processes} workers × {bench.workers.threads} threads for every app and "
        f"its ceiling (the embedded-store web app: 1 × 8, and its ceilings too)"
    )
    table = markdown(rows, settings)
    print(table)
    args.output.write_text(table)
    print(f"[bench] table written to {args.output}", file=sys.stderr)
    # A missed target is a result to read in the table; only a benchmark that could not run is an error.
    return 1 if any(row.broken for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
