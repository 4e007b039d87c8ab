"""HTTP calls with bounds on every answer: the one way the product calls Cognito and the APIs it uses.

requests bounds each socket operation but not an answer as a whole, and reads a body of any size into memory. A
`bounded_session`'s adapter reads every body as it arrives, stops at `max_bytes` (`ResponseTooLarge`) and gives up
when the answer is still arriving one read timeout after the call began (`ResponseTooSlow`); callers then use requests
as usual, Authlib's token requests included. Hand-written: neither requests nor urllib3 has a total deadline or a
size cap. The one module that reaches below requests, through urllib3's public `read1` and `shutdown`.
"""

from __future__ import annotations

import contextlib
import heapq
import io
import itertools
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
import urllib3
from authlib.integrations.requests_client import OAuth2Session
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)
#: Headers that described the body as it came over the wire; the body handed on is already decoded and whole.
WIRE_HEADERS = ("Content-Encoding", "Content-Length", "Transfer-Encoding")


class ResponseTooLarge(requests.RequestException):
    """A body (declared or as sent) longer than the session's cap; a RequestException, as every caller handles."""


class ResponseTooSlow(requests.Timeout):
    """The answer was still arriving one read timeout after the call began."""


class CircuitOpen(requests.ConnectionError):
    """The service failed repeatedly just now: the call is refused at once instead of waiting on it again."""


class DocumentFetchError(Exception):
    """`fetch_json` failed; the message says why (the URL and an HTTP status or error type, nothing secret)."""


class Watchdog:
    """One thread that shuts the socket of an answer still arriving at its deadline: a server can stretch a single
    `read1` with bytes that are not body (chunked trailers, a long chunk-size line, compressed padding), each within
    the read timeout, and only a socket shut from outside ends such a read. A heap serves every call."""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._heap: list[list] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: float, raw: urllib3.HTTPResponse) -> list:
        entry = [deadline, next(self._order), raw]
        with self._wake:
            heapq.heappush(self._heap, entry)
            if self._thread is None or not self._thread.is_alive():  # first use, or a forked child
                self._thread = threading.Thread(target=self._run, name="http-watchdog", daemon=True)
                self._thread.start()
            if self._heap[0] is entry:
                self._wake.notify()
        return entry

    def release(self, entry: list) -> None:
        """Once this returns the watchdog never touches the answer (its connection may go back to the pool)."""
        with self._wake:
            entry[2] = None

    def _run(self) -> None:
        with self._wake:
            while True:
                while self._heap and self._heap[0][2] is None:
                    heapq.heappop(self._heap)
                delay = self._heap[0][0] - time.monotonic() if self._heap else None
                if delay is None or delay > 0:
                    self._wake.wait(delay)
                    continue
                with contextlib.suppress(RuntimeError, ValueError, OSError):  # closed, or back in the pool
                    heapq.heappop(self._heap)[2].shutdown()


class CircuitBreaker:
    """Fail fast while a service is failing: after `threshold` calls in a row end without an answer (timeouts,
    refused or dropped connections) the circuit opens, and calls are refused at once for `pause` seconds; then one
    trial call goes through, and its answer closes the circuit (its failure opens it again). A hung service then
    costs a few requests their timeout, not every request their threads. Each opening is logged once (that is the
    warning an operator needs, not one line per refused call) and told to `on_open`. Hand-written, a few lines, so
    that it runs on the app's injectable clock (pybreaker reads the wall clock)."""

    def __init__(self, name: str, *, threshold: int = 3, pause: float = 10.0,
                 clock: Callable[[], float] = time.monotonic, on_open: Callable[[str, float], None] | None = None):
        self.name, self.threshold, self.pause, self.clock, self.on_open = name, threshold, pause, clock, on_open
        self._lock = threading.Lock()
        self._failures, self._retry_at, self._trial = 0, 0.0, False

    def before(self) -> None:
        with self._lock:
            if self._failures < self.threshold:
                return
            if self._trial or self.clock() < self._retry_at:
                raise CircuitOpen(f"{self.name} is failing; not calling it for a while")
            self._trial = True

    def succeeded(self) -> None:
        with self._lock:
            if self._failures >= self.threshold and not self._trial:
                return  # the late answer to a call made before the circuit opened: only the trial call closes it
            self._failures, self._trial = 0, False

    def failed(self) -> None:
        with self._lock:
            self._failures += 1
            opens = self._failures >= self.threshold and (self._trial or self._failures == self.threshold)
            self._trial = False
            if opens:
                self._retry_at = self.clock() + self.pause
        if opens:
            log.warning("%s is failing: not calling it for %.0f s", self.name, self.pause)
            if self.on_open is not None:
                self.on_open(self.name, self.pause)


