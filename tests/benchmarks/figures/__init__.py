"""The benchmarks, in the order the table lists them: name → function(bench) returning table rows."""

from __future__ import annotations

from tests.benchmarks.figures import calibration

FIGURES = {
    "calibration": calibration.run,
}
