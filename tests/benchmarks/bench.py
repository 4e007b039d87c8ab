"""What every benchmark shares: the run plan, gunicorn settings, scratch space and the servers started so far.

Servers are started on first use and kept until the whole run ends, so figures that need the same local
Cognito or weather API share one; `Bench` stops everything it started, newest first.
"""

from __future__ import annotations

import shutil
from contextlib import ExitStack
from pathlib import Path
from typing import Mapping

from tests.benchmarks.measure import Comparison, Plan, Target, compare
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

    def gunicorn(self, name: str, app: str, env: Mapping[str, str] | None = None) -> Process:
        """`app` under gunicorn with the shared worker settings; stopped when the run ends."""
        process = gunicorn(name, app, env or {}, self.workers, self.logs)
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

    def compare(self, app: Target, ceiling: Target) -> Comparison:
        return compare(app, ceiling, self.plan)