class BoundedAdapter(HTTPAdapter):
    """Reads each answer's body at once, within the bounds, and hands requests the body already read. No retries
    (a call the server may have seen is not repeated behind the caller's back), and no cookie reaches the session
    (one session serves every user). With a `breaker`, a failing service is not called while it fails; `observe`
    is told about every call: (request, seconds, the status or the exception's class name)."""

    def __init__(self, max_bytes: int, pool_maxsize: int = 10, *, breaker: CircuitBreaker | None = None,
                 observe: Callable[[requests.PreparedRequest, float, int | str], None] | None = None):
        super().__init__(pool_connections=4, pool_maxsize=pool_maxsize, max_retries=0)
        self.max_bytes = max_bytes
        self.watchdog = Watchdog()
        self.breaker, self.observe = breaker, observe

    def send(self, request, stream=False, timeout=None, **kwargs) -> requests.Response:
        started = time.monotonic()
        deadline = started + read_timeout(timeout)
        try:
            if self.breaker is not None:
                self.breaker.before()
            answer = self._send(request, deadline, timeout=timeout, **kwargs)
        except requests.RequestException as error:
            if self.breaker is not None and isinstance(error, (requests.ConnectionError, requests.Timeout)) \
                    and not isinstance(error, CircuitOpen):
                self.breaker.failed()
            self._observe(request, started, type(error).__name__)
            raise
        if self.breaker is not None:
            self.breaker.succeeded()
        self._observe(request, started, answer.status_code)
        return answer

    def _observe(self, request, started: float, outcome: int | str) -> None:
        if self.observe is not None:
            self.observe(request, time.monotonic() - started, outcome)

    def _send(self, request, deadline: float, **kwargs) -> requests.Response:
        response = super().send(request, stream=True, **kwargs)
        with response:
            body = self._read_body(response, deadline)
        headers = response.raw.headers.copy()
        for name in WIRE_HEADERS:
            headers.discard(name)
        headers["Content-Length"] = str(len(body))
        whole = urllib3.HTTPResponse(body=io.BytesIO(body), headers=headers, status=response.status_code,
                                     reason=response.reason, preload_content=False)
        return self.build_response(request, whole)

    def _read_body(self, response: requests.Response, deadline: float) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise ResponseTooLarge(f"{response.url} declared more than {self.max_bytes} bytes")
        entry = self.watchdog.watch(deadline, response.raw)
        chunks, size = [], 0
        try:
            while chunk := read_some(response.raw):
                size += len(chunk)
                if size > self.max_bytes:
                    raise ResponseTooLarge(f"{response.url} sent more than {self.max_bytes} bytes")
                if time.monotonic() > deadline:
                    break
                chunks.append(chunk)
        except requests.ConnectionError:
            if time.monotonic() < deadline:
                raise
        finally:
            self.watchdog.release(entry)
        # A socket shut among trailers reads as the end of the answer: past the deadline, it was not.
        if time.monotonic() >= deadline:
            raise ResponseTooSlow(f"{response.url} was still sending at the deadline")
        return b"".join(chunks)


def read_some(raw: urllib3.HTTPResponse) -> bytes:
    """One socket read's worth of the decoded body; urllib3's errors as requests' own, which callers handle."""
    try:
        return raw.read1(64 * 1024, decode_content=True)
    except urllib3.exceptions.ReadTimeoutError as error:
        raise requests.ReadTimeout(error) from None
    except (urllib3.exceptions.HTTPError, OSError) as error:
        raise requests.ConnectionError(error) from None


def read_timeout(timeout: Any) -> float:
    """The read part of a requests timeout (a number or a (connect, read) pair); every bounded call has one."""
    value = timeout[1] if isinstance(timeout, tuple) else timeout
    if not isinstance(value, (int, float)):
        raise ValueError("a bounded session needs a timeout on every call")
    return float(value)


def bounded_session(max_bytes: int, *, pool_maxsize: int = 10, base_url: str | None = None,
                    **adapter_options: Any) -> requests.Session:
    """A requests session whose every answer is bounded (see the module docstring); `adapter_options` are
    `BoundedAdapter`'s (a breaker, an observer).

    With `base_url`, the proxy and CA settings of the environment are read once for it: requests otherwise
    re-reads them on every call (about 0.1 ms, a few percent of a page that calls an API).
    """
    session = requests.Session()
    adapter = BoundedAdapter(max_bytes, pool_maxsize, **adapter_options)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if base_url is not None:
        session.proxies = requests.utils.get_environ_proxies(base_url)
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        session.trust_env = False
    return session


def bounded_get(session: requests.Session, url: str, *, headers: Mapping[str, str | None],
                timeout: Any) -> requests.Response:
    """GET `url` (with its query; urllib3 percent-encodes it as requests would) through `session`'s bounded adapter,
    with the session's headers, proxies and CA settings, and without the rest of a requests call (no cookies: one
    session serves every user; no redirects, no hooks, no settings merged per call), which costs about 0.2 ms of CPU
    per call, a tenth of a page that calls an API (docs/benchmarks.md, figure 2). Headers set to None are left out;
    the others are checked as requests checks them."""
    request = requests.PreparedRequest()
    request.prepare_method("GET")
    request.url = url
    given = {name: value for name, value in headers.items() if value is not None}
    request.prepare_headers({**session.headers, **given})
    return session.get_adapter(url).send(request, timeout=timeout, verify=session.verify, cert=session.cert,
                                         proxies=session.proxies)


class BoundedOAuth2Session(OAuth2Session):
    """Authlib's requests session for token, revocation and client-credentials calls, over a `BoundedAdapter`
    shared by every session made with it (Authlib makes one per call), and following no redirect: a token
    endpoint that redirects is not one."""

    def __init__(self, *args, adapter: BoundedAdapter, **kwargs):
        super().__init__(*args, **kwargs)
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        self.max_redirects = 0


def fetch_json(session: requests.Session, url: str, *, timeout: float) -> Any:
    """GET a JSON document with a bounded session: no redirects (Cognito serves its documents directly)."""
    try:
        response = session.get(url, timeout=timeout, allow_redirects=False, headers={"Accept": "application/json"})
    except requests.RequestException as error:
        raise DocumentFetchError(f"{url} is unreachable ({type(error).__name__})") from None
    if response.status_code != 200:
        raise DocumentFetchError(f"{url} answered HTTP {response.status_code}")
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):  # RecursionError: brackets nested deeper than the parser goes
        raise DocumentFetchError(f"{url} did not return JSON") from None
