"""Fixtures private to the client's tests: a scripted HTTP server standing in for odd or hostile APIs."""

from __future__ import annotations

import pytest
from flask import Flask, Response, request

from tests.servers import ServerThread


class ScriptedServer:
    """Answers every request with the response a test set (`answer`), and records what it was sent."""

    def __init__(self):
        self.response = Response("[]", mimetype="application/json")
        self.requests: list[dict] = []
        app = Flask(__name__)

        @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
        @app.route("/<path:path>", methods=["GET", "POST"])
        def anything(path):
            self.requests.append({"path": "/" + path, "headers": dict(request.headers), "args": dict(request.args)})
            return self.response

        self.server = ServerThread(app).start()
        self.url = self.server.url

    def answer(self, body: str, status: int = 200, headers: dict | None = None, mimetype="application/json"):
        self.response = Response(body, status=status, headers=headers or {}, mimetype=mimetype)
        self.requests.clear()


@pytest.fixture(scope="session")
def scripted_server():
    server = ScriptedServer()
    yield server
    server.server.stop()


@pytest.fixture
def scripted(scripted_server):
    scripted_server.answer("[]")
    return scripted_server
