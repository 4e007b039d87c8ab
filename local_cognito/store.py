"""The local Cognito's persistent state: one SQLite database in the state directory.

SQLite in WAL mode lets the threaded server and the command-line tools (`rotate-keys`, `env`) use the same
state at once. Each operation opens its own short connection; writes that must be atomic (consuming a code,
rotating a refresh token) run in one `BEGIN IMMEDIATE` transaction or one conditional UPDATE.
Secrets are stored only as hashes where the real service never has to show them again (passwords, refresh
tokens, session ids); client secrets are stored as-is because DescribeUserPoolClient returns them. A password
is kept twice, as a scrypt hash (for the password flows) and as an SRP verifier (for `USER_SRP_AUTH`), both set
together wherever a password is.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterator

from werkzeug.security import check_password_hash, generate_password_hash

from local_cognito import srp
from local_cognito.clients import AppClient, ClientSettings

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clients (
    client_id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, secret TEXT, settings TEXT NOT NULL,
    template_digest TEXT, created REAL NOT NULL, modified REAL NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    sub TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, login TEXT UNIQUE, password_hash TEXT,
    status TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1, attributes TEXT NOT NULL,
    created REAL NOT NULL, modified REAL NOT NULL);
CREATE TABLE IF NOT EXISTS groups (
    name TEXT PRIMARY KEY, description TEXT NOT NULL DEFAULT '', precedence INTEGER, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS user_groups (
    sub TEXT NOT NULL REFERENCES users(sub) ON DELETE CASCADE,
    group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE, PRIMARY KEY (sub, group_name));
CREATE TABLE IF NOT EXISTS codes (
    code TEXT PRIMARY KEY, client_id TEXT NOT NULL, sub TEXT NOT NULL, redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL, nonce TEXT, code_challenge TEXT, code_challenge_method TEXT, auth_time INTEGER NOT NULL,
    expires_at REAL NOT NULL, used_at REAL, origin_jti TEXT);
CREATE TABLE IF NOT EXISTS origins (
    origin_jti TEXT PRIMARY KEY, client_id TEXT NOT NULL, sub TEXT NOT NULL, created REAL NOT NULL,
    revoked_at REAL);
CREATE INDEX IF NOT EXISTS origins_by_sub ON origins (sub);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash TEXT PRIMARY KEY, origin_jti TEXT NOT NULL REFERENCES origins(origin_jti), client_id TEXT NOT NULL,
    sub TEXT NOT NULL, scope TEXT NOT NULL, auth_time INTEGER NOT NULL, issued_at REAL NOT NULL,
    expires_at REAL NOT NULL, superseded_at REAL);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY, sub TEXT NOT NULL, auth_time INTEGER NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS keys (
    kid TEXT PRIMARY KEY, purpose TEXT NOT NULL, created REAL NOT NULL, retired_at REAL, jwk TEXT NOT NULL);
"""
# Columns added after state directories existed: ALTER TABLE adds them to an older database on start.
ADDED_COLUMNS = (("users", "srp_salt", "TEXT"), ("users", "srp_verifier", "TEXT"), ("groups", "role_arn", "TEXT"),
                 ("groups", "modified", "REAL"))

# User statuses, as Cognito names them.
CONFIRMED = "CONFIRMED"
UNCONFIRMED = "UNCONFIRMED"
FORCE_CHANGE_PASSWORD = "FORCE_CHANGE_PASSWORD"
RESET_REQUIRED = "RESET_REQUIRED"


def digest(secret: str) -> str:
    """Look-up key for a high-entropy secret (refresh token, session id): a plain SHA-256 is enough."""
    return hashlib.sha256(secret.encode()).hexdigest()


class StoreError(Exception):
    """A write Cognito would refuse because of existing state; `code` is the JSON API's exception name."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class User:
    sub: str
    username: str
    status: str
    enabled: bool
    attributes: dict[str, str]
    created: float
    modified: float
    groups: tuple[str, ...] = ()
    password_hash: str | None = field(default=None, repr=False)
    srp_salt: str | None = field(default=None, repr=False)
    srp_verifier: str | None = field(default=None, repr=False)

    @property
    def email(self) -> str | None:
        return self.attributes.get("email")

    @property
    def email_verified(self) -> bool:
        return self.attributes.get("email_verified") == "true"


@dataclass(frozen=True)
class GroupRecord:
    """A group as GetGroup and ListGroups describe it."""

    name: str
    description: str
    precedence: int | None
    role_arn: str | None
    created: float
    modified: float


@dataclass(frozen=True)
class AuthorizationCode:
    """A code issued at /oauth2/authorize; the getters are what Authlib's grant and CodeChallenge read."""

    code: str
    client_id: str
    sub: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int
    expires_at: float
    used_at: float | None
    origin_jti: str | None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass(frozen=True)
