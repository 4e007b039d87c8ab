"""The production gunicorn settings serve the web app and keep authorization codes out of the access log."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent


def test_gunicorn_access_log_has_no_query_strings(tmp_path, settings):
    port = free_port()
    env = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "COGNITO_ISSUER": settings.issuer.issuer,
        "COGNITO_CLIENT_ID": settings.client_id,
        "COGNITO_DOMAIN": settings.cognito_domain,
        "SECRET_KEY": settings.secret_key,
        "SESSION_DIR": str(tmp_path / "sessions"),
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "webapp:create_app()"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(port, timeout=30)
            requests.get(f"http://127.0.0.1:{port}/callback?code=SECRET-CODE&state=SECRET-STATE", timeout=10)
        finally:
            process.terminate()
            process.wait(timeout=10)
    text = log.read_text()
    assert "GET /callback HTTP/1.1" in text, text
    assert "SECRET-CODE" not in text and "SECRET-STATE" not in text
