"""The made-up forecast: the seeds' shape and conversion, deterministic per city and day, plausible per climate."""

from __future__ import annotations

import datetime

import pytest

from webapp.forecast import CITIES, CLIMATES, SUMMARIES, day_forecast, fahrenheit, five_day_forecast

TODAY = datetime.date(2026, 3, 14)
YEAR = [datetime.date(2026, 1, 1) + datetime.timedelta(days=n) for n in range(365)]


def test_five_days_after_today_in_the_seeds_shape():
    days = five_day_forecast("london", TODAY)
    assert [day["date"] for day in days] == ["2026-03-15", "2026-03-16", "2026-03-17", "2026-03-18", "2026-03-19"]
    for day in days:
        assert list(day) == ["date", "temperatureC", "temperatureF", "summary"]
        assert isinstance(day["temperatureC"], int) and day["summary"] in SUMMARIES


@pytest.mark.parametrize("celsius, expected", [(0, 32), (-20, -3), (37, 98), (100, 211), (-1, 31), (21, 69)])
def test_fahrenheit_is_the_seeds_formula(celsius, expected):
    assert fahrenheit(celsius) == expected == 32 + int(celsius / 0.5556)


def test_same_city_and_day_always_give_the_same_forecast():
    assert five_day_forecast("tokyo", TODAY) == five_day_forecast("tokyo", TODAY)
    # A day's forecast does not depend on when it is asked for.
    assert five_day_forecast("tokyo", TODAY)[1] == five_day_forecast("tokyo", TODAY + datetime.timedelta(days=1))[0]


def test_days_and_cities_differ():
    assert len({day_forecast("london", day)["temperatureC"] for day in YEAR}) > 10
    assert five_day_forecast("london", TODAY) != five_day_forecast("seattle", TODAY)


@pytest.mark.parametrize("city", CITIES)
def test_temperatures_stay_within_the_citys_climate(city):
    climate = CLIMATES[city]
    low = min(climate.monthly_mean_c) - 2 * climate.spread_c - 1
    high = max(climate.monthly_mean_c) + 2 * climate.spread_c + 1
    assert all(low <= day_forecast(city, day)["temperatureC"] <= high for day in YEAR)


def mean_for(city: str, month: int) -> float:
    days = [day for day in YEAR if day.month == month]
    return sum(day_forecast(city, day)["temperatureC"] for day in days) / len(days)


def test_seasons_follow_the_hemisphere():
    assert mean_for("toronto", 7) - mean_for("toronto", 1) > 20
    assert mean_for("sydney", 1) - mean_for("sydney", 7) > 6
    assert abs(mean_for("singapore", 1) - mean_for("singapore", 7)) < 3


def test_summaries_follow_the_temperature():
    assert {day_forecast("moscow", day)["summary"] for day in YEAR if day.month == 1} <= {"Freezing", "Bracing",
                                                                                         "Chilly"}
    assert {day_forecast("dubai", day)["summary"] for day in YEAR if day.month == 8} <= {"Hot", "Sweltering",
                                                                                        "Scorching"}


def test_every_summary_is_reachable():
    seen = {day_forecast(city, day)["summary"] for city in CITIES for day in YEAR}
    assert seen == set(SUMMARIES)
