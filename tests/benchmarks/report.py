"""The one table `make bench` prints: every figure as measured, ceiling, ratio, target and verdict."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable


@dataclass(frozen=True)
class Row:
    figure: str
    measured: str
    ceiling: str = "—"
    ratio: str = "—"
    target: str = "—"
    passed: bool | None = None  # None: reported, no target to meet (or not measured)
    broken: bool = False  # the benchmark itself failed to run: `make bench` exits non-zero

    @property
    def verdict(self) -> str:
        if self.broken:
            return "**ERROR**"
        return {True: "pass", False: "**miss**", None: "—"}[self.passed]


def at_least(value: float, target: float) -> bool:
    return value >= target


def ratio_row(figure: str, measured: float, ceiling: float, ratio: float, unit: str, target: float | None,
              meets: Callable[[float, float], bool] = at_least, sign: str = "≥") -> Row:
    """A measured/ceiling row; `target` None: reported, with no target to meet."""
    if target is None:
        return Row(figure, f"{measured:,.0f} {unit}", f"{ceiling:,.0f} {unit}", f"{ratio:.2f}", "report")
    return Row(figure, f"{measured:,.0f} {unit}", f"{ceiling:,.0f} {unit}", f"{ratio:.2f}", f"{sign} {target:.2f}",
               meets(ratio, target))


def missing_row(figure: str, reason: str) -> Row:
    return Row(figure, f"not measured: {reason}")


def broken_row(figure: str, error: BaseException) -> Row:
    message = f"{type(error).__name__}: {error}".replace("\n", " ").replace("|", "/")[:300]
    return Row(figure, f"error: {message}", broken=True)


def machine_load() -> str:
    """The 1/5/15-minute load averages: a busy neighbour shows here, and ratios move with it."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f}"


def markdown(rows: list[Row], settings: str) -> str:
    header = "| Figure | Measured | Ceiling | Ratio | Target | Result |\n|---|---:|---:|---:|---|---|\n"
    ordered = sorted(rows, key=lambda row: row.figure.split(" ", 1)[0])
    body = "".join(
        f"| {r.figure} | {r.measured} | {r.ceiling} | {r.ratio} | {r.target} | {r.verdict} |\n" for r in ordered
    )
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"
    return f"{header}{body}\n_{when}; {machine}; {machine_load()} at the end; {settings}._\n"
