"""The README's configuration tables name exactly the environment variables the settings read."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_READ = re.compile(r'env\.get\("([A-Z][A-Z0-9_]+)"')
TABLE_ROW_NAMES = re.compile(r"^\| (`[A-Z][A-Z0-9_]+`(?:, `[A-Z][A-Z0-9_]+`)*) \|", re.MULTILINE)


def configuration_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]


def test_every_setting_is_documented_and_every_documented_setting_exists():
    read = set(SETTINGS_READ.findall((ROOT / "webapp" / "config.py").read_text()))
    documented = {name.strip("` ") for row in TABLE_ROW_NAMES.findall(configuration_section())
                  for name in row.split(",")}
    assert read, "no settings found: the pattern no longer matches webapp/config.py"
    assert read - documented == set(), "settings missing from the README's configuration tables"
    assert documented - read == set(), "the README documents settings the code does not read"
