"""The project's three apps as the benchmarks run them: real processes on loopback, configured the documented way.

- the local Cognito: `python -m local_cognito env` for the settings, then its `create_app` under gunicorn
  in one process (its state lives in that process), plus one benchmark-only route that reports how many grants
  of each type it has issued (figure 6 counts refreshes with it);
- the weather API: `webapp.weather_api:create_app()` under gunicorn, plus figure 3's unauthenticated twin route;
- the web app: `webapp:create_app()` under gunicorn with Redis or the embedded session store.
"""

from __future__ import annotations

import secrets
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import boto3
import requests
from botocore.config import Config

from tests.benchmarks.processes import REPO, Process, Workers
from tests.servers import free_port

# The local Cognito keeps its pool in memory: one process, enough threads for the sign-in and refresh benchmarks.
COGNITO_WORKERS = Workers(processes=1, threads=16, connections=1000)
# boto3 signs the admin calls; the local pool checks only that they are signed, so any credentials do.
FAKE_AWS_CREDENTIALS = {"aws_access_key_id": "AKIDBENCHMARK", "aws_secret_access_key": "benchmark-secret"}


def counted_local_cognito(state_dir: str, base_url: str):
    """The local Cognito (gunicorn factory) with `GET /bench/grant-counts`: grants issued per grant type."""
    from local_cognito import create_app

    app = create_app(state_dir=state_dir, base_url=base_url)
    pool = app.extensions["local_cognito"]

    @app.get("/bench/grant-counts")
    def grant_counts():
        return dict(pool.oauth.grant_counts)

    return app


def read_cognito_env(state_dir: Path, base_url: str) -> dict[str, str]:
    """What `python -m local_cognito env` prints, as a dict (it also creates the pool on first use)."""
    command = [sys.executable, "-m", "local_cognito", "env", "--state-dir", str(state_dir),
               "--base-url", base_url]
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if completed.returncode:
        raise RuntimeError(f"{shlex.join(command[1:])} failed: {completed.stderr.strip()[-1000:]}")
    # Each line is KEY=value with the value shell-quoted (shlex.quote), so shlex undoes the quoting.
    pairs = (line.partition("=") for line in completed.stdout.splitlines())
    return {key: " ".join(shlex.split(value)) for key, _, value in pairs if key and value}


@dataclass
class LocalCognito:
    process: Process
    env: dict[str, str]

    @property
    def url(self) -> str:
        return self.process.url

    @property
    def issuer(self) -> str:
        return self.env["COGNITO_ISSUER"]

    @property
    def demo_user(self) -> tuple[str, str]:
        return self.env["DEMO_USER_EMAIL"], self.env["DEMO_USER_PASSWORD"]

    def grant_counts(self) -> dict[str, int]:
        return requests.get(f"{self.url}/bench/grant-counts", timeout=10).json()

    def jwks(self) -> dict:
        return requests.get(f"{self.issuer}/.well-known/jwks.json", timeout=10).json()

    def machine_token(self) -> str:
        """A client-credentials access token for the weather API's scope."""
        response = requests.post(
            f"{self.url}/oauth2/token",
            data={"grant_type": "client_credentials", "scope": "weatherapi/read"},
            auth=(self.env["MACHINE_CLIENT_ID"], self.env["MACHINE_CLIENT_SECRET"]),
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def allow_app(self, app_base_url: str, callback: str = "/callback", signed_out: str = "/signed-out") -> None:
        """Register an app's callback and sign-out URLs (the web app's paths unless told otherwise) with boto3,
        as one would on a real pool."""
        idp = boto3.client("cognito-idp", endpoint_url=self.url, region_name=self.env["COGNITO_REGION"],
                           config=Config(retries={"max_attempts": 1}), **FAKE_AWS_CREDENTIALS)
        pool_id, client_id = self.env["COGNITO_USER_POOL_ID"], self.env["COGNITO_CLIENT_ID"]
        current = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
        for key in ("ClientSecret", "CreationDate", "LastModifiedDate", "EnablePropagateAdditionalUserContextData"):
            current.pop(key, None)
        # UpdateUserPoolClient resets every setting it is not given, so the current ones go back too.
        current["CallbackURLs"] = sorted({*current.get("CallbackURLs", []), app_base_url + callback})
        current["LogoutURLs"] = sorted({*current.get("LogoutURLs", []), app_base_url + signed_out})
        idp.update_user_pool_client(**current)

    def webapp_env(self) -> dict[str, str]:
        names = ("COGNITO_REGION", "COGNITO_USER_POOL_ID", "COGNITO_ISSUER", "COGNITO_DOMAIN", "COGNITO_CLIENT_ID",
                 "COGNITO_CLIENT_SECRET")
        return {name: self.env[name] for name in names if name in self.env}

    def api_env(self) -> dict[str, str]:
        return {"COGNITO_ISSUER": self.issuer, "WEATHER_API_CLIENT_IDS": self.env["WEATHER_API_CLIENT_IDS"]}


def start_local_cognito(bench) -> LocalCognito:
    import local_cognito  # noqa: F401 -- ModuleNotFoundError: the figure is reported as not measured

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    state_dir = bench.directory("local-cognito")
    env = read_cognito_env(state_dir, base_url)
    app = f"tests.benchmarks.services:counted_local_cognito(state_dir={str(state_dir)!r}, base_url={base_url!r})"
    process = bench.gunicorn("local-cognito", app, port=port, workers=COGNITO_WORKERS)
    return LocalCognito(process, env)


def start_weather_api(bench) -> Process:
    """The weather API, with `/bench/open/weatherforecast` (the same view without the token check) beside it."""
    import webapp.weather_api  # noqa: F401 -- ModuleNotFoundError: the figure is reported as not measured

    return bench.gunicorn("weather-api", "tests.benchmarks.ceilings:weather_api_with_open_twin()",
                          bench.cognito.api_env())


@dataclass
class WebApp:
    process: Process
    store: str  # "redis" or "embedded"
    session_dir: Path | None
    redis_url: str | None
    cognito: LocalCognito
    secret_key: str

    @property
    def url(self) -> str:
        return self.process.url


def start_webapp(bench, store: str, name: str | None = None, workers: Workers | None = None,
                 **settings: str) -> WebApp:
    """`webapp:create_app()` under gunicorn against the local Cognito and the weather API.

    `settings` are extra environment variables (e.g. TOKEN_REFRESH_MARGIN).
    """
    cognito = bench.cognito
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cognito.allow_app(url)
    secret_key = secrets.token_urlsafe(48)
    env = {
        **cognito.webapp_env(), "APP_BASE_URL": url, "WEATHER_API_URL": bench.weather_api.url,
        "SECRET_KEY": secret_key, **settings,
    }
    session_dir = redis_url = None
    if store == "redis":
        redis_url = env["SESSION_REDIS_URL"] = bench.redis.url.rsplit("/", 1)[0] + f"/{bench.next_redis_db()}"
    else:
        session_dir = bench.directory(f"sessions-{name or store}")
        env["SESSION_DIR"] = str(session_dir)
    process = bench.gunicorn(name or f"webapp-{store}", "webapp:create_app()", env, port=port, workers=workers)
    return WebApp(process, store, session_dir, redis_url, cognito, secret_key)
