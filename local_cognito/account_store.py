"""State of the account flows, in the pool's database: verification codes, challenge sessions, the outbox.

Kept apart from `store.py` (users, clients, tokens) because these tables belong to the self-service and JSON API
flows only. Codes and session ids are stored as hashes, like the store's refresh tokens; the outbox holds the
messages as "sent", codes included, because showing them is its whole purpose (a development aid).
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from local_cognito.store import Store, digest

SCHEMA = """
CREATE TABLE IF NOT EXISTS verification_codes (
    sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE, purpose TEXT NOT NULL, code_hash TEXT NOT NULL,
    expires_at REAL NOT NULL, failures INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (sub, purpose));
DROP TABLE IF EXISTS challenge_sessions;
CREATE TABLE IF NOT EXISTS auth_sessions (
    session_hash TEXT PRIMARY KEY, sub TEXT REFERENCES users(sub) ON DELETE CASCADE, client_id TEXT NOT NULL,
    challenge TEXT NOT NULL, expires_at REAL NOT NULL, data TEXT NOT NULL DEFAULT '{}',
    failures INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, recipient TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,
    created REAL NOT NULL);
"""
MAX_CODE_FAILURES = 5  # then the code is void and a new one must be requested


class CodePurpose(str, Enum):
    """What a verification code proves, with how long it lives (Cognito: 24 hours to confirm an account or an
    email address, 1 hour to reset a password)."""

    SIGN_UP = "sign-up"
    FORGOT_PASSWORD = "forgot-password"
    VERIFY_EMAIL = "verify-email"

    @property
    def lifetime(self) -> int:
        return 3600 if self is CodePurpose.FORGOT_PASSWORD else 24 * 3600


class CodeCheck(str, Enum):
    MATCH = "match"
    MISMATCH = "mismatch"
    NONE = "none"  # never requested, already used, or expired
    TOO_MANY_FAILURES = "too-many-failures"


@dataclass(frozen=True)
class ChallengeSession:
    """An answer the pool awaits: `challenge` from `sub` (None: an account that does not exist) via `client_id`;
    `data` is what the answer is checked against (e.g. the SRP exchange so far)."""

    sub: str | None
    client_id: str
    challenge: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    id: int
    recipient: str
    subject: str
    body: str
    created: float


def new_code() -> str:
    """Six digits, like the codes Cognito emails."""
    return f"{secrets.randbelow(10**6):06d}"


class AccountStore:
    def __init__(self, store: Store):
        self.store = store
        self.clock = store.clock
        with store.transaction() as db:
            for statement in filter(str.strip, SCHEMA.split(";")):
                db.execute(statement)

    # -- verification codes ------------------------------------------------------------------------------------
    def new_code(self, sub: str, purpose: CodePurpose) -> str:
        """A fresh code for `purpose`; it replaces the previous one (only the latest code works, as in Cognito)."""
        code = new_code()
        with self.store.transaction() as db:
            db.execute("INSERT OR REPLACE INTO verification_codes VALUES (?, ?, ?, ?, 0)",
                       (sub, purpose.value, digest(code), self.clock() + purpose.lifetime))
        return code

    def check_code(self, sub: str, purpose: CodePurpose, code: str) -> CodeCheck:
        """Compare and, on a match, consume the code: atomically, so a code works once even under races."""
        with self.store.transaction() as db:
            row = db.execute("SELECT * FROM verification_codes WHERE sub = ? AND purpose = ?",
                             (sub, purpose.value)).fetchone()
            if row is None or row["expires_at"] <= self.clock():
                return CodeCheck.NONE
            if hmac.compare_digest(row["code_hash"], digest(code)):
                db.execute("DELETE FROM verification_codes WHERE sub = ? AND purpose = ?", (sub, purpose.value))
                return CodeCheck.MATCH
            if row["failures"] + 1 >= MAX_CODE_FAILURES:
                db.execute("DELETE FROM verification_codes WHERE sub = ? AND purpose = ?", (sub, purpose.value))
                return CodeCheck.TOO_MANY_FAILURES
            db.execute("UPDATE verification_codes SET failures = failures + 1 WHERE sub = ? AND purpose = ?",
                       (sub, purpose.value))
            return CodeCheck.MISMATCH

    # -- challenge sessions (RespondToAuthChallenge's Session, SRP's SECRET_BLOCK) -----------------------------
    def new_challenge_session(self, session: ChallengeSession, lifetime: int, token: str | None = None) -> str:
        """Store `session` under `token` (a new random one by default) for `lifetime` seconds; the token."""
        token = token or secrets.token_urlsafe(96)
        now = self.clock()
        with self.store.transaction() as db:
            db.execute("DELETE FROM auth_sessions WHERE expires_at < ?", (now,))
            db.execute("INSERT INTO auth_sessions VALUES (?, ?, ?, ?, ?, ?, 0)",
                       (digest(token), session.sub, session.client_id, session.challenge, now + lifetime,
                        json.dumps(session.data)))
        return token

    def challenge_session(self, token: str) -> ChallengeSession | None:
        with self.store.transaction() as db:
            row = db.execute("SELECT * FROM auth_sessions WHERE session_hash = ? AND expires_at > ?",
                             (digest(token), self.clock())).fetchone()
        return ChallengeSession(row["sub"], row["client_id"], row["challenge"], json.loads(row["data"])) \
            if row else None

    def count_session_failure(self, token: str, limit: int) -> bool:
        """Count a wrong answer; False (and the session ends) when it was the `limit`-th."""
        with self.store.transaction() as db:
            db.execute("UPDATE auth_sessions SET failures = failures + 1 WHERE session_hash = ?", (digest(token),))
            return db.execute("DELETE FROM auth_sessions WHERE session_hash = ? AND failures >= ?",
                              (digest(token), limit)).rowcount == 0

    def end_challenge_session(self, token: str) -> bool:
        """True for the one caller that ends a live session (a session answers one challenge once)."""
        with self.store.transaction() as db:
            return db.execute("DELETE FROM auth_sessions WHERE session_hash = ? AND expires_at > ?",
                              (digest(token), self.clock())).rowcount == 1

    # -- outbox ------------------------------------------------------------------------------------------------
    def add_message(self, recipient: str, subject: str, body: str) -> None:
        with self.store.transaction() as db:
            db.execute("INSERT INTO outbox (recipient, subject, body, created) VALUES (?, ?, ?, ?)",
                       (recipient, subject, body, self.clock()))

    def messages(self, limit: int = 100) -> list[Message]:
        """The newest messages first."""
        with self.store.transaction() as db:
            rows = db.execute("SELECT * FROM outbox ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [Message(row["id"], row["recipient"], row["subject"], row["body"], row["created"]) for row in rows]