class RefreshToken:
    token_hash: str
    origin_jti: str
    client_id: str
    sub: str
    scope: str
    auth_time: int
    issued_at: float
    expires_at: float
    superseded_at: float | None
    revoked_at: float | None

    def get_scope(self) -> str:
        return self.scope

    def check_client(self, client: AppClient) -> bool:
        return self.client_id == client.client_id


@dataclass(frozen=True)
class BrowserSession:
    sub: str
    auth_time: int
    expires_at: float


class Store:
    """All reads and writes of the state directory's database."""

    def __init__(self, state_dir: str | Path, clock: Callable[[], float] = time.time, *,
                 new_pool_id: Callable[[], str]):
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.state_dir / "local-cognito.sqlite3"
        self.clock = clock
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            for table, column, declaration in ADDED_COLUMNS:
                if column not in {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
        # Chosen on first start and kept: it names the pool, and SRP verifiers are derived from it.
        self.pool_id = self.meta("pool_id", new_pool_id) or ""

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=30000")
        try:
            yield db
        finally:
            db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken with the write lock up front so read-then-write steps cannot race."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _one(self, sql: str, *args: Any) -> sqlite3.Row | None:
        with self._connect() as db:
            return db.execute(sql, args).fetchone()

    def _all(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self._connect() as db:
            return db.execute(sql, args).fetchall()

    # -- meta --------------------------------------------------------------------------------------------------
    def meta(self, key: str, create: Callable[[], str] | None = None) -> str | None:
        """The stored value of `key`; on first use, `create()`'s value, stored once even under races."""
        row = self._one("SELECT value FROM meta WHERE key = ?", key)
        if row or create is None:
            return row["value"] if row else None
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, create()))
            return db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()["value"]

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- app clients -------------------------------------------------------------------------------------------
    def sync_client(self, settings: ClientSettings, new_id: Callable[[], str],
                    new_secret: Callable[[], str]) -> AppClient:
        """Create the template's client on first start, keeping its id and secret forever after.

        Like a CloudFormation update, a template whose client settings did not change leaves changes made
        through UpdateUserPoolClient alone; a changed template re-applies its settings.
        """
        template_digest = hashlib.sha256(json.dumps(settings.to_json(), sort_keys=True).encode()).hexdigest()
        now = self.clock()
        with self.transaction() as db:
            row = db.execute("SELECT * FROM clients WHERE name = ?", (settings.name,)).fetchone()
            if row is None:
                secret = new_secret() if settings.generate_secret else None
                db.execute(
                    "INSERT INTO clients VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (new_id(), settings.name, secret, json.dumps(settings.to_json()), template_digest, now, now),
                )
            elif row["template_digest"] != template_digest:
                db.execute(
                    "UPDATE clients SET settings = ?, template_digest = ?, modified = ? WHERE name = ?",
                    (json.dumps(settings.to_json()), template_digest, now, settings.name),
                )
        client = self.client_by_name(settings.name)
        assert client is not None
        return client

    def _client(self, row: sqlite3.Row | None) -> AppClient | None:
        if row is None:
            return None
        return AppClient(row["client_id"], row["secret"], ClientSettings.from_json(json.loads(row["settings"])))

    def client(self, client_id: str) -> AppClient | None:
        return self._client(self._one("SELECT * FROM clients WHERE client_id = ?", client_id))

    def client_by_name(self, name: str) -> AppClient | None:
        return self._client(self._one("SELECT * FROM clients WHERE name = ?", name))

    def clients(self) -> list[AppClient]:
        return [c for c in map(self._client, self._all("SELECT * FROM clients ORDER BY created, name")) if c]

    def client_dates(self, client_id: str) -> tuple[float, float]:
        row = self._one("SELECT created, modified FROM clients WHERE client_id = ?", client_id)
        return (row["created"], row["modified"]) if row else (0.0, 0.0)

    def update_client_settings(self, client_id: str, settings: ClientSettings) -> None:
        with self.transaction() as db:
            db.execute("UPDATE clients SET name = ?, settings = ?, modified = ? WHERE client_id = ?",
                       (settings.name, json.dumps(settings.to_json()), self.clock(), client_id))

    # -- users and groups --------------------------------------------------------------------------------------
    def create_user(self, *, login: str | None, password: str | None, status: str,
                    attributes: dict[str, str], username: str | None = None) -> User:
        """Add a user. With email as the username attribute the Cognito username is the `sub` (a UUID)."""
        sub = str(uuid.uuid4())
        now = self.clock()
        attributes = {**attributes, "sub": sub}
        username = username or sub
        password_hash, salt, verifier = self._password_record(username, password) if password is not None \
            else (None, None, None)
        try:
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO users (sub, username, login, password_hash, status, enabled, attributes, created, "
                    "modified, srp_salt, srp_verifier) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
                    (sub, username, _login_key(login), password_hash, status, json.dumps(attributes), now, now, salt,
                     verifier),
                )
        except sqlite3.IntegrityError:
            raise StoreError("An account with the given email already exists.", "UsernameExistsException") from None
        user = self.user(sub)
        assert user is not None
        return user

    def _user(self, row: sqlite3.Row | None) -> User | None:
        if row is None:
            return None
        groups = tuple(r["group_name"] for r in self._all(
            "SELECT ug.group_name FROM user_groups ug JOIN groups g ON g.name = ug.group_name WHERE ug.sub = ? "
            "ORDER BY g.precedence IS NULL, g.precedence, g.name", row["sub"]))
        return User(row["sub"], row["username"], row["status"], bool(row["enabled"]), json.loads(row["attributes"]),
                    row["created"], row["modified"], groups, row["password_hash"], row["srp_salt"],
                    row["srp_verifier"])

    def user(self, sub: str) -> User | None:
        return self._user(self._one("SELECT * FROM users WHERE sub = ?", sub))

    def active_user(self, sub: str) -> User | None:
        """The user behind a grant or a session, if they still exist, are enabled and confirmed."""
        user = self.user(sub)
        return user if user is not None and user.enabled and user.status == CONFIRMED else None

    def find_user(self, name: str) -> User | None:
        """The user a sign-in name refers to: the username itself, or the (case-insensitive) email."""
        return self._user(self._one("SELECT * FROM users WHERE username = ? OR login = ?", name, _login_key(name)))

    def users(self) -> list[User]:
        return [u for u in map(self._user, self._all("SELECT * FROM users ORDER BY created")) if u]

    def verify_login(self, name: str, password: str) -> User | None:
        """The user whose sign-in name and password these are, or None, taking as long either way.

        Hashing against a throwaway hash when there is no such user keeps response times from telling
        whether an account exists (Cognito's PreventUserExistenceErrors).
        """
        user = self.find_user(name)
        if user is None or not user.password_hash:
            check_password_hash(self._dummy_hash, password)
            return None
        if not check_password_hash(user.password_hash, password):
            return None
        if user.srp_verifier is None:  # a password set before SRP existed here: SRP works from now on
            self.set_password(user.sub, password, user.status)
        return user

    @cached_property
    def _dummy_hash(self) -> str:
        return generate_password_hash(uuid.uuid4().hex)

    def _password_record(self, username: str, password: str) -> tuple[str, str, str]:
        """The scrypt hash, SRP salt and SRP verifier of a password."""
        return (generate_password_hash(password), *srp.new_verifier(self.pool_id, username, password))

    def set_password(self, sub: str, password: str, status: str) -> None:
        row = self._one("SELECT username FROM users WHERE sub = ?", sub)
        if row is None:
            return
        with self.transaction() as db:
            db.execute("UPDATE users SET password_hash = ?, srp_salt = ?, srp_verifier = ?, status = ?, modified = ? "
                       "WHERE sub = ?", (*self._password_record(row["username"], password), status, self.clock(), sub))

    def set_status(self, sub: str, status: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE users SET status = ?, modified = ? WHERE sub = ?", (status, self.clock(), sub))

    def set_enabled(self, sub: str, enabled: bool) -> None:
        with self.transaction() as db:
            db.execute("UPDATE users SET enabled = ?, modified = ? WHERE sub = ?", (int(enabled), self.clock(), sub))

    def update_attributes(self, sub: str, changes: dict[str, str], removed: tuple[str, ...] = ()) -> None:
        """Set `changes` and drop `removed`; the email is the sign-in name, so it must stay unique."""
        try:
            with self.transaction() as db:
                row = db.execute("SELECT attributes FROM users WHERE sub = ?", (sub,)).fetchone()
                if row is None:
                    return
                attributes = {k: v for k, v in {**json.loads(row["attributes"]), **changes}.items()
                              if k not in removed}
                db.execute("UPDATE users SET attributes = ?, login = ?, modified = ? WHERE sub = ?",
                           (json.dumps(attributes), _login_key(attributes.get("email")), self.clock(), sub))
        except sqlite3.IntegrityError:
            raise StoreError("An account with the given email already exists.", "AliasExistsException") from None

    def delete_user(self, sub: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM users WHERE sub = ?", (sub,))
            db.execute("UPDATE origins SET revoked_at = ? WHERE sub = ? AND revoked_at IS NULL", (self.clock(), sub))
            db.execute("DELETE FROM sessions WHERE sub = ?", (sub,))

    def ensure_group(self, name: str, description: str = "", precedence: int | None = None,
                     role_arn: str | None = None) -> bool:
        """Create the group unless it exists; True if this call created it."""
        now = self.clock()
        with self.transaction() as db:
            return db.execute("INSERT OR IGNORE INTO groups (name, description, precedence, created, role_arn, "
                              "modified) VALUES (?, ?, ?, ?, ?, ?)",
                              (name, description, precedence, now, role_arn, now)).rowcount == 1

    def group(self, name: str) -> GroupRecord | None:
        row = self._one("SELECT * FROM groups WHERE name = ?", name)
        return _group(row) if row else None

    def group_exists(self, name: str) -> bool:
        return self.group(name) is not None

    def groups(self) -> list[GroupRecord]:
        return [_group(row) for row in self._all("SELECT * FROM groups ORDER BY name")]

    def update_group(self, name: str, description: str, precedence: int | None, role_arn: str | None) -> None:
        with self.transaction() as db:
            db.execute("UPDATE groups SET description = ?, precedence = ?, role_arn = ?, modified = ? WHERE name = ?",
                       (description, precedence, role_arn, self.clock(), name))

    def delete_group(self, name: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM groups WHERE name = ?", (name,))

    def group_members(self, name: str) -> list[User]:
        rows = self._all("SELECT u.* FROM users u JOIN user_groups ug ON ug.sub = u.sub WHERE ug.group_name = ? "
                         "ORDER BY u.created, u.sub", name)
        return [user for user in map(self._user, rows) if user]

    def add_to_group(self, sub: str, group: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO user_groups VALUES (?, ?)", (sub, group))

    def remove_from_group(self, sub: str, group: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM user_groups WHERE sub = ? AND group_name = ?", (sub, group))

    # -- authorization codes -----------------------------------------------------------------------------------
    def save_code(self, code: AuthorizationCode) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM codes WHERE expires_at < ?", (self.clock() - 86400,))  # keep the table small
            db.execute("INSERT INTO codes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (
                code.code, code.client_id, code.sub, code.redirect_uri, code.scope, code.nonce, code.code_challenge,
                code.code_challenge_method, code.auth_time, code.expires_at, None, None))

    def consume_code(self, code: str) -> AuthorizationCode | None:
        """Mark a code used and return it, or None when it is unknown, expired or already used.

        The conditional UPDATE makes this atomic: of N concurrent exchanges exactly one gets the code. A
        second use of a code revokes what the first one issued (RFC 6749 §4.1.2, RFC 9700 §4.5).
        """
        now = self.clock()
        with self.transaction() as db:
            row = db.execute("SELECT * FROM codes WHERE code = ?", (code,)).fetchone()
            if row is None:
                return None
            if row["used_at"] is not None:
                if row["origin_jti"]:
                    db.execute("UPDATE origins SET revoked_at = ? WHERE origin_jti = ? AND revoked_at IS NULL",
                               (now, row["origin_jti"]))
                return None
            db.execute("UPDATE codes SET used_at = ? WHERE code = ?", (now, code))
        if row["expires_at"] <= now:
            return None
        return AuthorizationCode(**{k: row[k] for k in row.keys()})

    def link_code_to_origin(self, code: str, origin_jti: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE codes SET origin_jti = ? WHERE code = ?", (origin_jti, code))

    # -- token families (origin_jti) and refresh tokens --------------------------------------------------------
    def create_origin(self, client_id: str, sub: str) -> str:
        origin_jti = str(uuid.uuid4())
        with self.transaction() as db:
            db.execute("INSERT INTO origins VALUES (?, ?, ?, ?, NULL)", (origin_jti, client_id, sub, self.clock()))
        return origin_jti

    def origin_revoked(self, origin_jti: str) -> bool:
        """True for a revoked family, and for one we never issued (a token from another pool or a wiped state)."""
        row = self._one("SELECT revoked_at FROM origins WHERE origin_jti = ?", origin_jti)
        return row is None or row["revoked_at"] is not None

    def revoke_origin(self, origin_jti: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE origins SET revoked_at = ? WHERE origin_jti = ? AND revoked_at IS NULL",
                       (self.clock(), origin_jti))

    def revoke_user_tokens(self, sub: str) -> int:
        """Global sign-out: every refresh token of the user, and every token issued from them, stops working."""
        with self.transaction() as db:
            return db.execute("UPDATE origins SET revoked_at = ? WHERE sub = ? AND revoked_at IS NULL",
                              (self.clock(), sub)).rowcount

    def save_refresh_token(self, token: str, *, origin_jti: str, client_id: str, sub: str, scope: str,
                           auth_time: int, lifetime: int) -> None:
        now = self.clock()
        with self.transaction() as db:
            db.execute("INSERT INTO refresh_tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                       (digest(token), origin_jti, client_id, sub, scope, auth_time, now, now + lifetime))

    def refresh_token(self, token: str) -> RefreshToken | None:
        row = self._one(
            "SELECT r.*, o.revoked_at FROM refresh_tokens r JOIN origins o USING (origin_jti) WHERE token_hash = ?",
            digest(token))
        return RefreshToken(**{k: row[k] for k in row.keys()}) if row else None

    def supersede_refresh_token(self, token_hash: str) -> None:
        """Rotation: the old token keeps working only for the client's retry grace period from now."""
        with self.transaction() as db:
            db.execute("UPDATE refresh_tokens SET superseded_at = ? WHERE token_hash = ? AND superseded_at IS NULL",
                       (self.clock(), token_hash))

    # -- Hosted UI sessions ------------------------------------------------------------------------------------
    def create_session(self, session_id: str, sub: str, auth_time: int, lifetime: int) -> None:
        now = self.clock()
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
            db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)", (digest(session_id), sub, auth_time,
                                                                    now + lifetime))

    def session(self, session_id: str) -> BrowserSession | None:
        row = self._one("SELECT * FROM sessions WHERE id_hash = ? AND expires_at > ?", digest(session_id),
                        self.clock())
        return BrowserSession(row["sub"], row["auth_time"], row["expires_at"]) if row else None

    def delete_session(self, session_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE id_hash = ?", (digest(session_id),))

    # -- signing keys ------------------------------------------------------------------------------------------
    def add_key(self, kid: str, purpose: str, jwk: dict[str, Any], keep_previous: int = 1) -> None:
        """Add the newest key for `purpose`; keys older than the `keep_previous` before it leave the JWKS."""
        now = self.clock()
        with self.transaction() as db:
            db.execute("INSERT INTO keys VALUES (?, ?, ?, NULL, ?)", (kid, purpose, now, json.dumps(jwk)))
            live = db.execute("SELECT kid FROM keys WHERE purpose = ? AND retired_at IS NULL "
                              "ORDER BY created DESC, rowid DESC", (purpose,)).fetchall()
            for row in live[keep_previous + 1:]:
                db.execute("UPDATE keys SET retired_at = ? WHERE kid = ?", (now, row["kid"]))

    def keys(self, purpose: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        """Published keys as (kid, purpose, private JWK), newest first."""
        rows = self._all("SELECT * FROM keys WHERE retired_at IS NULL AND (? IS NULL OR purpose = ?) "
                         "ORDER BY created DESC, rowid DESC", purpose, purpose)
        return [(row["kid"], row["purpose"], json.loads(row["jwk"])) for row in rows]


def _group(row: sqlite3.Row) -> GroupRecord:
    return GroupRecord(row["name"], row["description"], row["precedence"], row["role_arn"], row["created"],
                       row["modified"] if row["modified"] is not None else row["created"])


def _login_key(login: str | None) -> str | None:
    """Email sign-in is case-insensitive in a pool with CaseSensitive false (the template's setting)."""
    return login.strip().lower() if login else None
