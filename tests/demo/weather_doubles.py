"""Stand-ins for the weather API on loopback, for failures the real one cannot be made to show on demand.

- `ScriptedApi`: answers whatever the test sets (`answer(...)`, `set_cookie`, after `delay` seconds), or holds the
  request (`stall`)
  until released, or trickles the body a byte at a time (`stall = "trickle"`: every read gets a byte in time, the
  whole takes longer than any timeout); `cookies_received` lists each request's Cookie header;
- `Gatekeeper`: the real API behind a door that refuses chosen tokens with an RFC 6750 401, as an API that checks
  revocation would, and notes who came in (a digest of the token, the client's port).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from tests.servers import ServerThread

# A held request waits at most this long (the web app gives up long before; stopping the server releases it).
HOLD_LIMIT = 30
# Well inside the web app's 1 s timeout for each read.
TRICKLE_PAUSE = 0.2


class ScriptedApi:
    def __init__(self):
        self.release = threading.Event()
        self.reset()
        self.server = ServerThread(self).start()
        self.url = self.server.url

    def reset(self) -> None:
        self.status, self.body, self.content_type, self.stall = 200, b"[]", "application/json", None
        self.delay = 0.0
        self.set_cookie: str | None = None
        self.cookies_received: list[str | None] = []
        self.trickled_whole = False

    def answer(self, status: int, body: bytes | str, content_type: str = "application/json") -> None:
        self.status, self.content_type = status, content_type
        self.body = body.encode() if isinstance(body, str) else body

    def __call__(self, environ, start_response):
        self.cookies_received.append(environ.get("HTTP_COOKIE"))
        time.sleep(self.delay)
        if self.stall == "before_headers":
            self.release.wait(HOLD_LIMIT)
        headers = [("Content-Type", self.content_type), ("Content-Length", str(len(self.body)))]
        if self.set_cookie:
            headers.append(("Set-Cookie", self.set_cookie))
        start_response(f"{self.status} Scripted", headers)
        if self.stall == "mid_body":
            return self._hold_mid_body(self.body)
        if self.stall == "trickle":
            return self._byte_by_byte(self.body)
        return [self.body]

    def _byte_by_byte(self, body: bytes):
        for index in range(len(body)):
            self.trickled_whole = index == len(body) - 1
            yield body[index:index + 1]
            if self.release.wait(TRICKLE_PAUSE):
                yield body[index + 1:]
                return

    def _hold_mid_body(self, body: bytes):
        yield body[:8]
        self.release.wait(HOLD_LIMIT)
        yield body[8:]

    def stop(self) -> None:
        self.release.set()
        self.server.stop()


@dataclass(frozen=True)
class Visit:
    token_digest: str
    client_port: int
    status: int


class Gatekeeper:
    """An HTTP/1.1 server with keep-alive (unlike Werkzeug's, which closes every connection), so a test can see
    whether the web app reuses its connections."""

    def __init__(self, upstream_url: str):
        self.upstream_url = upstream_url
        self.http = requests.Session()
        self.reset()
        gate = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                status, body, headers = gate.answer(self.path, self.headers.get("Authorization", ""),
                                                    self.client_address[1])
                self.send_response(status)
                for name, value in [("Content-Type", "application/json"), *headers]:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self) -> None:
        self.refuse_next_token = False
        self.refused: set[str] = set()
        self.visits: list[Visit] = []

    def answer(self, path: str, authorization: str, client_port: int) -> tuple[int, bytes, list]:
        digest = hashlib.sha256(authorization.encode()).hexdigest()
        if self.refuse_next_token:
            self.refuse_next_token = False
            self.refused.add(digest)
        if digest in self.refused:
            status, body, headers = 401, b'{"error": "invalid_token"}', [
                ("WWW-Authenticate", 'Bearer realm="weatherapi", error="invalid_token"')]
        else:
            upstream = self.http.get(self.upstream_url + path, headers={"Authorization": authorization}, timeout=10)
            status, body, headers = upstream.status_code, upstream.content, []
        self.visits.append(Visit(digest, client_port, status))
        return status, body, headers

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.http.close()
