"""A pytest plugin that turns the security suite's outcomes into the conformance table a reviewer asks for first.

Every test under tests/security carries `@pytest.mark.conformance(source=..., expect=...)` (on the test or on each
`pytest.param`); a test without one is a collection error. After the run the plugin prints one summary line and,
when the run covered the whole suite (every case collected, none deselected, not stopped early), writes
`docs/security-conformance.md`: case, source, expected behaviour, result. Partial runs leave the file alone, so
running one case never truncates the published table. The file has no timestamps: re-running an unchanged
suite leaves it byte for byte the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

MARKER = "conformance"
SUITE = Path(__file__).resolve().parent
TABLE = SUITE.parent.parent / "docs" / "security-conformance.md"
TITLES = {
    "test_oidc_rp_conformance.py": "OpenID Connect relying party (OpenID Foundation `oidcc-client-test-*`)",
    "test_rfc9700_client.py": "OAuth 2.0 Security BCP (RFC 9700), client-side attacks",
    "test_asvs_sessions.py": "OWASP ASVS 4.0.3 session management (V3), CSRF and caching",
    "test_jwt_attacks_api.py": "JWT attacks on the weather API (hostile caller over HTTP)",
}
INTRO = """\
# Security conformance

Written by the adversarial suite in `tests/security/` (`.venv/bin/python -m pytest tests/security`); do not edit
by hand. Each row is one test case: the standard or conformance test it comes from, what the system must do
when attacked that way, and what it did in the last full run of the suite. The attackers are real programs on
loopback: a hostile identity provider (`hostile_idp.py`), a hostile browser (`hostile_browser.py`) and a hostile
API caller (hand-made JWTs); the sessions cases run the real sign-in against the local Cognito.
"""


@dataclass
class Case:
    nodeid: str
    module: str
    name: str
    source: str
    expect: str
    result: str = "not run"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


class ConformanceReport:
    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self.deselected = 0
        self.complete_collection = False

    @staticmethod
    def _in_suite(item: pytest.Item) -> bool:
        return SUITE in Path(str(item.path)).resolve().parents

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session, config, items) -> None:
        suite_items = [item for item in items if self._in_suite(item)]
        missing = [item.nodeid for item in suite_items if item.get_closest_marker(MARKER) is None]
        if missing:
            raise pytest.UsageError(f"security cases without a conformance marker: {missing}")
        for item in suite_items:
            marker = item.get_closest_marker(MARKER)
            self.cases[item.nodeid] = Case(item.nodeid, item.path.name, item.name, marker.kwargs["source"],
                                           marker.kwargs["expect"])
        # The whole suite was asked for when every module of it was collected.
        self.complete_collection = {item.path.name for item in suite_items} >= set(TITLES)

    def pytest_deselected(self, items) -> None:
        self.deselected += sum(1 for item in items if self._in_suite(item))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        case = self.cases.get(report.nodeid)
        if case is None:
            return
        if hasattr(report, "wasxfail"):
            outcome = "xfail: known weakness" if report.skipped else "XPASS (fixed? remove the xfail)"
        elif report.failed:
            outcome = "FAILED" if report.when == "call" else f"ERROR ({report.when})"
        elif report.skipped:
            outcome = "skipped"
        elif report.when == "call":
            outcome = "passed"
        else:
            return
        if case.result in ("not run", "passed"):
            case.result = outcome

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for case in self.cases.values():
            counts[case.result] = counts.get(case.result, 0) + 1
        return counts

    def render(self) -> str:
        lines = [INTRO]
        summary = ", ".join(f"{n} {result}" for result, n in sorted(self.counts().items()))
        lines.append(f"**{len(self.cases)} cases: {summary}.**\n")
        for module, title in TITLES.items():
            rows = [case for case in self.cases.values() if case.module == module]
            lines += [f"## {title}\n", f"`tests/security/{module}`\n", "| Case | Source | Expected behaviour | Result |",
                      "| --- | --- | --- | --- |"]
            lines += [f"| `{_escape(c.name)}` | {_escape(c.source)} | {_escape(c.expect)} | {c.result} |" for c in rows]
            lines.append("")
        return "\n".join(lines)

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config) -> None:
        if not self.cases:
            return
        counts = self.counts()
        whole = self.complete_collection and not self.deselected and "not run" not in counts
        where = f"table written to {TABLE.relative_to(TABLE.parent.parent)}" if whole else (
            "partial run: table not written")
        summary = ", ".join(f"{n} {result}" for result, n in sorted(counts.items()))
        terminalreporter.write_line(f"security conformance: {len(self.cases)} cases ({summary}); {where}")
        if whole:
            TABLE.parent.mkdir(exist_ok=True)
            TABLE.write_text(self.render())
