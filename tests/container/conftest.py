"""The Dockerfile's image, built and run with podman, for the container tests (marked `container`).

No registry is reachable from the test machines, so the image is built on a base made here from Debian packages
(debootstrap: bookworm's Python) instead of the default python:3.12-slim. That base stays in podman's storage
between runs; a fresh CI machine builds it once. Containers share the host's network: the apps accept plain http
only on loopback, and the test's servers (the local Cognito, Redis) listen on 127.0.0.1.

- `podman` (session): runs podman with tests/container/containers.conf.
- `image` (session): the runtime image, built once per test session under a tag of its own.
- `start_container(podman, image, name, port, env, *command)`: a detached container serving on 127.0.0.1:`port`
  (`wait_until_ready()` waits for its `/healthz`). `env` reaches podman through its environment, not its command
  line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.servers import require_binary

ROOT = Path(__file__).resolve().parents[2]
BASE_IMAGE = "localhost/debian-python:bookworm"


class Podman:
    def __init__(self, binary: str):
        self.binary = binary
        self.env = {**os.environ, "CONTAINERS_CONF": str(Path(__file__).with_name("containers.conf"))}

    def __call__(self, *args: str, env: dict[str, str] | None = None, check: bool = True, timeout: float = 120,
                 **kwargs) -> subprocess.CompletedProcess:
        result = subprocess.run([self.binary, *args], env={**self.env, **(env or {})}, capture_output=True,
                                text=True, timeout=timeout, **kwargs)
        if check and result.returncode:
            raise AssertionError(f"podman {' '.join(args[:2])} failed ({result.returncode}):\n{result.stderr[-3000:]}")
        return result


@pytest.fixture(scope="session")
def podman() -> Podman:
    binary = require_binary("container", "podman")
    require_binary("container", "runc")
    return Podman(binary)


def base_image(podman: Podman, workdir: Path) -> str:
    """bookworm's minimal system with python3 and python3-venv, made once and kept in podman's storage."""
    if podman("image", "exists", BASE_IMAGE, check=False).returncode == 0:
        return BASE_IMAGE
    debootstrap = require_binary("container", "debootstrap")
    rootfs = workdir / "rootfs"
    made = subprocess.run([debootstrap, "--variant=minbase", "--include=python3,python3-venv", "bookworm",
                           str(rootfs)], capture_output=True, text=True, timeout=900)
    assert made.returncode == 0, f"debootstrap failed:\n{(made.stdout + made.stderr)[-3000:]}"
    # apt's downloaded packages and package lists are of no use in the image.
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "--exclude=./var/cache/apt/archives/*.deb",
                            "--exclude=./var/lib/apt/lists/*", "-c", "."], stdout=subprocess.PIPE)
    with tar.stdout:
        podman("import", "-", BASE_IMAGE, stdin=tar.stdout, timeout=300)
    assert tar.wait(timeout=60) == 0
    shutil.rmtree(rootfs)
    return BASE_IMAGE


@pytest.fixture(scope="session")
def image(podman, tmp_path_factory) -> str:
    tag = f"localhost/cognito-weather:test-{os.getpid()}"
    # Docker's format keeps the HEALTHCHECK (OCI's has none); no cached layers: nothing is left behind in podman's
    # storage but the base.
    build = ["build", "--isolation", "chroot", "--format", "docker", "--layers=false", "--tag", tag,
             "--build-arg", f"BASE={base_image(podman, tmp_path_factory.mktemp('base'))}"]
    # Downloads from the build may pass through a TLS-inspecting proxy: the build gets the host's CA bundle.
    ca_bundle = os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE")
    if ca_bundle:
        build += ["--secret", f"id=ca,src={ca_bundle}", "--build-arg", "PIP_CERT=/run/secrets/ca"]
    podman(*build, str(ROOT), timeout=900)
    yield tag
    podman("rmi", tag, check=False)


@dataclass
class Container:
    podman: Podman
    name: str
    url: str

    def logs(self) -> str:
        result = self.podman("logs", self.name)
        return result.stdout + result.stderr

    def running(self) -> bool:
        return self.podman("inspect", "--format", "{{.State.Running}}", self.name).stdout.strip() == "true"

    def wait_until_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise AssertionError(f"{self.name} exited:\n{self.logs()[-3000:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} did not answer /healthz in {timeout}s:\n{self.logs()[-3000:]}")

    def remove(self) -> None:
        self.podman("rm", "--force", "--time", "0", self.name, check=False)


def start_container(podman: Podman, image: str, name: str, port: int, env: dict[str, str], *command: str
                    ) -> Container:
    env = {**env, "BIND": f"127.0.0.1:{port}"}
    # No health-check timer (podman would need systemd for it): the tests run the image's check themselves.
    podman("run", "--detach", "--name", name, "--network", "host", "--health-interval", "disable",
           *(f"--env={key}" for key in env), image, *command, env=env)
    return Container(podman, name, f"http://127.0.0.1:{port}")
