"""The README's commands work when pasted into a fresh shell after the quick start.

Each ```sh block runs in a new `bash -euo pipefail` that has nothing of the test's environment but PATH, HOME and
a locale, in a directory laid out like a checkout after `make run`: a `.venv` (a link to this one) and the
`.state` of a `make run` (`python -m webapp`) that is running there. Standard input holds the demo user's
password, for the command that asks for it. A block that cannot run here says why on the line before it,
`<!-- not run by the tests: REASON -->` (an AWS account, Docker, a production Redis); it is reported as skipped
with that reason.

The parts table's "Run alone" commands that start a development server run each in a shell of its own,
after the block marked `<!-- run-alone-setup -->`, on the state a `make run` left: they serve the session that
was signed in through `make run`.

The README names the default ports 5000, 5001 and 9229. The tests use free ports instead (test runs and a
developer's `make run` share the machine): the commands get them in place of the defaults, and the shell has them
as WEB_PORT, API_PORT and COGNITO_PORT, which `make run` reads.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.fixtures.webapp import sign_in
from tests.servers import Output, free_ports, start, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
NOT_RUN = "not run by the tests: "
RUN_ALONE_SETUP = "run-alone-setup"
# A ```sh fence (indented inside a list item, or not), and the HTML comment on the line before it, if any.
SH_BLOCK = re.compile(r"(?:^ *<!-- (?P<marker>[^\n]*?) -->\n)?^(?P<indent> *)```sh\n(?P<body>.*?)^(?P=indent)```$",
                      re.MULTILINE | re.DOTALL)
DEFAULT_PORTS = re.compile(r"\b(5000|5001|9229)\b")
#: The "Run alone" commands that start a development server (gunicorn is production's; tests/container runs it).
DEV_SERVER = re.compile(r"^(flask --app \S+ run|python -m local_cognito) ")
DEMO_EMAIL = "demo@example.com"


@dataclass(frozen=True)
class Block:
    line: int
    marker: str
    body: str


def sh_blocks() -> list[Block]:
    blocks = []
    for match in SH_BLOCK.finditer(README):
        indent = len(match["indent"])
        body = "".join(line[indent:] for line in match["body"].splitlines(keepends=True))
        blocks.append(Block(README.count("\n", 0, match.start("body")), match["marker"] or "", body))
    return blocks


def run_alone_commands() -> list[str]:
    table = README.split("| Run alone |", 1)[1].split("\n\n", 1)[0]  # the parts' table, from its header on
    rows = [line for line in table.splitlines() if line.startswith("| ") and "`" in line.rsplit("|", 2)[1]]
    spans = [span for row in rows for span in re.findall(r"`([^`]+)`", row.rsplit("|", 2)[1])]
    return [span for span in spans if DEV_SERVER.match(span)]


class Checkout:
    """A directory like a clone after `make run`, on ports of its own; `shell_env` is a fresh shell's."""

    def __init__(self, root: Path):
        self.root = root / "checkout"
        self.root.mkdir()
        (self.root / ".venv").symlink_to(Path(sys.prefix))
        home = root / "home"
        home.mkdir()
        self.web, self.api, self.cognito = free_ports(3)
        self.ports = {"5000": self.web, "5001": self.api, "9229": self.cognito}
        self.web_url = f"http://localhost:{self.web}"
        self.shell_env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1",
            "WEB_PORT": str(self.web), "API_PORT": str(self.api), "COGNITO_PORT": str(self.cognito),
        }

    def on_our_ports(self, commands: str) -> str:
        return DEFAULT_PORTS.sub(lambda match: str(self.ports[match[1]]), commands)

    def bash(self, commands: str) -> list[str]:
        return ["bash", "-euo", "pipefail", "-c", self.on_our_ports(commands)]

    def make_run(self) -> tuple[Output, str]:
        """`make run`'s launcher, running; and the demo user's password from its banner."""
        launcher = start([str(self.root / ".venv" / "bin" / "python"), "-m", "webapp"], cwd=self.root,
                         env=self.shell_env)
        banner = launcher.wait_for("Press Ctrl-C to stop.")
        return launcher, banner.split("Password:", 1)[1].split()[0]


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    checkout = Checkout(tmp_path_factory.mktemp("readme"))
    launcher, password = checkout.make_run()
    yield checkout, password
    launcher.stop()


def test_the_readme_has_commands_to_run_and_marks_those_it_cannot():
    blocks = sh_blocks()
    assert len(blocks) >= 10 and any(not block.marker.startswith(NOT_RUN) for block in blocks)
    assert {block.marker.split(":")[0] for block in blocks} <= {"", RUN_ALONE_SETUP, NOT_RUN.rstrip(": ")}
    assert len(run_alone_commands()) == 3  # the web app, the weather API, the local Cognito


@pytest.mark.slow
@pytest.mark.parametrize("block", sh_blocks(), ids=lambda block: f"README.md:{block.line}")
def test_a_readme_block_works_pasted_into_a_fresh_shell(block, running):
    if block.marker.startswith(NOT_RUN):
        pytest.skip(f"README.md:{block.line}: {block.marker.removeprefix(NOT_RUN)}")
    if "curl " in block.body and not shutil.which("curl"):
        pytest.skip(f"README.md:{block.line}: needs curl")
    checkout, password = running
    result = subprocess.run(checkout.bash(block.body), cwd=checkout.root, env=checkout.shell_env,
                            input=password + "\n", capture_output=True, text=True, timeout=180)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Traceback" not in output, f"README.md:{block.line}:\n{block.body}\n{output}"


@pytest.mark.slow
def test_each_part_runs_alone_as_written_on_the_state_make_run_left(tmp_path):
    checkout = Checkout(tmp_path)
    (setup,) = [block.body for block in sh_blocks() if block.marker == RUN_ALONE_SETUP]
    launcher, password = checkout.make_run()
    browser = requests.Session()
    sign_in(browser, checkout.web_url, DEMO_EMAIL, password)
    launcher.stop()

    # The local Cognito first: the others' shells read its settings with `python -m local_cognito env`.
    commands = sorted(run_alone_commands(), key=lambda command: "local_cognito" not in command)
    servers = []
    try:
        for command in commands:
            servers.append(start(checkout.bash(f"{setup}\nexec {command}"), cwd=checkout.root, env=checkout.shell_env))
            port = int(checkout.on_our_ports(command).split("--port ", 1)[1].split()[0])
            try:
                wait_for_port(port, timeout=60)
            except TimeoutError:
                pytest.fail(f"`{command}` did not serve:\n{servers[-1].text}")
        # Alone, on the same state: the session store, SECRET_KEY (which seals the sessions), the pool and its keys
        # are make run's, so the session signed in there is served here as it is, with no new sign-in.
        for path in ("/profile", "/weather"):
            page = browser.get(checkout.web_url + path, allow_redirects=False, timeout=10)
            assert page.status_code == 200 and "Sign out" in page.text, (path, page.status_code)
        landing = sign_in(requests.Session(), checkout.web_url, DEMO_EMAIL, password, next="/weather")
        assert landing.status_code == 200 and "Sign out" in landing.text
    finally:
        for server in servers:
            server.stop()
