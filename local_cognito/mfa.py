"""TOTP (software token) MFA: each user's authenticator secret, their preference, and what sign-in must ask.

Codes are pyotp's (RFC 6238: SHA-1, 6 digits, 30-second steps). As in Cognito, a code from the step before or
after the current one is accepted (clock drift), and each step's code works once: a code that was accepted
cannot be replayed, even within its 30 seconds. A secret goes through two states, as the JSON API shows them:
associated (`AssociateSoftwareToken`, pending) and verified (`VerifySoftwareToken` with a first code); only a
verified one is asked for at sign-in, and in an OPTIONAL pool only once the user has enabled it
(`SetUserMFAPreference`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyotp
import segno
from pyotp.exceptions import OTPVerificationError

from local_cognito.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS software_tokens (
    sub TEXT PRIMARY KEY REFERENCES users(sub) ON DELETE CASCADE, secret TEXT, pending_secret TEXT,
    friendly_name TEXT, enabled INTEGER NOT NULL DEFAULT 0, preferred INTEGER NOT NULL DEFAULT 0,
    last_step INTEGER NOT NULL DEFAULT 0)
"""
SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"
MFA_SETUP = "MFA_SETUP"
DRIFT_STEPS = 1  # a code of the 30-second step before or after the current one is accepted too
MAX_CODE_FAILURES = 5  # [Uncertain] wrong codes one sign-in (challenge session) takes before it ends


@dataclass(frozen=True)
class SoftwareToken:
    verified: bool
    enabled: bool
    preferred: bool
    friendly_name: str | None


def setup_uri(secret: str, account: str, issuer: str) -> str:
    """The `otpauth://` link an authenticator app reads from the setup page's QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_code_data_uri(uri: str) -> str:
    """The QR code of `uri` as an SVG `data:` URI: an <img> the pages' CSP allows, with no script or style."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


class SoftwareTokens:
    def __init__(self, store: Store):
        self.store = store
        with store.transaction() as db:
            db.execute(SCHEMA)

    def token(self, sub: str) -> SoftwareToken:
        with self.store.transaction() as db:
            row = db.execute("SELECT * FROM software_tokens WHERE sub = ?", (sub,)).fetchone()
        if row is None:
            return SoftwareToken(False, False, False, None)
        return SoftwareToken(row["secret"] is not None, bool(row["enabled"]), bool(row["preferred"]),
                             row["friendly_name"])

    def associate(self, sub: str) -> str:
        """A new secret for the user to add to their authenticator; the verified one (if any) stays until then."""
        secret = pyotp.random_base32()
        with self.store.transaction() as db:
            db.execute("INSERT INTO software_tokens (sub, pending_secret) VALUES (?, ?) "
                       "ON CONFLICT (sub) DO UPDATE SET pending_secret = excluded.pending_secret", (sub, secret))
        return secret

    def pending_secret(self, sub: str) -> str | None:
        with self.store.transaction() as db:
            row = db.execute("SELECT pending_secret FROM software_tokens WHERE sub = ?", (sub,)).fetchone()
        return row["pending_secret"] if row else None

    def verify_pending(self, sub: str, code: str, friendly_name: str | None) -> bool | None:
        """Make the associated secret the verified one if `code` is its current code; None if nothing is pending."""
        with self.store.transaction() as db:
            row = db.execute("SELECT pending_secret FROM software_tokens WHERE sub = ?", (sub,)).fetchone()
            if row is None or row["pending_secret"] is None:
                return None
            step = matching_step(row["pending_secret"], code, self.store.clock(), after=0)
            if step is None:
                return False
            db.execute("UPDATE software_tokens SET secret = pending_secret, pending_secret = NULL, friendly_name = ?, "
                       "last_step = ? WHERE sub = ?", (friendly_name, step, sub))
            return True

    def check_code(self, sub: str, code: str) -> bool:
        """Whether `code` is a current, unused code of the user's verified secret; using it spends it."""
        with self.store.transaction() as db:
            row = db.execute("SELECT secret, last_step FROM software_tokens WHERE sub = ?", (sub,)).fetchone()
            if row is None or row["secret"] is None:
                return False
            step = matching_step(row["secret"], code, self.store.clock(), after=row["last_step"])
            if step is None:
                return False
            db.execute("UPDATE software_tokens SET last_step = ? WHERE sub = ?", (step, sub))
            return True

    def set_preference(self, sub: str, enabled: bool | None, preferred: bool | None) -> None:
        """Change what is given (None leaves it); a factor that is not enabled cannot be preferred."""
        current = self.token(sub)
        enabled = current.enabled if enabled is None else enabled
        preferred = (current.preferred if preferred is None else preferred) and enabled
        with self.store.transaction() as db:
            db.execute("INSERT INTO software_tokens (sub, enabled, preferred) VALUES (?, ?, ?) ON CONFLICT (sub) "
                       "DO UPDATE SET enabled = excluded.enabled, preferred = excluded.preferred",
                       (sub, int(enabled), int(preferred)))


def matching_step(secret: str, code: str, now: float, *, after: int) -> int | None:
    """The time step (now, or one either side) whose code `code` is, if that step is later than `after`."""
    if not (isinstance(code, str) and len(code) == 6 and code.isdigit()):
        return None
    try:
        step = pyotp.TOTP(secret).verify_and_get_timecode(code, for_time=now, valid_window=DRIFT_STEPS)
    except OTPVerificationError:
        return None
    return step if step > after else None


def required_step(pool, sub: str) -> str | None:
    """What sign-in asks after the password: the code (SOFTWARE_TOKEN_MFA), a setup (MFA_SETUP) or nothing."""
    if not pool.config.totp_mfa:
        return None
    token = pool.software_tokens.token(sub)
    if pool.config.mfa_configuration == "ON":
        return SOFTWARE_TOKEN_MFA if token.verified else MFA_SETUP
    return SOFTWARE_TOKEN_MFA if token.verified and token.enabled else None

