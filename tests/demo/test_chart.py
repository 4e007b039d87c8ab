"""The chart's geometry (webapp.demo.chart) and its SVG (templates/weather/_chart.html), without servers."""

from __future__ import annotations

import datetime
import math
import xml.etree.ElementTree as ET

from flask import render_template_string
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.demo.chart import LAYOUTS, MAX_TICKS, NICE_STEPS, Layout, nice_scale, temperature_chart
from webapp.forecast import FORECAST_DAYS, DayForecast

SVG = "{http://www.w3.org/2000/svg}"
MONDAY = datetime.date(2030, 1, 7)
FONT_SIZE = {"wide": 15, "compact": 14}  # static/style.css's .chart-wide and .chart-compact text
EM_WIDTH = {**dict.fromkeys("0123456789", 0.7), "-": 0.42, " ": 0.35, "°": 0.5}  # others (C): 0.75


def forecast(*temperatures: int) -> list[DayForecast]:
    return [DayForecast(MONDAY + datetime.timedelta(days=i), c, 32 + int(c / 0.5556), "Mild")
            for i, c in enumerate(temperatures)]


def test_points_follow_the_days_left_to_right_and_warmer_is_higher():
    chart = temperature_chart(forecast(5, 9, 7, -2, 12), "Seattle")
    xs = [point.x for point in chart.points]
    assert xs == sorted(xs) and len(set(xs)) == 5
    gaps = {round(b - a, 1) for a, b in zip(xs, xs[1:])}
    assert len(gaps) == 1  # evenly spaced
    ys = {point.label: point.y for point in chart.points}
    assert ys["12 °C"] < ys["9 °C"] < ys["7 °C"] < ys["5 °C"] < ys["-2 °C"]
    assert [point.weekday for point in chart.points] == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    assert [point.day for point in chart.points] == ["7 Jan", "8 Jan", "9 Jan", "10 Jan", "11 Jan"]


def test_ticks_are_round_and_frame_the_data():
    chart = temperature_chart(forecast(5, 9, 7, -2, 12), "Seattle")
    assert [tick.value for tick in chart.ticks] == [-5, 0, 5, 10, 15]
    assert [tick.label for tick in chart.ticks] == ["-5°", "0°", "5°", "10°", "15°"]
    assert chart.ticks[0].y == chart.floor < chart.bottom and chart.ticks[-1].y == chart.top


def test_one_temperature_all_week_sits_mid_chart():
    chart = temperature_chart(forecast(20, 20, 20), "Singapore")
    assert [tick.value for tick in chart.ticks] == [19, 20, 21]
    assert {point.y for point in chart.points} == {chart.middle_y}


def test_title_and_description_say_what_the_chart_shows():
    chart = temperature_chart(forecast(5, 9, 7, -2, 12), "Seattle")
    assert chart.title == "Temperature in Seattle, next 5 days"
    assert chart.description == (
        "Daily temperatures in Seattle from Mon 7 Jan to Fri 11 Jan: "
        "lowest -2 °C on Thu 10 Jan, highest 12 °C on Fri 11 Jan."
    )


@settings(max_examples=300, deadline=None)
@given(st.integers(-150, 150), st.integers(-150, 150))
def test_scale_is_nice_short_and_covers_the_range(a, b):
    low, high = min(a, b), max(a, b)
    scale = nice_scale(low, high)
    assert scale[0] <= low and scale[-1] >= high and scale[0] < scale[-1]
    assert 2 <= len(scale) <= MAX_TICKS
    steps = {right - left for left, right in zip(scale, scale[1:])}
    assert len(steps) == 1 and steps.pop() in NICE_STEPS


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-150, 150), min_size=1, max_size=16))
def test_every_point_is_inside_the_plot(temperatures):
    chart = temperature_chart(forecast(*temperatures), "Anywhere")
    for point in chart.points:
        assert chart.left < point.x < chart.right
        assert chart.top <= point.y <= chart.bottom


def render(app, chart) -> ET.Element:
    with app.test_request_context():
        svg = render_template_string(
            '{% from "weather/_chart.html" import temperature_chart %}{{ temperature_chart(chart) }}', chart=chart)
    return ET.fromstring(svg)


def test_svg_is_accessible_and_styled_only_by_classes(app):
    svg = render(app, temperature_chart(forecast(5, 9, 7, -2, 12), "Seattle"))
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Temperature in Seattle, next 5 days" and desc.text.startswith("Daily temperatures")
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    assert "Temperature (°C)" in texts and "Mon" in texts and "11 Jan" in texts and "-2 °C" in texts
    for element in svg.iter():
        assert not {"style", "fill", "stroke", "onload", "onclick"} & set(element.attrib)
        assert element.tag not in (f"{SVG}script", f"{SVG}style", f"{SVG}foreignObject")
    polyline = svg.find(f"{SVG}polyline")
    assert polyline.get("class") == "chart-line" and len(polyline.get("points").split()) == 5


def test_place_names_are_escaped_in_the_svg(app):
    svg = render(app, temperature_chart(forecast(1), '<script>"x"</script>'))
    assert svg.find(f"{SVG}title").text == 'Temperature in <script>"x"</script>, next 1 day'
    assert svg.find(f".//{SVG}script") is None


def test_labels_sit_where_the_line_leaves_room():
    sides = [point.label_side for point in temperature_chart(forecast(10, 2, 10, 6, 9, 9), "Seattle").points]
    assert sides == ["above", "below", "above", "below", "above", "below"]  # level to its left: a dip
    sides = [point.label_side for point in temperature_chart(forecast(3, 5, 7, 5, 3), "Seattle").points]
    assert sides == ["below", "above-left", "above", "above-right", "below"]


def label_box(point, layout: Layout) -> tuple[float, float, float, float]:
    """A label's box, as wide as DejaVu Sans Bold (Debian's system-ui, and wider than most) draws it."""
    width = sum(EM_WIDTH.get(character, 0.75) for character in point.label) * FONT_SIZE[layout.name]
    left = {"above-left": point.label_x - width, "above-right": point.label_x}.get(point.label_side,
                                                                                   point.label_x - width / 2)
    return left, point.label_y - layout.label_half_height, left + width, point.label_y + layout.label_half_height


def crosses(segment, box, margin: float = 1.5) -> bool:
    """Whether the segment (the line is 3 units wide) passes through the box, checked every tenth of a unit."""
    (x1, y1), (x2, y2) = segment
    steps = max(1, math.ceil(math.dist((x1, y1), (x2, y2)) * 10))
    return any(box[0] - margin <= x1 + (x2 - x1) * i / steps <= box[2] + margin
               and box[1] - margin <= y1 + (y2 - y1) * i / steps <= box[3] + margin for i in range(steps + 1))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-60, 60), min_size=FORECAST_DAYS, max_size=FORECAST_DAYS), st.sampled_from(LAYOUTS))
def test_labels_are_clear_of_the_line_the_axis_and_each_other(temperatures, layout):
    chart = temperature_chart(forecast(*temperatures), "Anywhere", layout)
    segments = [((a.x, a.y), (b.x, b.y)) for a, b in zip(chart.points, chart.points[1:])]
    boxes = [label_box(point, layout) for point in chart.points]
    for point, box in zip(chart.points, boxes):
        assert not any(crosses(segment, box) for segment in segments), (temperatures, point)
        assert 0 <= box[1] and box[3] <= chart.bottom  # above the axis and its day labels
    for a, b in zip(boxes, boxes[1:]):  # nor on each other
        assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), temperatures
