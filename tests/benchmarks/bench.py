"""What every benchmark shares: the run plan, gunicorn settings, scratch space and the servers started so far.

Servers are started on first use and kept until the whole run ends, so figures that need the same local
Cognito or weather API share one; `Bench` stops everything it started, newest first.
"""

from __future__ import annotations

import shutil
from contextlib import ExitStack
from pathlib import Path
from typing import Mapping

from tests.benchmarks import services
from tests.benchmarks.measure import Comparison, Plan, Rounds, Target, compare, run_rounds
from tests.benchmarks.processes import Process, Workers, gunicorn
from tests.servers import RedisServer


class Bench(ExitStack):
    def __init__(self, scratch: Path, plan: Plan, workers: Workers = Workers()):
        super().__init__()
        self.scratch = scratch
        self.plan = plan
        self.workers = workers
        self.logs = scratch / "logs"
        self.logs.mkdir()
        self.shared: dict[str, object] = {}

    def directory(self, name: str) -> Path:
        path = self.scratch / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def gunicorn(self, name: str, app: str, env: Mapping[str, str] | None = None, *, port: int | None = None,
                 workers: Workers | None = None) -> Process:
        """`app` under gunicorn (the shared worker settings unless told otherwise); stopped when the run ends."""
        process = gunicorn(name, app, env or {}, workers or self.workers, self.logs, port=port)
        self.callback(process.stop)
        return process

    def once(self, name: str, start):
        """The result of `start()` the first time `name` is asked for, the same object afterwards."""
        if name not in self.shared:
            self.shared[name] = start()
        return self.shared[name]

    @property
    def redis(self) -> RedisServer:
        def start() -> RedisServer:
            binary = shutil.which("redis-server")
            if not binary:
                raise RuntimeError("the Redis benchmarks need redis-server on PATH (Debian: apt-get install redis-server)")
            server = RedisServer(binary, self.directory("redis"))
            self.callback(server.stop)
            return server

        return self.once("redis", start)

    def next_redis_db(self) -> int:
        """A Redis database of its own for each web app, so figures count only their own sessions."""
        self.shared["redis_dbs"] = self.shared.get("redis_dbs", 0) + 1
        return self.shared["redis_dbs"]

    @property
    def cognito(self) -> "services.LocalCognito":
        return self.once("cognito", lambda: services.start_local_cognito(self))

    @property
    def weather_api(self) -> Process:
        return self.once("weather_api", lambda: services.start_weather_api(self))

    def compare(self, app: Target, ceiling: Target) -> Comparison:
        return compare(app, ceiling, self.plan)

    def rounds(self, targets: dict[str, Target]) -> Rounds:
        return run_rounds(targets, self.plan)
