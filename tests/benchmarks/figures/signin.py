"""Figures 4 and 6: sign-in round trips, and token refresh while 200 signed-in sessions are busy.

4: browserless sign-ins (home → /login → Hosted UI form → credentials → /callback → landing, as
`tests.fixtures.webapp.sign_in` walks them, each with a fresh `requests.Session` as the browser), a few at a
time, against the local Cognito. The callback's share is the time from sending `GET /callback` to its response
(the code exchange with Cognito, token validation and the session write all happen inside it) over the whole
round trip, summed over all sign-ins.

6: each of 200 real sessions (signed in by figure 4, and likewise for the embedded store) gets its recorded
refresh time (`refresh_at`) moved to a few seconds after the load starts, so every token falls due once mid-run;
then two clients per session request /profile (which refreshes a due token) until the run ends. Every non-200 answer or
failed request is an error. Refreshes are counted twice: by the local Cognito (refresh_token grants issued) and
by each session's own revision counter, which the web app bumps once per refresh it publishes.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from tests.benchmarks import clones, services
from tests.benchmarks.bench import Bench
from tests.benchmarks.processes import Workers
from tests.benchmarks.report import Row

SESSIONS = 200
SIGN_IN_THREADS = 4
CLIENTS_PER_SESSION = 2
DUE_AFTER = (2.0, 6.0)  # seconds into the run at which each session's token falls due
RUN_SECONDS = 12.0
MAX_SECONDS = 60.0
# The refresh run opens 400 connections at once: no cap on connections per worker here, and idle connections
# are kept long enough that a client thread starved of CPU for a few seconds does not find its connection
# closed under it (a browser would silently retry such a request; these clients count it as an error).
OPEN_WORKERS = {
    "redis": Workers(processes=2, threads=4, connections=1000, keep_alive=60),
    # The embedded store is for one process (its refresh lock is a thread lock; see webapp/cognito_auth/session_store.py).
    "embedded": Workers(processes=1, threads=8, connections=1000, keep_alive=60),
}


@dataclass(frozen=True)
class Timing:
    """One sign-in: its session id and seconds spent in the whole round trip, in /callback, and in the POST of
    the credentials to the Hosted UI (where the local Cognito checks the password hash)."""

    sid: str
    total: float
    callback: float
    credentials: float


@dataclass
class SignedIn:
    app: services.WebApp
    timings: list[Timing]
    seconds: float

    @property
    def sids(self) -> list[str]:
        return [timing.sid for timing in self.timings]

    def mean_ms(self, part: str) -> float:
        return sum(getattr(timing, part) for timing in self.timings) / len(self.timings) * 1000


def one_sign_in(app: services.WebApp, email: str, password: str) -> Timing:
    from tests.fixtures.webapp import sign_in  # the web app's own browserless sign-in

    http = requests.Session()
    started = time.perf_counter()
    landing = sign_in(http, app.url, email, password)
    total = time.perf_counter() - started
    callback = [hop for hop in landing.history if hop.url.startswith(f"{app.url}/callback")]
    if landing.status_code != 200 or len(callback) != 1 or landing.history[0].request.method != "POST":
        raise RuntimeError(f"sign-in did not post credentials, pass /callback once and land "
                           f"(HTTP {landing.status_code})")
    return Timing(http.cookies.get("session"), total, callback[0].elapsed.total_seconds(),
                  landing.history[0].elapsed.total_seconds())


def sign_in_many(bench: Bench, store: str) -> SignedIn:
    def start() -> SignedIn:
        app = services.start_webapp(bench, store, name=f"webapp-signin-{store}", workers=OPEN_WORKERS[store])
        email, password = bench.cognito.demo_user
        one_sign_in(app, email, password)  # warm-up: discovery, JWKS, connections
        started = time.perf_counter()
        with ThreadPoolExecutor(SIGN_IN_THREADS) as pool:
            timings = list(pool.map(lambda _: one_sign_in(app, email, password), range(SESSIONS)))
        return SignedIn(app, timings, time.perf_counter() - started)

    return bench.once(f"signed-in-{store}", start)


def run_sign_in(bench: Bench) -> list[Row]:
    signed = sign_in_many(bench, "redis")
    total, callback, credentials = (signed.mean_ms(part) for part in ("total", "callback", "credentials"))
    return [
        Row(f"4a. Sign-in round trips per second ({SIGN_IN_THREADS} browsers at a time, local Cognito, Redis)",
            f"{SESSIONS / signed.seconds:,.1f} /s", ratio=f"{total:,.0f} ms each", target="report"),
        Row("4b. Share of the sign-in spent in the web app's /callback", f"{callback / total:.0%}",
            ratio=f"{callback:,.0f} ms each (credentials POST at the Hosted UI: {credentials:,.0f} ms)",
            target="report"),
    ]


@dataclass
class Load:
    """The refresh run's clients' shared record. It runs at least RUN_SECONDS, and on (up to MAX_SECONDS) until
    every session has been served at least once after its token fell due, so each one is put to the test."""

    due: dict[str, float]  # session id -> wall-clock time its token falls due
    min_end: float
    max_end: float
    requests: int = 0
    errors: int = 0
    first_error: str = ""
    served_after_due: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def running(self) -> bool:
        now = time.monotonic()
        return now < self.min_end or (now < self.max_end and len(self.served_after_due) < len(self.due))

    def record(self, sid: str, sent_at: float, error: str | None) -> None:
        with self.lock:
            self.requests += 1
            if error:
                self.errors += 1
                self.first_error = self.first_error or error
            elif sent_at >= self.due[sid]:
                self.served_after_due.add(sid)


def keep_requesting(url: str, sid: str, load: Load) -> None:
    http = requests.Session()
    http.cookies.set("session", sid)
    while load.running():
        sent_at = time.time()
        try:
            response = http.get(url, allow_redirects=False, timeout=30)
            error = None if response.status_code == 200 else f"HTTP {response.status_code}"
        except requests.RequestException as failure:
            error = f"{type(failure).__name__}: {failure}"[:160]
        load.record(sid, sent_at, error)


def refresh_under_load(bench: Bench, store: str, letter: str, label: str) -> list[Row]:
    signed = sign_in_many(bench, store)
    sessions = clones.sessions_for(signed.app)
    revisions = {sid: sessions.read(sid).get("rev", 0) for sid in signed.sids}
    before = bench.cognito.grant_counts().get("refresh_token", 0)
    start, spread = time.time(), random.Random(6)
    due = {sid: start + spread.uniform(*DUE_AFTER) for sid in signed.sids}
    for sid in signed.sids:
        sessions.rewrite(sid, lambda data: data["tokens"].update(refresh_at=due[sid]))
    began = time.monotonic()
    load = Load(due, min_end=began + RUN_SECONDS, max_end=began + MAX_SECONDS)
    url = f"{signed.app.url}/profile"
    with ThreadPoolExecutor(SESSIONS * CLIENTS_PER_SESSION) as pool:
        for sid in signed.sids * CLIENTS_PER_SESSION:
            pool.submit(keep_requesting, url, sid, load)
    seconds = time.monotonic() - began
    granted = bench.cognito.grant_counts().get("refresh_token", 0) - before
    per_session = [sessions.read(sid).get("rev", 0) - revisions[sid] for sid in signed.sids]
    tested = len(load.served_after_due)
    errors = f"{load.errors} of {load.requests:,} requests in {seconds:.0f} s"
    if load.errors:
        errors += f" (first: {load.first_error})"
    return [
        Row(f"6{letter}1. Refresh under load ({label}): errors, {SESSIONS} sessions × {CLIENTS_PER_SESSION} clients, "
            f"every token due once mid-run", errors, ratio=f"{tested} of {SESSIONS} sessions served after due",
            target="0", passed=load.errors == 0 and tested == SESSIONS),
        Row(f"6{letter}2. Refreshes per session per expiry ({label})",
            f"{granted / SESSIONS:.2f} (Cognito: {granted} refresh grants)",
            ratio=f"per session: min {min(per_session)}, max {max(per_session)}", target="exactly 1",
            passed=granted == SESSIONS and min(per_session) == max(per_session) == 1),
    ]


def run_refresh_redis(bench: Bench) -> list[Row]:
    return refresh_under_load(bench, "redis", "a", "Redis")


def run_refresh_embedded(bench: Bench) -> list[Row]:
    return refresh_under_load(bench, "embedded", "b", "embedded store")
