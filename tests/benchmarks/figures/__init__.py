"""The benchmarks, in the order they run: name → function(bench) returning table rows (sorted by figure later)."""

from __future__ import annotations

from tests.benchmarks.figures import api, calibration, faults, footprint, pages, signin

FIGURES = {
    "calibration": calibration.run,
    "api": api.run,
    "pages-redis": pages.run_redis,
    "pages-embedded": pages.run_embedded,
    "sign-in": signin.run_sign_in,
    "refresh-redis": signin.run_refresh_redis,
    "refresh-embedded": signin.run_refresh_embedded,
    "footprint": footprint.run,
    "faults": faults.run,
}
