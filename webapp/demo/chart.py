"""The forecast as a line chart: a pure function from days to SVG geometry, drawn by `templates/weather/_chart.html`.

Hand-written because it is a few lines of arithmetic: a charting library would bring JavaScript (which the CSP
forbids) or a plotting stack far larger than the page. Everything visual (colours, strokes, fonts, text anchors)
is a class styled from `static/style.css`; this module only decides where things go and what they say.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from webapp.weather_api.forecast import DayForecast

WIDTH, HEIGHT = 800, 320
# Room around the plot for the axis labels: left for °C ticks and the axis title, bottom for two-line day labels.
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 16, 28, 56
# Where a marker's temperature label is centred: this far above the marker, or below it in a valley (if that
# keeps the label, this tall from its centre to its edge, off the axis).
LABEL_OFFSET, LABEL_HALF_HEIGHT = 15, 8
NICE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100)
MAX_TICKS = 6


@dataclass(frozen=True)
class Tick:
    """A horizontal grid line at `y` for `value` degrees."""

    value: int
    y: float
    label: str


@dataclass(frozen=True)
class Point:
    """One day: where its marker goes, its temperature label (at `label_y`), the weekday and date under the axis."""

    x: float
    y: float
    label: str
    label_y: float
    weekday: str
    day: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    ticks: tuple[Tick, ...]
    points: tuple[Point, ...]
    title: str
    description: str

    @property
    def line(self) -> str:
        """The `points` attribute of the polyline joining the days."""
        return " ".join(f"{point.x},{point.y}" for point in self.points)

    @property
    def middle_y(self) -> float:
        return round((self.top + self.bottom) / 2, 1)


def temperature_chart(days: Sequence[DayForecast], place: str) -> Chart:
    """The layout of a chart of `days`' temperatures (°C) in `place`; `days` must not be empty."""
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    top, bottom = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
    values = [day.temperature_c for day in days]
    scale = nice_scale(min(values), max(values))
    low, high = scale[0], scale[-1]

    def y_of(value: int) -> float:
        return round(bottom - (value - low) / (high - low) * (bottom - top), 1)

    band = (right - left) / len(days)
    points = []
    for index, day in enumerate(days):
        y = y_of(day.temperature_c)
        below = is_valley(values, index) and y + LABEL_OFFSET + LABEL_HALF_HEIGHT <= bottom
        points.append(Point(round(left + (index + 0.5) * band, 1), y, f"{day.temperature_c} °C",
                            round(y + LABEL_OFFSET if below else y - LABEL_OFFSET, 1),
                            day.date.strftime("%a"), day_label(day)))
    ticks = tuple(Tick(value, y_of(value), f"{value}°") for value in scale)
    return Chart(WIDTH, HEIGHT, left, right, top, bottom, ticks, tuple(points),
                 title=f"Temperature in {place}, next {plural(len(days), 'day')}", description=describe(days, place))


def is_valley(values: Sequence[int], index: int) -> bool:
    """Lower than its neighbours: the line rises on both sides, so the label goes under the marker, clear of it."""
    neighbours = [*values[max(0, index - 1):index], *values[index + 1:index + 2]]
    return bool(neighbours) and all(value > values[index] for value in neighbours)


def nice_scale(low: int, high: int) -> list[int]:
    """Round tick values from at or below `low` to at or above `high`: at most MAX_TICKS, 1/2/5×10ⁿ apart."""
    if low == high:
        low, high = low - 1, high + 1
    for step in NICE_STEPS:
        start, stop = math.floor(low / step) * step, math.ceil(high / step) * step
        if (stop - start) // step + 1 <= MAX_TICKS:
            break
    return list(range(start, stop + step, step))


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def day_label(day: DayForecast) -> str:
    return f"{day.date.day} {day.date:%b}"


def describe(days: Sequence[DayForecast], place: str) -> str:
    """What the chart shows, in words, for people who cannot see it (the table has every number too)."""
    coldest = min(days, key=lambda day: day.temperature_c)
    warmest = max(days, key=lambda day: day.temperature_c)
    return (
        f"Daily temperatures in {place} from {days[0].date:%a} {day_label(days[0])} "
        f"to {days[-1].date:%a} {day_label(days[-1])}: "
        f"lowest {coldest.temperature_c} °C on {coldest.date:%a} {day_label(coldest)}, "
        f"highest {warmest.temperature_c} °C on {warmest.date:%a} {day_label(warmest)}."
    )
