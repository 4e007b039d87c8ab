"""Figure 0: the ceiling app against a second copy of itself, to show how much the ratios move by chance.

Both are the same code under the same gunicorn settings, so the true ratio is 1; the distance from 1 is the
noise of this machine at this moment, which is what "within 10%" in figure 5 has to be read against.
"""

from __future__ import annotations

from tests.benchmarks.bench import Bench
from tests.benchmarks.measure import Target
from tests.benchmarks.report import Row


def run(bench: Bench) -> list[Row]:
    first = bench.gunicorn("ceiling-a", "tests.benchmarks.ceilings:page_app(size=4096)")
    second = bench.gunicorn("ceiling-b", "tests.benchmarks.ceilings:page_app(size=4096)")
    result = bench.compare(Target(f"{first.url}/page"), Target(f"{second.url}/page"))
    return [
        Row(
            "0. Noise: bare page ÷ an identical copy of itself",
            f"{result.app_per_second:,.0f} req/s",
            f"{result.ceiling_per_second:,.0f} req/s",
            f"{result.ratio:.2f}",
            "≈ 1.00 (for reading the others)",
        )
    ]
