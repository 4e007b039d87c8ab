"""The benchmarks, in the order they run: name → function(bench) returning table rows."""

from __future__ import annotations

from tests.benchmarks.figures import api, calibration

FIGURES = {
    "calibration": calibration.run,
    "api": api.run,
}
