"""A Hosted UI domain whose token endpoint says whatever a test scripts: for the callback's and the refresh's
validation paths (bad tokens, error responses, outages) without bending the local Cognito.

Discovery and the JWKS come from `tests.idp.FakeIdp` (its keys sign the tokens the test mints); its discovery
document is re-pointed so the authorization, token, revocation and logout endpoints are on this server, which
is what the web app is configured to treat as its Hosted UI domain. Every request to this server is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.idp import FakeIdp
from tests.servers import ServerThread

TOKEN_PATH = "/oauth2/token"
REVOKE_PATH = "/oauth2/revoke"


@dataclass
class Recorded:
    path: str
    form: dict
    authorization: str | None


class ScriptedHostedUi:
    def __init__(self, idp: FakeIdp):
        self.idp = idp
        self.server = ServerThread()
        self.url = self.server.url
        self.requests: list[Recorded] = []
        self.token_answers: deque[tuple[int, Any]] = deque()
        self.delay = 0.0
        self._lock = threading.Lock()
        self.server.start(self.wsgi)

    def point_discovery_here(self) -> None:
        """Make the FakeIdp's discovery document name this server's endpoints (call after `idp.reset()`)."""
        document = self.idp.discovery()
        document.update(
            authorization_endpoint=f"{self.url}/oauth2/authorize",
            token_endpoint=f"{self.url}{TOKEN_PATH}",
            userinfo_endpoint=f"{self.url}/oauth2/userInfo",
            revocation_endpoint=f"{self.url}{REVOKE_PATH}",
            end_session_endpoint=f"{self.url}/logout",
        )
        self.idp.respond(self.idp.metadata_path, document)

    def reset(self) -> None:
        self.requests.clear()
        self.token_answers.clear()
        self.delay = 0.0

    def answer_tokens(self, body: Any, status: int = 200) -> None:
        """Queue one answer of the token endpoint (a dict is sent as JSON, a str as it is)."""
        self.token_answers.append((status, body))

    def recorded(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def wsgi(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.requests.append(Recorded(request.path, request.form.to_dict(), request.headers.get("Authorization")))
            # Taken on arrival, so a slow request left over from a previous test cannot steal this test's answer.
            answer = self.token_answers.popleft() if request.path == TOKEN_PATH and self.token_answers else None
        if self.delay:
            time.sleep(self.delay)
        if answer is not None:
            status, body = answer
            data = body if isinstance(body, str) else json.dumps(body)
            response = Response(data, status, content_type="application/json")
        elif request.path == REVOKE_PATH:
            response = Response("", 200)
        else:
            response = Response("not scripted", 404)
        return response(environ, start_response)

    def stop(self) -> None:
        self.server.stop()
