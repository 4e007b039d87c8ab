"""The weather API's forecasts and what its callers share of them (the city catalogue, the scope it requires, the
answer's shape): the API serves them, the web app and the CLI read them, and neither needs the API's package.

Five-day forecasts in the seeds' shape, made up but plausible: the same city and day always get the same weather.

Each city has twelve monthly mean temperatures (rounded climate normals) and a day-to-day spread. A day's
temperature is the mean for that date (interpolated between mid-month values, so seasons change smoothly) plus a
variation drawn from a SHA-256 hash of the city and the date: deterministic without any stored state, and
different from one day and one city to the next.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass

#: The seeds' summaries, coldest first; each applies from its threshold (°C) up to the next one.
SUMMARY_BANDS = (
    (-273, "Freezing"),
    (-4, "Bracing"),
    (3, "Chilly"),
    (9, "Cool"),
    (14, "Mild"),
    (19, "Warm"),
    (24, "Balmy"),
    (28, "Hot"),
    (33, "Sweltering"),
    (38, "Scorching"),
)
SUMMARIES = tuple(summary for _, summary in SUMMARY_BANDS)
FORECAST_DAYS = 5
# What a reader accepts: more days than any forecast has, or text longer than any summary, is not a forecast.
MAX_DAYS, MAX_SUMMARY = 16, 64
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Climate:
    name: str
    monthly_mean_c: tuple[float, ...]  # January..December, daily mean temperature
    spread_c: float  # typical day-to-day departure from the mean


CLIMATES = {
    climate.name.lower().replace(" ", "-"): climate
    for climate in (
        Climate("Cairo", (14.0, 15.3, 17.9, 21.6, 25.3, 27.3, 28.0, 28.0, 26.3, 23.6, 19.3, 15.6), 2.5),
        Climate("Cape Town", (21.4, 21.6, 20.3, 17.9, 15.6, 13.6, 12.9, 13.4, 14.8, 16.8, 18.6, 20.3), 3.0),
        Climate("Dubai", (19.7, 20.9, 23.6, 27.7, 31.9, 33.7, 35.6, 35.9, 33.3, 29.8, 25.4, 21.5), 2.0),
        Climate("London", (5.2, 5.3, 7.6, 9.9, 13.3, 16.5, 18.7, 18.5, 15.7, 12.0, 8.0, 5.5), 3.0),
        Climate("Moscow", (-6.2, -5.9, -0.7, 6.8, 13.2, 17.0, 19.2, 17.0, 11.3, 5.6, -0.5, -4.4), 4.5),
        Climate("Mumbai", (24.6, 25.3, 27.4, 28.9, 30.2, 29.0, 27.6, 27.3, 27.6, 28.7, 27.9, 26.1), 1.5),
        Climate("New York", (0.5, 1.7, 5.6, 11.5, 17.2, 22.4, 25.3, 24.7, 20.8, 14.6, 8.9, 3.6), 4.5),
        Climate("Phoenix", (13.6, 15.3, 18.6, 22.6, 27.8, 33.0, 35.2, 34.5, 31.6, 24.8, 17.9, 12.7), 2.5),
        Climate("Reykjavik", (-0.5, 0.4, 0.5, 2.9, 6.3, 9.0, 10.6, 10.3, 7.4, 4.4, 1.1, -0.2), 3.0),
        Climate("Seattle", (5.6, 6.4, 8.3, 10.6, 13.9, 16.6, 19.4, 19.6, 16.8, 11.9, 8.2, 5.3), 3.0),
        Climate("Singapore", (26.5, 27.1, 27.5, 28.0, 28.3, 28.3, 27.9, 27.8, 27.6, 27.6, 26.9, 26.4), 1.0),
        Climate("Sydney", (23.5, 23.4, 22.1, 19.5, 16.6, 14.2, 13.4, 14.5, 17.0, 18.9, 20.4, 22.1), 3.0),
        Climate("Tokyo", (5.2, 5.7, 8.7, 13.9, 18.2, 21.4, 25.0, 26.4, 22.8, 17.5, 12.1, 7.6), 3.0),
        Climate("Toronto", (-5.5, -4.5, 0.1, 6.7, 13.1, 18.4, 21.5, 20.6, 16.3, 9.6, 3.7, -2.2), 4.5),
    )
}
#: The `city` values the API accepts, in the order the OpenAPI document lists them.
CITIES = tuple(sorted(CLIMATES))
#: The same catalogue with the names people read: the part of this module clients (the web app's city picker)
#: may rely on, as the OpenAPI document publishes it; the climates behind it are the API's own business.
CITY_NAMES = {city: CLIMATES[city].name for city in CITIES}
DEFAULT_CITY = "seattle"
#: The scope the API requires unless configured otherwise (WEATHER_API_SCOPE).
DEFAULT_API_SCOPE = "weatherapi/read"


def fahrenheit(celsius: int) -> int:
    """The seeds' conversion, kept exactly (it truncates, so it can be a degree off a rounded conversion)."""
    return 32 + int(celsius / 0.5556)


