"""The local Cognito is a tool beside the product: it runs from any directory, and no import ties the two together."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import local_cognito
import webapp

PACKAGE = Path(local_cognito.__file__).parent
PRODUCT = Path(webapp.__file__).parent


def imports(path: Path) -> set[str]:
    """What `path` imports (`from m import n` is m.n), wherever the statement is: in functions, under TYPE_CHECKING."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def module_name(path: Path) -> str:
    return "local_cognito" if path.stem == "__init__" else f"local_cognito.{path.stem}"


def test_env_works_from_any_directory_with_the_packaged_pool_template(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "local_cognito", "env", "--state-dir", str(tmp_path / "state"), "--base-url",
         "http://localhost:9229"], cwd=elsewhere, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "COGNITO_DOMAIN=http://localhost:9229\n" in result.stdout and "CLI_CLIENT_ID=" in result.stdout


def test_it_imports_nothing_of_the_product():
    assert {path.name: sorted(name for name in imports(path) if name.split(".")[0] == "webapp")
            for path in PACKAGE.glob("*.py")} == {path.name: [] for path in PACKAGE.glob("*.py")}


def test_its_modules_import_each_other_without_a_cycle():
    modules = {module_name(path) for path in PACKAGE.glob("*.py")}
    graph = {module_name(path): {name if name in modules else name.rpartition(".")[0]
                                 for name in imports(path) if name.split(".")[0] == "local_cognito"}
             for path in PACKAGE.glob("*.py")}

    def cycle_from(module: str, path: tuple[str, ...]) -> tuple[str, ...] | None:
        if module in path:
            return (*path[path.index(module):], module)
        return next(filter(None, (cycle_from(imported, (*path, module)) for imported in graph[module])), None)

    assert {module: cycle_from(module, ()) for module in graph} == dict.fromkeys(graph)


def test_only_the_launcher_in_the_product_imports_it():
    importers = {path.relative_to(PRODUCT).as_posix() for path in PRODUCT.rglob("*.py")
                 if any(name.split(".")[0] == "local_cognito" for name in imports(path))}
    assert importers == {"__main__.py"}
