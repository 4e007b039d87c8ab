"""`bounded_session`, the one way the product calls Cognito and APIs: a size cap, a whole-body deadline (one read
timeout after the headers) that holds against a server trickling bytes, even inside one read that urllib3 keeps
going on bytes that are not body, requests' exceptions (never urllib3's, which no caller catches), and keep-alive
connections that still return to the pool."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.servers import ServerThread
from webapp.bounded_http import (
    CircuitBreaker,
    CircuitOpen,
    ResponseTooLarge,
    ResponseTooSlow,
    bounded_get,
    bounded_session,
)

PIECES = 20


class TricklingServer:
    """Answers with a body of PIECES parts 0.2 s apart (each read gets bytes well within a 1 s timeout), counting
    the parts it has sent; `Content-Length` can promise more than it sends, and `gzip` encodes the body."""

    def __init__(self):
        self.sent = 0
        self.pause = 0.2
        self.declared_extra = 0
        self.gzip = False
        self.lock = threading.Lock()
        self.server = ServerThread(self).start()
        self.url = self.server.url

    def __call__(self, environ, start_response):
        body = b'{"x": "' + b"y" * 1000 + b'"}'
        headers = [("Content-Type", "application/json")]
        if self.gzip:
            body = gzip.compress(body)
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("Content-Length", str(len(body) + self.declared_extra)))
        start_response("200 OK", headers)
        return self.parts(body)

    def parts(self, body: bytes):
        size = -(-len(body) // PIECES)
        for start in range(0, len(body), size):
            with self.lock:
                self.sent += 1
            yield body[start:start + size]
            time.sleep(self.pause)


@pytest.fixture
def trickling():
    server = TricklingServer()
    yield server
    server.server.stop()


def read(url: str, *, max_bytes: int = 64 * 1024, timeout: float = 1.0) -> bytes:
    return bounded_session(max_bytes).get(url, timeout=timeout).content


def test_a_deadline_stops_reading_while_the_body_is_still_arriving(trickling):
    with pytest.raises(ResponseTooSlow):
        read(trickling.url, timeout=0.5)
    with trickling.lock:
        sent_when_abandoned = trickling.sent
    assert sent_when_abandoned < PIECES  # given up mid-body, not after waiting for all of it


def test_a_slow_body_within_the_deadline_is_read_whole(trickling):
    trickling.pause = 0.01
    assert read(trickling.url, timeout=30).endswith(b'y"}')


def test_an_encoded_body_is_decoded_and_described_as_it_is_handed_on(trickling):
    trickling.gzip, trickling.pause = True, 0.01
    response = bounded_session(64 * 1024).get(trickling.url, timeout=5)
    assert response.content.endswith(b'y"}')
    assert "Content-Encoding" not in response.headers
    assert response.headers["Content-Length"] == str(len(response.content))


def test_the_size_cap_applies_to_the_body_as_it_arrives(trickling):
    trickling.pause = 0.01
    with pytest.raises(ResponseTooLarge):
        read(trickling.url, max_bytes=100)


def test_a_connection_closed_mid_body_is_a_requests_error(trickling):
    trickling.pause, trickling.declared_extra = 0.01, 500  # promises 500 bytes it never sends
    with pytest.raises(requests.ConnectionError):
        read(trickling.url)


def test_a_stalled_read_is_a_requests_timeout(trickling):
    trickling.pause = 1.0
    with pytest.raises(requests.Timeout):
        read(trickling.url, timeout=0.2)


class TrailerTrickler:
    """A raw HTTP/1.1 server (Werkzeug cannot send trailers) answering with a complete chunked body followed by
    TRAILERS trailer lines 0.3 s apart: http.client discards trailer lines in one loop inside a single read, so
    every byte arrives within a 1 s read timeout while the read goes on for seconds."""

    TRAILERS = 25

    def __init__(self):
        self.sent = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        threading.Thread(target=self.serve_one, daemon=True).start()

    def serve_one(self):
        connection, _ = self.listener.accept()
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                received = connection.recv(65536)
                if not received:
                    return
                request += received
            body = b'{"ok": true}'
            try:
                connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   + b"%x\r\n%s\r\n0\r\n" % (len(body), body))
                for _ in range(self.TRAILERS):
                    time.sleep(0.3)
                    connection.sendall(b"X-Pad: 1\r\n")
                    self.sent += 1
                connection.sendall(b"\r\n")
            except OSError:
                pass

    def stop(self):
        self.listener.close()


def test_a_read_stretched_by_trailers_ends_at_the_deadline():
    server = TrailerTrickler()
    try:
        started = time.monotonic()
        with pytest.raises(ResponseTooSlow):
            bounded_session(64 * 1024).get(server.url, timeout=1.0)
        assert time.monotonic() - started < 2.5
        assert server.sent < TrailerTrickler.TRAILERS  # not after the server chose to stop
    finally:
        server.stop()


class Recorder(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive (Werkzeug's server closes every connection): sets a cookie, and records each
    request's client port and headers in the server's `seen`."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.seen.append((self.client_address[1], self.headers))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "affinity=first; Path=/")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_connections_are_reused_and_no_cookie_rides_along(recorder):
    http = bounded_session(1024)
    for _ in range(3):
        assert http.get(f"http://127.0.0.1:{recorder.server_port}/", timeout=5).json() == {"ok": True}
    assert len({port for port, _ in recorder.seen}) == 1  # one keep-alive connection, back in the pool each time
    assert [headers.get("Cookie") for _, headers in recorder.seen] == [None, None, None]


def test_a_bare_get_sends_the_sessions_headers_and_its_own_on_a_kept_connection(recorder):
    http = bounded_session(1024)
    http.headers["Accept"] = "application/json"
    for _ in range(3):
        response = bounded_get(http, f"http://127.0.0.1:{recorder.server_port}/a path?city=x",
                               headers={"Authorization": "Bearer t", "X-Request-ID": None}, timeout=5)
        assert response.json() == {"ok": True}
    assert len({port for port, _ in recorder.seen}) == 1
    for _, headers in recorder.seen:
        assert (headers["Accept"], headers["Authorization"], headers.get("X-Request-ID")) == \
            ("application/json", "Bearer t", None)
        assert headers.get("Cookie") is None
    assert recorder.seen and not http.cookies


def test_a_bare_get_checks_headers_as_requests_does(recorder):
    """A header value that would end the header early is a requests error (which callers handle), not a request
    sent or a ValueError from deep in http.client."""
    with pytest.raises(requests.RequestException):
        bounded_get(bounded_session(1024), f"http://127.0.0.1:{recorder.server_port}/",
                    headers={"Authorization": "Bearer t\r\nX-Evil: 1"}, timeout=5)
    assert recorder.seen == []


def test_a_bare_get_is_bounded(trickling):
    with pytest.raises(ResponseTooLarge):
        bounded_get(bounded_session(100), trickling.url, headers={}, timeout=5)
    with pytest.raises(ResponseTooSlow):
        bounded_get(bounded_session(64 * 1024), trickling.url, headers={}, timeout=0.5)


def test_every_call_needs_a_timeout(trickling):
    with pytest.raises(ValueError, match="timeout"):
        bounded_session(1024).get(trickling.url)


def test_a_late_answer_does_not_close_an_open_circuit():
    """A call made before the service froze can still be answered after three others timed out and opened the
    circuit: that answer says nothing about now, so calls stay refused until the trial call after the pause."""
    now = [0.0]
    breaker = CircuitBreaker("the API", threshold=3, pause=10.0, clock=lambda: now[0])
    for _ in range(4):
        breaker.before()  # four calls in flight
    for _ in range(3):
        breaker.failed()
    breaker.succeeded()  # the fourth one's late answer
    with pytest.raises(CircuitOpen):
        breaker.before()
    now[0] = 10.5
    breaker.before()  # the trial call
    with pytest.raises(CircuitOpen):
        breaker.before()  # one trial at a time
    breaker.succeeded()
    breaker.before()  # closed again
