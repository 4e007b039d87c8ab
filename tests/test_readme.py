"""The README's configuration tables name exactly the environment variables the settings read."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Every setting is read through `webapp.environment.Env`: `env.text("NAME"`, `env.url("NAME"`, ...
SETTINGS_READ = re.compile(r'\b(?:env|self)\.(?:text|required|url|check_url|seconds|timeout|scope)\("([A-Z][A-Z0-9_]+)"')
GUNICORN_READ = re.compile(r'os\.environ(?:\.get\(|\[)"([A-Z][A-Z0-9_]+)"')
SETTINGS_MODULES = ["environment.py", "cognito_auth/settings.py", "demo/settings.py", "weather_api/settings.py",
                    "client/settings.py"]
TABLE_ROW_NAMES = re.compile(r"^\| (`[A-Z][A-Z0-9_]+`(?:, `[A-Z][A-Z0-9_]+`)*) \|", re.MULTILINE)


def configuration_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]


def test_every_setting_is_documented_and_every_documented_setting_exists():
    read = {name for module in SETTINGS_MODULES for name in SETTINGS_READ.findall((ROOT / "webapp" / module).read_text())}
    read.add("HTTP_TIMEOUT")  # `Env.timeout()` reads it by default
    read |= set(GUNICORN_READ.findall((ROOT / "deploy" / "gunicorn.conf.py").read_text())) - {
        "SESSION_REDIS_URL", "PROMETHEUS_MULTIPROC_DIR"}  # read there too / set there for prometheus-client
    documented = {name.strip("` ") for row in TABLE_ROW_NAMES.findall(configuration_section())
                  for name in row.split(",")}
    assert len(read) > 20, "settings missing: the pattern no longer matches the settings modules"
    assert read - documented == set(), "settings missing from the README's configuration tables"
    assert documented - read == set(), "the README documents settings the code does not read"
