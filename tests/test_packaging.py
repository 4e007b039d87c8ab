"""What a user installs: a wheel whose web app serves every page from any directory, without the local Cognito
unless asked for; an extension that imports nothing of the demo; libraries used through their public API."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.fixtures.webapp import SECRET_KEY, sign_in
from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ROOT / "webapp"
#: The libraries whose private names the product must not use (their internals change without notice).
GUARDED = ("flask", "flask_session", "authlib", "requests", "urllib3", "werkzeug")


def imported_modules(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names imported from it) for every import statement in `path`, wherever it is."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def test_the_extension_imports_nothing_of_the_demo_the_api_the_cli_or_the_local_cognito():
    others = ("webapp.demo", "webapp.weather_api", "webapp.client", "local_cognito")
    offending = [f"{path.relative_to(ROOT)}: {module}" for path in (PRODUCT / "cognito_auth").rglob("*.py")
                 for module, _ in imported_modules(path) if module.startswith(others)]
    assert offending == []


def test_no_private_name_of_a_library_is_imported_outside_the_http_module():
    offending = []
    for path in PRODUCT.rglob("*.py"):
        if path.name == "bounded_http.py":
            continue
        for module, names in imported_modules(path):
            if module.split(".")[0] not in GUARDED:
                continue
            private = [part for part in module.split(".") + names if part.startswith("_")]
            if private:
                offending.append(f"{path.relative_to(ROOT)}: {module} {private}")
    assert offending == []


def loaded(script: str, modules: tuple[str, ...]) -> list[str]:
    """Which of `modules` a fresh interpreter has loaded after running `script`."""
    check = f"import sys\n{script}\nprint(sorted(name for name in {modules!r} if name in sys.modules))\n"
    return ast.literal_eval(subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True,
                                           check=True).stdout)


def test_a_web_app_with_the_embedded_store_loads_neither_redis_py_nor_a_form_library_nor_the_api(tmp_path):
    """What a worker never uses, it does not load: redis-py (which brings asyncio, cluster and sentinel support,
    about 8 MB and 60 ms) only with SESSION_REDIS_URL; Flask-WTF and WTForms not at all (the CSRF token is the
    extension's own); the weather API's package (its metrics would join the web app's) not at all."""
    script = (
        "from webapp import create_app\n"
        "from webapp.demo.settings import WebSettings\n"
        "from webapp.environment import Issuer\n"
        "issuer = 'http://127.0.0.1:9/us-east-1_TestPool'\n"
        "create_app(WebSettings(issuer=Issuer(issuer, issuer + '/.well-known/openid-configuration'),\n"
        "    client_id='c', client_secret='s', cognito_domain='http://127.0.0.1:9', scopes='openid',\n"
        f"    app_base_url='http://localhost:5000', secret_key={SECRET_KEY!r}, session_dir={str(tmp_path)!r}))\n"
    )
    assert loaded(script, ("redis", "flask_wtf", "wtforms", "webapp.weather_api")) == []


def test_the_cli_loads_neither_flask_nor_the_api():
    assert loaded("import webapp.client.__main__", ("flask", "webapp.weather_api", "prometheus_client")) == []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built from a copy of the checkout: setuptools keeps a build/ folder beside the sources, and files removed
    since an earlier build would otherwise still reach the wheel."""
    source, folder = tmp_path_factory.mktemp("source") / "project", tmp_path_factory.mktemp("dist")
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".state", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(folder),
                    str(source)], check=True, capture_output=True, timeout=300)
    (built,) = folder.glob("*.whl")
    return built


def venv_with(tmp_path: Path, requirement: str) -> Path:
    """A fresh virtual environment with `requirement` installed (the versions of constraints.txt); its bin folder."""
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True, timeout=120)
    bin_dir = tmp_path / "venv" / "bin"
    subprocess.run([str(bin_dir / "pip"), "install", "--quiet", "--disable-pip-version-check", "-c",
                    str(ROOT / "constraints.txt"), requirement], check=True, capture_output=True, timeout=600)
    return bin_dir


@pytest.mark.slow
def test_a_plain_install_runs_the_web_app_and_the_cli_from_any_directory_without_the_local_cognito_or_boto3(
        wheel, tmp_path, local_cognito, weather_api):
    bin_dir = venv_with(tmp_path, str(wheel))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    local_cognito.allow_app(url)
    env = {**os.environ, **local_cognito.env_for_webapp(url), "SECRET_KEY": SECRET_KEY,
           "WEATHER_API_URL": weather_api.url, "SESSION_DIR": str(tmp_path / "sessions")}
    log = tmp_path / "flask-run.log"
    with log.open("w") as log_file:
        server = subprocess.Popen([str(bin_dir / "flask"), "--app", "webapp", "run", "--port", str(port)],
                                  cwd=elsewhere, env=env, stdout=subprocess.DEVNULL, stderr=log_file)
    try:
        wait_for_port(port, timeout=30)
        anonymous = requests.Session()
        for path, status in (("/", 200), ("/static/style.css", 200), ("/signed-out", 200), ("/nowhere", 404)):
            assert anonymous.get(url + path, timeout=10).status_code == status, path
        http = requests.Session()
        landing = sign_in(http, url, local_cognito.demo_user.email, local_cognito.demo_user.password)
        (callback,) = [answer.url for answer in landing.history if answer.url.startswith(f"{url}/callback")]
        for path in ("/profile", "/weather"):
            page = http.get(url + path, timeout=10)
            assert page.status_code == 200 and "Sign out" in page.text, path
    finally:
        server.terminate()
        server.wait(timeout=10)
    # Werkzeug logs every request line; the callback's shows without its query, which holds the authorization code.
    code = parse_qs(urlsplit(callback).query)["code"][0]
    assert "GET /callback?… HTTP/1.1" in log.read_text() and code not in log.read_text()
    cli = local_cognito.clients["cli"]
    cli_env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path / "home"), "COGNITO_ISSUER": local_cognito.issuer,
               "CLI_CLIENT_ID": cli.client_id, "CLI_CLIENT_SECRET": cli.client_secret or "",
               "WEATHER_API_URL": weather_api.url}
    forecast = subprocess.run([str(bin_dir / "weather-client"), "forecast", "--user", local_cognito.demo_user.email],
                              input=local_cognito.demo_user.password + "\n", cwd=elsewhere, env=cli_env,
                              capture_output=True, text=True, timeout=60)
    assert forecast.returncode == 0 and "Temp. (C)" in forecast.stdout, forecast.stderr
    python = str(bin_dir / "python")
    for module in ("local_cognito", "boto3", "botocore"):
        missing = subprocess.run([python, "-c", f"import {module}"], cwd=elsewhere, capture_output=True, text=True)
        assert missing.returncode != 0 and "ModuleNotFoundError" in missing.stderr, module


@pytest.mark.slow
def test_with_the_local_extra_the_local_cognito_runs_from_any_directory(wheel, tmp_path):
    bin_dir = venv_with(tmp_path, f"{wheel}[local]")
    result = subprocess.run(
        [str(bin_dir / "python"), "-m", "local_cognito", "env", "--state-dir", str(tmp_path / "state"),
         "--base-url", "http://localhost:9229"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "COGNITO_CLIENT_ID=" in result.stdout
