"""The API as it is deployed: gunicorn with settings from the environment, checked once at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.idp import CLIENT_ID, MACHINE_CLIENT_ID
from tests.servers import free_port, wait_for_port
from tests.weather_api.conftest import api_settings
from webapp.environment import ConfigError
from webapp.weather_api import create_app

ROOT = Path(__file__).resolve().parents[2]


def api_env(idp) -> dict[str, str]:
    return {
        "COGNITO_ISSUER": idp.issuer,
        "COGNITO_METADATA_URL": idp.metadata_url,
        "WEATHER_API_CLIENT_IDS": f"{CLIENT_ID}, {MACHINE_CLIENT_ID}",
    }


@pytest.mark.slow
def test_gunicorn_serves_the_app_factory(idp, tmp_path):
    port = free_port()
    env = {**os.environ, **api_env(idp)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with (tmp_path / "gunicorn.log").open("w") as log:
        process = subprocess.Popen(
            [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket",
             "webapp.weather_api:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
        )
    try:
        wait_for_port(port, timeout=30)
        base = f"http://127.0.0.1:{port}"
        assert requests.get(f"{base}/healthz", timeout=10).json() == {"status": "ok"}
        response = requests.get(f"{base}/weatherforecast?city=tokyo", timeout=10,
                                headers={"Authorization": f"Bearer {idp.machine_token()}"})
        assert response.status_code == 200 and len(response.json()) == 5
        huge = requests.get(f"{base}/weatherforecast", timeout=10, headers={"Authorization": "Bearer " + "A" * 20000})
        assert huge.status_code in (400, 401, 431)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "Traceback" not in (tmp_path / "gunicorn.log").read_text()


def test_settings_come_from_the_environment_and_are_checked(monkeypatch):
    for name in ("COGNITO_ISSUER", "COGNITO_REGION", "COGNITO_USER_POOL_ID", "WEATHER_API_CLIENT_IDS"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError) as caught:
        create_app()
    assert "WEATHER_API_CLIENT_IDS" in str(caught.value) and "COGNITO_USER_POOL_ID" in str(caught.value)


def test_starts_without_contacting_cognito(idp):
    app = create_app(api_settings(idp))
    assert app.test_client().get("/healthz").status_code == 200
    assert idp.hits[idp.metadata_path] == idp.hits[idp.jwks_path] == 0
