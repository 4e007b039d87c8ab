"""The Dockerfile's image as a deployment runs it: the weather API and two web app containers (one image, the app
named by the command), configured only through the environment, sharing sessions in Redis, against the local
Cognito on the host; a person signs in through the Hosted UI, reads the weather and signs out."""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.container.conftest import ROOT, Container, start_container
from tests.fixtures.webapp import NEARLY_EXPIRED, SECRET_KEY, concurrent_gets, sign_in
from tests.servers import free_port

pytestmark = [pytest.mark.container, pytest.mark.redis, pytest.mark.slow]


@dataclass
class Deployment:
    api: Container
    web: list[Container]

    @property
    def containers(self) -> list[Container]:
        return [self.api, *self.web]


@pytest.fixture(scope="module")
def deployment(podman, image, local_cognito, redis_server):
    prefix = f"cognito-weather-test-{os.getpid()}"
    api_port, *web_ports = free_port(), free_port(), free_port()
    # Both web app containers serve one APP_BASE_URL, as behind a load balancer (the first one's: cookies are per
    # host, not per port, so the browser's session cookie reaches both).
    base_url = f"http://127.0.0.1:{web_ports[0]}"
    local_cognito.allow_app(base_url)
    web_env = {**local_cognito.env_for_webapp(base_url), "SECRET_KEY": SECRET_KEY,
               "SESSION_REDIS_URL": redis_server.url, "WEATHER_API_URL": f"http://127.0.0.1:{api_port}"}
    started: list[Container] = []
    try:
        started.append(start_container(podman, image, f"{prefix}-api", api_port, local_cognito.env_for_api(),
                                        "webapp.weather_api:create_app()"))
        for number, port in enumerate(web_ports, 1):
            started.append(start_container(podman, image, f"{prefix}-web{number}", port, web_env))
        for container in started:
            container.wait_until_ready()
        yield Deployment(started[0], started[1:])
    finally:
        for container in started:
            container.remove()


def test_sign_in_read_the_weather_and_sign_out_with_no_query_string_in_the_access_log(deployment, local_cognito):
    web = deployment.web[0]
    http = requests.Session()
    user = local_cognito.demo_user
    weather = sign_in(http, web.url, user.email, user.password, next="/weather")
    assert weather.url == f"{web.url}/weather" and weather.status_code == 200
    assert '<table class="forecast">' in weather.text  # the forecast came from the API container
    (callback,) = [hop for hop in weather.history if urlsplit(hop.url).path == "/callback"]
    query = parse_qs(urlsplit(callback.url).query)
    csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', weather.text).group(1)
    signed_out = http.post(f"{web.url}/logout", data={"csrf_token": csrf_token})
    assert signed_out.url == f"{web.url}/signed-out" and signed_out.status_code == 200
    assert http.get(f"{web.url}/weather", allow_redirects=False).status_code == 302
    log = web.logs()
    assert query["code"][0] not in log and query["state"][0] not in log
    assert "GET /callback HTTP/1.1" in log  # the access log is there, with the path alone


def test_two_web_app_containers_share_the_session_and_refresh_its_tokens_once(deployment, local_cognito):
    first, second = deployment.web
    http = requests.Session()
    user = local_cognito.demo_user
    with local_cognito.clock.moved(NEARLY_EXPIRED):
        sign_in(http, first.url, user.email, user.password)
    assert f"Hello, {user.email}" in http.get(f"{second.url}/").text
    before = local_cognito.grant_count("refresh_token")
    statuses = concurrent_gets([first.url, second.url], http.cookies.get_dict(), 12)
    assert statuses == [200] * 12
    assert local_cognito.grant_count("refresh_token") == before + 1


def test_every_process_runs_as_the_unprivileged_service_account(deployment, podman):
    for container in deployment.containers:
        table = podman("top", container.name, "user", "ruser", "group", "comm").stdout.splitlines()
        processes = [line.split() for line in table[1:]]
        assert processes and all(row[:3] == ["webapp"] * 3 for row in processes), table


def test_the_image_health_check_passes(deployment, podman):
    for container in deployment.containers:
        result = podman("healthcheck", "run", container.name, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


# Run in the image: which of the named distributions are installed, and every path named local_cognito.
FIND_IN_IMAGE = """
import importlib.metadata, json, os, re, sys
names = json.loads(sys.argv[1])
present = {re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower() for dist in importlib.metadata.distributions()}
paths = [os.path.join(folder, name) for top in ("/opt", "/usr", "/var", "/etc")
         for folder, dirs, files in os.walk(top) for name in dirs + files if "local_cognito" in name]
print(json.dumps({"installed": sorted(present & set(names)), "local_cognito": paths}))
"""


def test_the_image_holds_no_test_tools_and_no_local_cognito(image, podman):
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    names = [re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", requirement).group()).lower()
             for requirement in extras["test"] + extras["local"]]
    result = podman("run", "--rm", "--no-healthcheck", "--entrypoint", "python", image, "-c", FIND_IN_IMAGE,
                    json.dumps(names))
    assert json.loads(result.stdout) == {"installed": [], "local_cognito": []}
