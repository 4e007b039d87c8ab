"""`make run` installs only what the demo needs; `make test` adds the test tools on top, and neither installs again
what the other already did.

Read from `make -n` (what make would run) in a copy of the files the Makefile's install depends on: the real
installs take minutes (their sizes are in the README).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def checkout(tmp_path) -> Path:
    if not shutil.which("make"):
        pytest.skip("needs make")
    for name in ("Makefile", "pyproject.toml", "constraints.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def would_run(checkout: Path, target: str) -> list[str]:
    result = subprocess.run(["make", "-n", target], cwd=checkout, capture_output=True, text=True, timeout=30,
                            env={"PATH": os.environ["PATH"]}, check=True)
    return result.stdout.splitlines()


def installs(lines: list[str]) -> list[str]:
    return [line.split(" -e ", 1)[1] for line in lines if "pip install" in line and " -e " in line]


def touch(path: Path, at: float) -> None:
    path.parent.mkdir(exist_ok=True)
    path.touch()
    os.utime(path, (at, at))


def test_make_run_installs_the_runtime_and_the_local_cognito_without_the_test_tools(checkout):
    assert installs(would_run(checkout, "run")) == ["'.[local]'"]
    assert would_run(checkout, "run")[-1] == ".venv/bin/python -m webapp"


def test_make_test_installs_the_test_tools_on_top(checkout):
    assert installs(would_run(checkout, "test")) == ["'.[local]'", "'.[test,local]'"]


def test_after_make_test_make_run_installs_nothing(checkout):
    now = time.time()
    touch(checkout / ".venv" / ".installed-run", now)
    touch(checkout / ".venv" / ".installed", now + 1)
    assert would_run(checkout, "run") == [".venv/bin/python -m webapp"]
    assert installs(would_run(checkout, "test")) == []


def test_after_make_run_make_test_installs_only_the_test_tools(checkout):
    touch(checkout / ".venv" / ".installed-run", time.time())
    assert installs(would_run(checkout, "test")) == ["'.[test,local]'"]


def test_a_changed_pyproject_installs_again(checkout):
    now = time.time()
    touch(checkout / ".venv" / ".installed-run", now)
    touch(checkout / ".venv" / ".installed", now + 1)
    touch(checkout / "pyproject.toml", now + 2)
    assert installs(would_run(checkout, "run")) == ["'.[local]'"]
    assert installs(would_run(checkout, "test")) == ["'.[local]'", "'.[test,local]'"]
