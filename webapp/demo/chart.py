"""The forecast as a line chart: a pure function from days to SVG geometry, drawn by `templates/weather/_chart.html`.

Hand-written because it is a few lines of arithmetic: a charting library would bring JavaScript (which the CSP
forbids) or a plotting stack far larger than the page. Everything visual (colours, strokes, fonts, text anchors)
is a class styled from `static/style.css`; this module only decides where things go and what they say.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from webapp.forecast import DayForecast


@dataclass(frozen=True)
class Layout:
    """A chart's size and the room its text needs, in SVG units, for the font size `static/style.css` gives
    `.chart-{name} text`. A marker's temperature label is centred `label_offset` above or below the marker;
    `label_half_height` is from a label's centre to its edge."""

    name: str
    width: int
    height: int
    margin_left: int  # the °C ticks (and the axis title, if any)
    margin_right: int
    margin_top: int  # a label above the warmest marker
    margin_bottom: int  # the weekday and date rows
    label_offset: int
    label_half_height: int
    weekday_y: int  # below the axis
    date_y: int
    axis_title: bool


# Desktop and tablet: wide, with a vertical axis title. Phones: narrow, so that drawn across a phone's width the
# text stays as large as the page's small print (≥ 12 CSS px at 390 px); the stylesheet shows one or the other.
WIDE = Layout("wide", 800, 320, 72, 16, 30, 52, 16, 9, 22, 42, axis_title=True)
COMPACT = Layout("compact", 352, 260, 40, 8, 30, 50, 16, 9, 22, 42, axis_title=False)
LAYOUTS = (WIDE, COMPACT)
NICE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100)
MAX_TICKS = 6
MARKER_CLEARANCE = 7  # from a marker's centre to a label beside it: its radius, stroke and a gap


@dataclass(frozen=True)
class Tick:
    """A horizontal grid line at `y` for `value` degrees."""

    value: int
    y: float
    label: str


@dataclass(frozen=True)
class Point:
    """One day: where its marker goes, its temperature label (at `label_x`, `label_y`, on the marker's `label_side`),
    the weekday and date under the axis."""

    x: float
    y: float
    label: str
    label_x: float
    label_y: float
    label_side: str
    weekday: str
    day: str


@dataclass(frozen=True)
class Chart:
    layout: Layout
    left: float
    right: float
    top: float
    bottom: float  # the horizontal axis
    floor: float  # the lowest tick, above the axis
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
        return round((self.top + self.floor) / 2, 1)


def temperature_chart(days: Sequence[DayForecast], place: str, layout: Layout = WIDE) -> Chart:
    """The layout of a chart of `days`' temperatures (°C) in `place`; `days` must not be empty."""
    left, right = layout.margin_left, layout.width - layout.margin_right
    top, bottom = layout.margin_top, layout.height - layout.margin_bottom
    # Room between the lowest tick and the axis for the label under a marker at the bottom of a dip.
    floor = bottom - layout.label_offset - layout.label_half_height
    values = [day.temperature_c for day in days]
    scale = nice_scale(min(values), max(values))
    low, high = scale[0], scale[-1]

    def y_of(value: int) -> float:
        return round(floor - (value - low) / (high - low) * (floor - top), 1)

    band = (right - left) / len(days)
    points = []
    for index, day in enumerate(days):
        x, y, side = round(left + (index + 0.5) * band, 1), y_of(day.temperature_c), label_side(values, index)
        label_x = x + {"above-left": -MARKER_CLEARANCE, "above-right": MARKER_CLEARANCE}.get(side, 0)
        label_y = y + (layout.label_offset if side == "below" else -layout.label_offset)
        points.append(Point(x, y, f"{day.temperature_c} °C", round(label_x, 1), round(label_y, 1), side,
                            day.date.strftime("%a"), day_label(day)))
    ticks = tuple(Tick(value, y_of(value), f"{value}°") for value in scale)
    return Chart(layout, left, right, top, bottom, floor, ticks, tuple(points),
                 title=f"Temperature in {place}, next {plural(len(days), 'day')}", description=describe(days, place))


def label_side(values: Sequence[int], index: int) -> str:
    """Where the line leaves room for a marker's label: "below" a dip and "above" a peak (the line leaves them
    only upwards, or only downwards); on a slope, above the marker on its downhill side ("above-left" where the
    line climbs to the right), since the line rises on the other side and passes below on this one."""
    here, before, after = values[index], values[index - 1:index], values[index + 1:index + 2]
    if all(value >= here for value in (*before, *after)):
        return "below"
    if all(value <= here for value in (*before, *after)):
        return "above"
    return "above-left" if after[0] > here else "above-right"


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
