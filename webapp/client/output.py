"""How a forecast is printed: a table for people, JSON (the API's own shape) for scripts."""

from __future__ import annotations

import json

from webapp.client.errors import printable
from webapp.weather_api.forecast import DayForecast

#: (heading, field, right-aligned): the columns of the seeds' weather page.
COLUMNS = (("Date", "date", False), ("Temp. (C)", "temperatureC", True), ("Temp. (F)", "temperatureF", True),
           ("Summary", "summary", False))


def forecast_table(days: list[DayForecast]) -> str:
    rows = [[heading for heading, _, _ in COLUMNS]]
    rows += [[printable(str(day.to_json()[name]), limit=40) for _, name, _ in COLUMNS] for day in days]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, (_, _, right) in zip(row, widths, COLUMNS)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def forecast_json(days: list[DayForecast]) -> str:
    return json.dumps([day.to_json() for day in days], indent=2, ensure_ascii=False)
