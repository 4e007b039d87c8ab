"""Figures 4 and 6: sign-in round trips, and token refresh while 200 signed-in sessions are busy.

4: browserless sign-ins (home → /login → Hosted UI form → credentials → /callback → landing, as
`tests.fixtures.webapp.sign_in` walks them, each with a fresh `requests.Session` as the browser), a few at a
time, against the local Cognito. The callback's share is the time from sending `GET /callback` to its response
(the code exchange with Cognito, token validation and the session write all happen inside it) over the whole
round trip, summed over all sign-ins.

6: each of 200 real sessions (signed in by figure 4, and likewise for the embedded store) gets its recorded
access-token expiry moved to a few seconds after the load starts, so every token falls due once mid-run; then two
clients per session request /profile (which refreshes a due token) until the run ends. Every non-200 answer or
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
# The refresh run opens 400 connections at once: no cap on connections per worker here, and idle connections
# are kept long enough that a client thread starved of CPU for a few seconds does not find its connection
# closed under it (a browser would silently retry such a request; these clients count it as an error).
OPEN_WORKERS = {
    "redis": Workers(processes=2, threads=4, connections=1000, keep_alive=60),
    # The embedded store is for one process (its refresh lock is a thread lock; see webapp/session_store.py).
    "embedded": Workers(processes=1, threads=8, connections=1000, keep_alive=60),
}


@dataclass
class SignedIn:
    app: services.WebApp
    sids: list[str]
    seconds: float
    callback_seconds: float
    round_trip_seconds: float


def one_sign_in(app: services.WebApp, email: str, password: str) -> tuple[str, float, float]:
    """(session id, callback seconds, whole round trip seconds) for one fresh browser."""
    from tests.fixtures.webapp import sign_in  # the web app's own browserless sign-in

    http = requests.Session()
    started = time.perf_counter()
    landing = sign_in(http, app.url, email, password)
    total = time.perf_counter() - started
    callback = [hop for hop in landing.history if hop.url.startswith(f"{app.url}/callback")]
    if landing.status_code != 200 or len(callback) != 1:
        raise RuntimeError(f"sign-in did not pass /callback once and land (HTTP {landing.status_code})")
    return http.cookies.get("session"), callback[0].elapsed.total_seconds(), total


def sign_in_many(bench: Bench, store: str) -> SignedIn:
    def start() -> SignedIn:
        app = services.start_webapp(bench, store, name=f"webapp-signin-{store}", workers=OPEN_WORKERS[store])
        email, password = bench.cognito.demo_user
        one_sign_in(app, email, password)  # warm-up: discovery, JWKS, connections
        started = time.perf_counter()
        with ThreadPoolExecutor(SIGN_IN_THREADS) as pool:
            results = list(pool.map(lambda _: one_sign_in(app, email, password), range(SESSIONS)))
        seconds = time.perf_counter() - started
        return SignedIn(app, [sid for sid, _, _ in results], seconds,
                        sum(c for _, c, _ in results), sum(t for _, _, t in results))

    return bench.once(f"signed-in-{store}", start)


def run_sign_in(bench: Bench) -> list[Row]:
    signed = sign_in_many(bench, "redis")
    share = signed.callback_seconds / signed.round_trip_seconds
    return [
        Row(f"4a. Sign-in round trips per second ({SIGN_IN_THREADS} browsers at a time, local Cognito)",
            f"{SESSIONS / signed.seconds:,.1f} /s",
            ratio=f"{signed.round_trip_seconds / SESSIONS * 1000:,.0f} ms each", target="report"),
        Row("4b. Share of the sign-in spent in the web app's /callback", f"{share:.0%}",
            ratio=f"{signed.callback_seconds / SESSIONS * 1000:,.0f} ms each", target="report"),
    ]


@dataclass
class Load:
    deadline: float
    requests: int = 0
    errors: int = 0
    first_error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, error: str | None) -> None:
        with self.lock:
            self.requests += 1
            if error:
                self.errors += 1
                self.first_error = self.first_error or error


def keep_requesting(url: str, sid: str, load: Load) -> None:
    http = requests.Session()
    http.cookies.set("session", sid)
    while time.monotonic() < load.deadline:
        try:
            response = http.get(url, allow_redirects=False, timeout=30)
            error = None if response.status_code == 200 else f"HTTP {response.status_code}"
        except requests.RequestException as failure:
            error = f"{type(failure).__name__}: {failure}"[:160]
        load.record(error)


def refresh_under_load(bench: Bench, store: str, letter: str, label: str) -> list[Row]:
    signed = sign_in_many(bench, store)
    sessions = clones.sessions_for(signed.app)
    margin = 300  # WebSettings.token_refresh_margin's default; the benchmark's web apps keep it
    revisions = {sid: sessions.read(sid).get("rev", 0) for sid in signed.sids}
    before = bench.cognito.grant_counts().get("refresh_token", 0)
    start = time.time()
    due = random.Random(6)
    for sid in signed.sids:
        expires_at = start + margin + due.uniform(*DUE_AFTER)
        sessions.rewrite(sid, lambda data: data["tokens"].update(expires_at=expires_at))
    load = Load(deadline=time.monotonic() + RUN_SECONDS)
    url = f"{signed.app.url}/profile"
    with ThreadPoolExecutor(SESSIONS * CLIENTS_PER_SESSION) as pool:
        for sid in signed.sids * CLIENTS_PER_SESSION:
            pool.submit(keep_requesting, url, sid, load)
    granted = bench.cognito.grant_counts().get("refresh_token", 0) - before
    per_session = [sessions.read(sid).get("rev", 0) - revisions[sid] for sid in signed.sids]
    errors = f"{load.errors} of {load.requests:,} requests" + (f" (first: {load.first_error})" if load.errors else "")
    return [
        Row(f"6{letter}1. Refresh under load ({label}): errors, {SESSIONS} sessions × {CLIENTS_PER_SESSION} clients, "
            f"every token due once mid-run", errors, target="0", passed=load.errors == 0),
        Row(f"6{letter}2. Refreshes per session per expiry ({label})",
            f"{granted / SESSIONS:.2f} (Cognito: {granted} refresh grants)",
            ratio=f"per session: min {min(per_session)}, max {max(per_session)}", target="exactly 1",
            passed=granted == SESSIONS and min(per_session) == max(per_session) == 1),
    ]


def run_refresh_redis(bench: Bench) -> list[Row]:
    return refresh_under_load(bench, "redis", "a", "Redis")


def run_refresh_embedded(bench: Bench) -> list[Row]:
    return refresh_under_load(bench, "embedded", "b", "embedded store")
