"""How a forecast is printed: a table for people, JSON (the API's own shape) for scripts."""

from __future__ import annotations

import json

from webapp.client.errors import printable
from webapp.forecast import DayForecast


def forecast_table(days: list[DayForecast]) -> str:
    """The columns of the seeds' weather page, of fixed width: a date is ten characters, and a temperature at most
    four (`parse_forecast` reads no other)."""
    rows = [f"{day.date.isoformat()}  {day.temperature_c:>9}  {day.temperature_f:>9}  "
            f"{printable(day.summary, limit=40)}".rstrip() for day in days]
    return "\n".join(["Date        Temp. (C)  Temp. (F)  Summary", *rows])


def forecast_json(days: list[DayForecast]) -> str:
    return json.dumps([day.to_json() for day in days], indent=2, ensure_ascii=False)
