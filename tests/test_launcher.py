"""`python -m webapp` (the README's `make run`) starts the whole local system on the ports it is given, says which
port is taken before starting anything, and logs each server's requests under its name and port.

Every test runs the launcher as a newcomer would, in a process of its own with nothing but PATH and HOME, on free
ports chosen with WEB_PORT, API_PORT and COGNITO_PORT (the defaults 5000, 5001 and 9229 may be in use: by a
`make run`, or by another test run on the same machine).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
import requests

from tests.fixtures.webapp import sign_in
from tests.servers import Output, free_ports, start

DEMO_EMAIL = "demo@example.com"


def launcher_env(home: Path, web: int, api: int, cognito: int) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "PYTHONUNBUFFERED": "1",
            "WEB_PORT": str(web), "API_PORT": str(api), "COGNITO_PORT": str(cognito)}


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Launched:
    output: Output
    banner: str
    web: int
    api: int
    cognito: int

    def url(self, port: int) -> str:
        return f"http://localhost:{port}"

    @property
    def demo_password(self) -> str:
        return self.banner.split("Password:", 1)[1].split()[0]


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    home = tmp_path_factory.mktemp("launcher")
    web, api, cognito = free_ports(3)
    output = start([sys.executable, "-m", "webapp", "--state-dir", str(home / "state")], cwd=home,
                   env=launcher_env(home, web, api, cognito))
    try:
        yield Launched(output, output.wait_for("Press Ctrl-C to stop."), web, api, cognito)
    finally:
        output.stop()


@pytest.mark.slow
def test_make_run_serves_the_whole_system_on_the_ports_it_is_given_and_signs_in_through_them(launched):
    web, api, cognito = launched.url(launched.web), launched.url(launched.api), launched.url(launched.cognito)
    assert f"Open {web} in your browser." in launched.banner
    assert f"Demo user:  {DEMO_EMAIL}" in launched.banner
    for name, url in (("local Cognito", cognito), ("weather API", api), ("web app", web)):
        assert f"{name:<14} {url}" in launched.banner
    assert requests.get(f"{api}/healthz", timeout=5).json() == {"status": "ok"}
    http = requests.Session()
    landing = sign_in(http, web, DEMO_EMAIL, launched.demo_password, next="/weather")
    # The local pool's callback URL followed WEB_PORT: Cognito sent the browser back to this web app.
    assert landing.url == f"{web}/weather" and landing.status_code == 200 and "Sign out" in landing.text


@pytest.mark.slow
def test_each_server_logs_its_requests_under_its_name_and_port_without_query_strings(launched):
    requests.get(f"{launched.url(launched.web)}/callback?code=SECRET-CODE&state=x", timeout=5)
    requests.get(f"{launched.url(launched.api)}/healthz?probe=SECRET-PROBE", timeout=5)
    requests.get(f"{launched.url(launched.cognito)}/login?client_id=SECRET-CLIENT", timeout=5)
    launched.output.wait_for(f"local Cognito :{launched.cognito} GET /login ")
    lines = launched.output.text.splitlines()
    for name, port, path in (("web app", launched.web, "/callback"), ("weather API", launched.api, "/healthz"),
                             ("local Cognito", launched.cognito, "/login")):
        assert [line for line in lines if f"{name} :{port} GET {path} " in line], (name, lines)
    assert "SECRET-" not in launched.output.text


@pytest.mark.slow
def test_the_console_shows_each_outbox_code_once(launched):
    cognito = launched.url(launched.cognito)
    idp = boto3.client("cognito-idp", endpoint_url=cognito, region_name="us-east-1",
                       aws_access_key_id="any", aws_secret_access_key="any")
    pool_id = idp.list_user_pools(MaxResults=1)["UserPools"][0]["Id"]
    idp.admin_create_user(UserPoolId=pool_id, Username="once@example.com", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "once@example.com"},
                                          {"Name": "email_verified", "Value": "true"}])
    idp.admin_reset_user_password(UserPoolId=pool_id, Username="once@example.com")
    (message,) = [m for m in requests.get(f"{cognito}/_dev/outbox.json", timeout=5).json()["messages"]
                  if m["recipient"] == "once@example.com"]
    code = message["body"].rstrip(".").split()[-1]
    launched.output.wait_for(code)
    assert launched.output.text.count(code) == 1, launched.output.text


@pytest.mark.slow
def test_taken_ports_are_named_with_the_way_to_choose_others_and_nothing_starts(tmp_path):
    web, api, cognito = free_ports(3)
    holders = [socket.create_server(("127.0.0.1", port)) for port in (web, api)]
    try:
        result = subprocess.run([sys.executable, "-m", "webapp", "--state-dir", str(tmp_path / "state")],
                                cwd=tmp_path, env=launcher_env(tmp_path, web, api, cognito),
                                capture_output=True, text=True, timeout=60)
    finally:
        for holder in holders:
            holder.close()
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"{web} (web app)" in output and f"{api} (weather API)" in output
    assert "WEB_PORT" in output and "API_PORT" in output and "Traceback" not in output
    assert not port_in_use(cognito)
    assert not (tmp_path / "state").exists()  # the local pool was not even created


def wait_until_free(port: int, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while port_in_use(port):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.slow
def test_the_local_cognito_stops_with_the_launcher_however_it_ends(tmp_path):
    """The local Cognito serves from a process of its own: a launcher killed outright must not leave it holding
    its port (the next `make run` would find it taken)."""
    web, api, cognito = free_ports(3)
    output = start([sys.executable, "-m", "webapp", "--state-dir", str(tmp_path / "state")], cwd=tmp_path,
                   env=launcher_env(tmp_path, web, api, cognito))
    launcher = output.process.pid
    children: list[str] = []
    try:
        output.wait_for("Press Ctrl-C to stop.")
        children = Path(f"/proc/{launcher}/task/{launcher}/children").read_text().split()
        assert children and port_in_use(cognito)
        os.kill(launcher, signal.SIGKILL)
        assert wait_until_free(cognito), "the local Cognito outlived the launcher"
    finally:
        for child in children:  # so that a failure leaves nothing running
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(child), signal.SIGKILL)
        output.stop()


@pytest.mark.slow
def test_a_local_cognito_that_cannot_start_stops_the_launcher_with_the_reason(tmp_path):
    web, api, cognito = free_ports(3)
    state = tmp_path / "state"
    state.write_text("a file where the state directory should be")
    result = subprocess.run([sys.executable, "-m", "webapp", "--state-dir", str(state)], cwd=tmp_path,
                            env=launcher_env(tmp_path, web, api, cognito), capture_output=True, text=True,
                            timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "The local Cognito cannot start:" in output and "Not a directory" in output
    assert "Traceback" not in output and "Press Ctrl-C" not in output
    assert not any(port_in_use(port) for port in (web, api, cognito))
