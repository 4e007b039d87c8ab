"""Fixtures private to the client's tests: the client run as a command, weather APIs that refuse the cli client or
require a scope nobody has, and a scripted HTTP server standing in for odd or hostile APIs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask import Flask, Response, request

from tests.fixtures.weather_api import WeatherApiServer
from tests.servers import ServerThread
from webapp.client.__main__ import main
from webapp.weather_api.settings import ApiSettings


class ScriptedServer:
    """Answers with the responses a test queued (`then`), else the one it set (`answer`); records each request."""

    def __init__(self):
        self.response = Response("[]", mimetype="application/json")
        self.queue: list[Response] = []
        self.requests: list[dict] = []
        app = Flask(__name__)

        @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
        @app.route("/<path:path>", methods=["GET", "POST"])
        def anything(path):
            self.requests.append({"path": "/" + path, "headers": dict(request.headers), "args": dict(request.args),
                                  "json": request.get_json(force=True, silent=True)})
            return self.queue.pop(0) if self.queue else self.response

        self.server = ServerThread(app).start()
        self.url = self.server.url

    def answer(self, body: str, status: int = 200, headers: dict | None = None, mimetype="application/json"):
        self.response = Response(body, status=status, headers=headers or {}, mimetype=mimetype)
        self.queue.clear()
        self.requests.clear()

    def then(self, body: dict, status: int = 200) -> "ScriptedServer":
        """Queue a JSON API answer (`application/x-amz-json-1.1`, errors carry `__type` like Cognito's)."""
        self.queue.append(Response(json.dumps(body), status=status, mimetype="application/x-amz-json-1.1"))
        return self


@pytest.fixture(scope="session")
def scripted_server():
    server = ScriptedServer()
    yield server
    server.server.stop()


@pytest.fixture
def scripted(scripted_server):
    scripted_server.answer("[]")
    return scripted_server


class CliResult:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, out={self.out!r}, err={self.err!r})"


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """`run_cli(env, *argv, stdin="", clock=...)`: the client's `main()` in this process, as a shell would run it
    (arguments, environment, standard input), returning the exit code and what it printed."""

    def run(env: dict, *argv: str, stdin: str = "", **kwargs) -> CliResult:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main(list(argv), env, **kwargs)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def machine_only_api(local_cognito):
    """A weather API that trusts the machine client only: users' tokens from the cli client get 401."""
    env = {**local_cognito.env_for_api(), "WEATHER_API_CLIENT_IDS": local_cognito.clients["machine"].client_id}
    api = WeatherApiServer(ApiSettings.from_env(env))
    yield api
    api.stop()


@pytest.fixture(scope="session")
def write_scope_api(local_cognito):
    """A weather API that requires `weatherapi/write`, a scope no token of the pool carries: every call gets 403."""
    env = {**local_cognito.env_for_api(), "WEATHER_API_SCOPE": "weatherapi/write"}
    api = WeatherApiServer(ApiSettings.from_env(env))
    yield api
    api.stop()


@pytest.fixture
def client_env(local_cognito, weather_api, tmp_path) -> dict[str, str]:
    """The environment a person or service would set for the client, with a cache directory of this test's own."""
    machine, cli = local_cognito.clients["machine"], local_cognito.clients["cli"]
    env = {
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "COGNITO_ISSUER": local_cognito.issuer,
        "COGNITO_DOMAIN": local_cognito.url,
        "MACHINE_CLIENT_ID": machine.client_id,
        "MACHINE_CLIENT_SECRET": machine.client_secret,
        "CLI_CLIENT_ID": cli.client_id,
        "WEATHER_API_URL": weather_api.url,
    }
    if cli.client_secret:
        env["CLI_CLIENT_SECRET"] = cli.client_secret
    return env


def cache_files(env: dict[str, str]) -> list[Path]:
    directory = Path(env["XDG_CACHE_HOME"]) / "weather-client"
    return sorted(directory.glob("*.json")) if directory.exists() else []


def cached_tokens(env: dict[str, str]) -> list[dict]:
    return [json.loads(path.read_text()) for path in cache_files(env)]
