"""The demo's layout as Chromium draws it on a phone (390×844), a tablet and a desktop (1280×800): chart text no
smaller than 12 CSS px and not overlapping, no temperature label crossed by the line, a one-line header that keeps
its height when someone signs in, and profile values that wrap between words only.

`WEBAPP_SCREENSHOTS=docs` also saves the weather page as the README shows it (docs/weather-page.png,
docs/weather-phone.png):
    WEBAPP_SCREENSHOTS=docs .venv/bin/python -m pytest tests/browser/test_layout.py -k readable
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_weather_flow import sign_in_through_hosted_ui
from webapp.forecast import CITIES

pytestmark = pytest.mark.browser
PHONE, TABLET, DESKTOP = {"width": 390, "height": 844}, {"width": 768, "height": 1024}, {"width": 1280, "height": 800}
# The README's screenshots: (file, whole page?) per viewport; a phone's shows what it shows without scrolling.
SCREENSHOTS = {"phone": ("weather-phone.png", False), "desktop": ("weather-page.png", True)}
SMALLEST_TEXT = 12  # CSS px: the size of the page's own small print (.875rem) rounded down
LINE_HALF_WIDTH = 1.5  # the line's stroke-width is 3 SVG units

# Each visible chart text: its content, its size in CSS px (font size × the SVG's scale) and its box on screen.
CHART_TEXTS = """() => [...document.querySelectorAll("svg.chart")].filter(svg => svg.getClientRects().length)
    .flatMap(svg => {
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return [...svg.querySelectorAll("text")].map(text => {
            const box = text.getBoundingClientRect();
            return {text: text.textContent, px: parseFloat(getComputedStyle(text).fontSize) * scale,
                    box: [box.left, box.top, box.right, box.bottom]};
        });
    })"""
# The visible chart's line (its points) and each temperature label's box, in SVG units.
LABELS_AND_LINE = """() => {
    const svg = [...document.querySelectorAll("svg.chart")].find(svg => svg.getClientRects().length);
    return {line: [...svg.querySelector(".chart-line").points].map(p => [p.x, p.y]),
            labels: [...svg.querySelectorAll(".chart-points text")].map(text => {
                const box = text.getBBox();
                return {text: text.textContent, box: [box.x, box.y, box.x + box.width, box.y + box.height]};
            })};
}"""
# For each profile value: the words drawn over more than one line, and how many lines the value takes.
BROKEN_WORDS = """() => [...document.querySelectorAll("dl.facts dd")].map(dd => {
    const walker = document.createTreeWalker(dd, NodeFilter.SHOW_TEXT), broken = [], lines = new Set();
    for (let node; (node = walker.nextNode());) {
        for (const word of node.data.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, word.index);
            range.setEnd(node, word.index + word[0].length);
            const tops = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
            tops.forEach(top => lines.add(top));
            if (tops.size > 1) broken.push(word[0]);
        }
    }
    return {value: dd.textContent.trim(), broken, lines: lines.size};
})"""


@pytest.fixture(scope="module")
def weather_app(webapp_factory, weather_api):
    return webapp_factory(weather_api_url=weather_api.url)


@pytest.fixture(scope="module")
def signed_in(chromium, weather_app, local_cognito):
    """One browser signed in for the module (each test opens its own page in it)."""
    context = chromium.new_context()
    page = context.new_page()
    user = local_cognito.demo_user
    sign_in_through_hosted_ui(page, weather_app.url, user.email, user.password)
    page.close()
    yield context
    context.close()


@pytest.fixture
def tab(signed_in) -> Page:
    page = signed_in.new_page()
    yield page
    page.close()


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def crosses(segment, box, margin: float) -> bool:
    """Whether the segment passes through the box grown by `margin` (checked every tenth of a unit along it)."""
    (x1, y1), (x2, y2) = segment
    left, top, right, bottom = box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin
    steps = max(1, math.ceil(math.dist((x1, y1), (x2, y2)) * 10))
    return any(left <= x1 + (x2 - x1) * i / steps <= right and top <= y1 + (y2 - y1) * i / steps <= bottom
               for i in range(steps + 1))


@pytest.mark.parametrize("device, viewport", [("phone", PHONE), ("tablet", TABLET), ("desktop", DESKTOP)])
def test_chart_text_is_readable_and_nothing_overlaps(tab, weather_app, device, viewport):
    tab.set_viewport_size(viewport)
    tab.goto(f"{weather_app.url}/weather")
    if os.environ.get("WEBAPP_SCREENSHOTS") and device in SCREENSHOTS:
        name, full_page = SCREENSHOTS[device]
        tab.screenshot(path=Path(os.environ["WEBAPP_SCREENSHOTS"]) / name, full_page=full_page)
    expect(tab.get_by_role("img", name="Temperature in Seattle, next 5 days")).to_have_count(1)  # one chart shown
    texts = tab.evaluate(CHART_TEXTS)
    assert len(texts) >= 5 * 3  # weekday, date and temperature of each day, and the ticks
    too_small = [(t["text"], round(t["px"], 1)) for t in texts if t["px"] < SMALLEST_TEXT]
    assert not too_small, f"chart text below {SMALLEST_TEXT} CSS px at {viewport['width']} px: {too_small}"
    touching = [(a["text"], b["text"])
                for i, a in enumerate(texts) for b in texts[i + 1:] if overlap(a["box"], b["box"])]
    assert not touching


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_temperature_label_is_crossed_by_the_line(tab, weather_app, viewport):
    tab.set_viewport_size(viewport)
    for city in CITIES:  # each city's week has its own shape: dips at either end, slopes, peaks, flats
        tab.goto(f"{weather_app.url}/weather?city={city}")
        chart = tab.evaluate(LABELS_AND_LINE)
        segments = list(zip(chart["line"], chart["line"][1:]))
        crossed = [label["text"] for label in chart["labels"]
                   if any(crosses(segment, label["box"], LINE_HALF_WIDTH) for segment in segments)]
        assert not crossed, f"{city}: the line crosses {crossed}"


def header_items(page: Page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll(".site-header .brand, .site-header li")]
        .map(item => item.getBoundingClientRect()).filter(box => box.width > 1)
        .map(box => ({top: box.top, bottom: box.bottom}))""")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_header_is_one_line_and_keeps_its_height_when_signing_in(page, weather_app, local_cognito, viewport):
    page.set_viewport_size(viewport)
    page.goto(weather_app.url)
    signed_out = page.locator(".site-header").bounding_box()["height"]
    user = local_cognito.demo_user
    sign_in_through_hosted_ui(page, weather_app.url, user.email, user.password)
    assert page.locator(".site-header").bounding_box()["height"] == signed_out
    items = header_items(page)
    assert len(items) >= 4  # the name, Weather, Profile, Sign out
    middles = {round((item["top"] + item["bottom"]) / 2) for item in items}
    assert max(middles) - min(middles) <= 2, f"the header wraps at {viewport['width']} px: {items}"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_profile_values_wrap_between_words_only(tab, weather_app, viewport):
    tab.set_viewport_size(viewport)
    tab.goto(f"{weather_app.url}/profile")
    values = tab.evaluate(BROKEN_WORDS)
    assert values and not [value for value in values if value["broken"]]
    assert max(value["lines"] for value in values) <= 3