def summary_for(celsius: int) -> str:
    return [summary for threshold, summary in SUMMARY_BANDS if celsius >= threshold][-1]


def seasonal_mean(climate: Climate, day: datetime.date) -> float:
    """The mean for `day`, linear between the 15th of each month (the monthly means' nominal dates)."""
    this_mid = day.replace(day=15)
    if day >= this_mid:
        before, after = this_mid, _add_months(this_mid, 1)
    else:
        before, after = _add_months(this_mid, -1), this_mid
    weight = (day - before).days / (after - before).days
    start, end = climate.monthly_mean_c[before.month - 1], climate.monthly_mean_c[after.month - 1]
    return start + (end - start) * weight


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def variation(city: str, day: datetime.date) -> float:
    """A number in [-1, 1], peaked at 0 (the sum of two uniform draws), fixed for a city and a day."""
    digest = hashlib.sha256(f"{city}|{day.isoformat()}".encode()).digest()
    first, second = digest[0:4], digest[4:8]
    return int.from_bytes(first, "big") / 0xFFFFFFFF + int.from_bytes(second, "big") / 0xFFFFFFFF - 1


@dataclass(frozen=True)
class DayForecast:
    """One day as the API serves it (`day_forecast` writes it; the web page and the CLI read it with
    `parse_forecast`): the seeds' `WeatherForecast`."""

    date: datetime.date
    temperature_c: int
    temperature_f: int
    summary: str

    def to_json(self) -> dict:
        return {"date": self.date.isoformat(), "temperatureC": self.temperature_c,
                "temperatureF": self.temperature_f, "summary": self.summary}

    @classmethod
    def from_json(cls, day: object) -> "DayForecast":
        """The day, or ValueError for anything that is not one (a reader must not trust the API's shape)."""
        if not isinstance(day, dict):
            raise ValueError("not a day")
        date, celsius, fahrenheit, summary = (day.get(k) for k in ("date", "temperatureC", "temperatureF", "summary"))
        if not (isinstance(date, str) and ISO_DATE.fullmatch(date) and is_temperature(celsius)
                and is_temperature(fahrenheit) and isinstance(summary, str) and 0 < len(summary) <= MAX_SUMMARY):
            raise ValueError("not a day")
        return cls(datetime.date.fromisoformat(date), celsius, fahrenheit, summary)


def is_temperature(value: object) -> bool:
    """A whole number of degrees within what any thermometer on Earth has read (either scale)."""
    return isinstance(value, int) and not isinstance(value, bool) and -150 <= value <= 150


def parse_forecast(body: bytes) -> list[DayForecast]:
    """The API's answer as days, or ValueError for anything else. Hand-written rather than a schema library: four
    fields, and neither reader has another use for one."""
    try:
        days = json.loads(body)
    except RecursionError:  # a body of nothing but nested brackets
        raise ValueError("nested too deep") from None
    if not isinstance(days, list) or not 1 <= len(days) <= MAX_DAYS:
        raise ValueError("not a list of days")
    return [DayForecast.from_json(day) for day in days]


def day_forecast(city: str, day: datetime.date) -> dict:
    climate = CLIMATES[city]
    celsius = round(seasonal_mean(climate, day) + 2 * climate.spread_c * variation(city, day))
    return DayForecast(day, celsius, fahrenheit(celsius), summary_for(celsius)).to_json()


def five_day_forecast(city: str, today: datetime.date) -> list[dict]:
    """The days after `today`, like the seeds' `Enumerable.Range(1, 5)`."""
    return [day_forecast(city, today + datetime.timedelta(days=offset)) for offset in range(1, FORECAST_DAYS + 1)]
