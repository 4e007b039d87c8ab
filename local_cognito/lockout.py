"""Lockout after repeated wrong passwords, as Cognito does it (reference §7.1), for every password flow.

The numbers are the service's documented ones, so that code written against the local pool meets the same wall
in production: five wrong passwords in a row are answered "Incorrect username or password."; the fifth and
every later one also lock the user out, the n-th for 2^(n-5) seconds (1 s, 2 s, 4 s, ...; 15 minutes at most,
reached at the fifteenth). During a lockout every attempt, right password or
wrong, is answered "Password attempts exceeded" and changes nothing. A successful sign-in forgets the failures,
and so do 15 minutes without a failure. Failures of accounts that do not exist are not counted (there is no one
to lock out).
"""

from __future__ import annotations

from local_cognito.api_errors import NotAuthorized
from local_cognito.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS password_failures (
    sub TEXT PRIMARY KEY REFERENCES users(sub) ON DELETE CASCADE, failures INTEGER NOT NULL,
    locked_until REAL NOT NULL, last_failure REAL NOT NULL)
"""
FREE_FAILURES = 4  # the fifth failure starts the first lockout
MAX_LOCKOUT = 15 * 60
FORGET_AFTER = 15 * 60
ATTEMPTS_EXCEEDED = "Password attempts exceeded"


def lockout_seconds(failures: int) -> float:
    """How long the `failures`-th failure in a row locks the user out: 0, then 1, 2, 4, ... up to 15 minutes."""
    if failures <= FREE_FAILURES:
        return 0
    return min(2.0 ** (failures - FREE_FAILURES - 1), MAX_LOCKOUT)


class Lockout:
    def __init__(self, store: Store):
        self.store = store
        with store.transaction() as db:
            db.execute(SCHEMA)

    def check(self, sub: str) -> None:
        """Refuse the attempt, without looking at the password, while the user is locked out."""
        with self.store.transaction() as db:
            row = db.execute("SELECT locked_until FROM password_failures WHERE sub = ?", (sub,)).fetchone()
        if row is not None and row["locked_until"] > self.store.clock():
            raise NotAuthorized(ATTEMPTS_EXCEEDED)

    def failed(self, sub: str) -> None:
        now = self.store.clock()
        with self.store.transaction() as db:
            row = db.execute("SELECT * FROM password_failures WHERE sub = ?", (sub,)).fetchone()
            failures = row["failures"] if row and now - row["last_failure"] < FORGET_AFTER else 0
            failures += 1
            db.execute("INSERT OR REPLACE INTO password_failures VALUES (?, ?, ?, ?)",
                       (sub, failures, now + lockout_seconds(failures), now))

    def succeeded(self, sub: str) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM password_failures WHERE sub = ?", (sub,))
