"""A quick check that the benchmark harness measures what it claims (the benchmarks themselves: `make bench`).

wrk must report a run whose responses had another status than expected as an error, not as a fast result:
otherwise a benchmark of a signed-in page could silently measure redirects to the sign-in page.
"""

from __future__ import annotations

import pytest

from tests.benchmarks.ceilings import page_app
from tests.benchmarks.measure import Rounds
from tests.benchmarks.report import Row, markdown
from tests.benchmarks.wrk import Load, LoadError, WrkResult, run_wrk, write_requests
from tests.servers import ServerThread, require_binary


@pytest.fixture(scope="module")
def bare_page():
    server = ServerThread(page_app(size=2000)).start()
    yield server.url
    server.stop()


def test_wrk_counts_requests_with_the_expected_status(bare_page, tmp_path):
    require_binary("wrk", "wrk")
    headers = write_requests(tmp_path / "headers.txt", [{"Cookie": "session=one"}, {"Cookie": "session=two"}])
    result = run_wrk(f"{bare_page}/page", Load(duration=1, connections=2), headers)
    assert result.requests > 0 and result.per_second > 0


def test_wrk_run_with_unexpected_statuses_is_an_error(bare_page):
    require_binary("wrk", "wrk")
    with pytest.raises(LoadError, match="had status 404"):
        run_wrk(f"{bare_page}/missing", Load(duration=1, connections=2))


def test_table_lists_figures_in_order_with_verdicts():
    rows = [
        Row("2a. second", "1 req/s", passed=False),
        Row("1a. first", "2 req/s", passed=True),
        Row("3a. third", "error: it broke", broken=True),
    ]
    lines = markdown(rows, "settings").splitlines()
    assert [line.split(" | ")[0] for line in lines[2:5]] == ["| 1a. first", "| 2a. second", "| 3a. third"]
    assert [line.split(" | ")[-1] for line in lines[2:5]] == ["pass |", "**miss** |", "**ERROR** |"]


def test_a_comparison_pairs_the_runs_of_each_round():
    def runs(*per_second: int) -> list[WrkResult]:
        return [WrkResult(requests=n, seconds=1.0, p50_ms=1.0, p99_ms=2.0) for n in per_second]

    # Round by round the app does as well as the ceiling, twice; the medians alone (100 vs 400) would say 0.25.
    rounds = Rounds({"app": runs(100, 100, 400), "ceiling": runs(100, 400, 400)})
    comparison = rounds.comparison("app", "ceiling")
    assert comparison.ratio == 1.0
    assert (comparison.app_per_second, comparison.ceiling_per_second) == (100, 400)
