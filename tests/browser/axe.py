"""axe-core, the accessibility engine, run in the page by Chromium: the browser tests' automated WCAG check.

axe-core is an npm package, pinned with its integrity hash in `tests/browser/axe/package-lock.json`. The first test
that needs it installs it with `npm ci` (npm's registry only, no install scripts) into a cache directory named
after the lockfile's hash, so it is fetched once per machine and a changed pin fetches again. Without npm the tests
skip with a reason, or fail where WEBAPP_TEST_REQUIRE includes `browser` (CI).

axe runs through Playwright's `evaluate` (DevTools evaluation): the pages' CSP allows no script, and rightly so,
but it does not apply to the browser's own tooling, so the pages are checked with their real headers.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import REQUIRED, require_binary

PINNED = Path(__file__).with_name("axe")
BLOCKING = ("serious", "critical")  # axe's impacts that fail a test; "moderate" and "minor" are reported only
RUN = """async () => {
    const results = await axe.run(document, {resultTypes: ["violations"]});
    return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                         targets: v.nodes.map(n => n.target.join(" "))}));
}"""


@dataclass(frozen=True)
class Violation:
    id: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.impact} {self.id}: {self.help} ({', '.join(self.targets)})"


class Axe:
    def __init__(self, source: str):
        self.source = source

    def violations(self, page) -> list[Violation]:
        """Every WCAG and best-practice rule axe runs by default, on the page as it is now."""
        if not page.evaluate("() => Boolean(window.axe)"):
            page.evaluate(self.source)  # a script, not a function: defines window.axe
        found = page.evaluate(RUN)
        return [Violation(v["id"], v["impact"], v["help"], tuple(v["targets"])) for v in found]

    def assert_no_serious_violations(self, page) -> list[Violation]:
        """Fail on serious or critical violations; the others are returned (the report prints them)."""
        violations = self.violations(page)
        blocking = [str(v) for v in violations if v.impact in BLOCKING]
        assert not blocking, f"axe on {page.url}:\n" + "\n".join(blocking)
        return violations


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "webapp-tests"


def install() -> Path:
    """axe.min.js from the pinned package, installed on first use; the path of the file."""
    lock = (PINNED / "package-lock.json").read_bytes()
    target = cache_root() / f"axe-core-{hashlib.sha256(lock).hexdigest()[:16]}"
    script = target / "node_modules" / "axe-core" / "axe.min.js"
    if script.is_file():
        return script
    npm = require_binary("browser", "npm")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="axe-core-", dir=target.parent))
    try:
        for name in ("package.json", "package-lock.json"):
            shutil.copy(PINNED / name, staging / name)
        result = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=staging,
                                capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            message = f"npm could not install axe-core: {result.stderr.strip()[-500:]}"
            if "browser" in REQUIRED:
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        try:
            staging.rename(target)  # whole or not at all; another process may have won the race, which is fine
        except OSError:
            if not script.is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return script
