"""Tokens kept between calls, in memory and in files only their owner can read: a CLI that fetched a token per
call would hammer the token endpoint (billed and rate-limited) and ask for the password every time.

One lock (callers in one process share one fetch). One file per key, named by a hash, in a 0700
directory, written to a temporary file and renamed (readers see the old file or the new one); a file another user
owns or others may read is ignored. Nothing here logs a token. POSIX owners and modes: a Unix tool.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import stat
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

#: Seconds before expiry at which a token counts as stale: enough for a call to reach the API in time.
DEFAULT_MARGIN = 60.0
MAX_FILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class CachedToken:
    """An access token, when it expires (seconds since the epoch), and what renews it without a password."""

    access_token: str = field(repr=False)
    expires_at: float
    refresh_token: str | None = field(default=None, repr=False)
    #: The pool's name for the user (the access token's `username`), which SECRET_HASH needs on refresh.
    username: str | None = None

    def is_fresh(self, now: float, margin: float) -> bool:
        return now < self.expires_at - margin

    @classmethod
    def from_json(cls, text: str) -> "CachedToken | None":
        """The entry, or None for anything that is not one (a file from another version, or damaged)."""
        try:
            data = json.loads(text)
            token = cls(**data)
        except (ValueError, TypeError, RecursionError):
            return None
        fields_ok = (
            isinstance(token.access_token, str)
            and isinstance(token.expires_at, (int, float))
            and isinstance(token.refresh_token, (str, type(None)))
            and isinstance(token.username, (str, type(None)))
        )
        return token if fields_ok else None


class TokenCache:
    """Tokens by key (a string naming the pool, the client, the scope or user): see the module docstring."""

    def __init__(
        self,
        directory: Path,
        *,
        margin: float = DEFAULT_MARGIN,
        clock: Callable[[], float] = time.time,
    ):
        self.directory = directory
        self.margin = margin
        self.clock = clock
        self._memory: dict[str, CachedToken] = {}
        self._lock = threading.Lock()  # one for every key: a command asks for one key

    def get(self, key: str, obtain: Callable[[CachedToken | None], CachedToken]) -> CachedToken:
        """A fresh token for `key`, from memory, from the file, or from `obtain(previous)`, which is called with
        the stale entry (its refresh token may renew it) or None, under the lock, and stored."""
        with self._lock:
            token = self._stored(key)
            if token is None or not token.is_fresh(self.clock(), self.margin):
                token = obtain(token)
                self.put(key, token)
            return token

    def put(self, key: str, token: CachedToken) -> None:
        self._memory[key] = token
        self._write_file(key, token)

    def expire(self, key: str, token: CachedToken) -> None:
        """Mark `token` stale after the API refused it (its refresh token may still work), unless another caller
        has already replaced it."""
        with self._lock:
            if self._stored(key) == token:
                self.put(key, dataclasses.replace(token, expires_at=0.0))

    def remove(self, key: str) -> CachedToken | None:
        """Forget the key everywhere; the removed entry (to revoke its refresh token), or None."""
        with self._lock:
            token = self._stored(key)
            self._memory.pop(key, None)
            self._path(key).unlink(missing_ok=True)
            return token

    def _stored(self, key: str) -> CachedToken | None:
        """What memory holds, unless the file is newer (another process renewed the token)."""
        token = self._memory.get(key)
        if token is not None and token.is_fresh(self.clock(), self.margin):
            return token
        from_file = self._read_file(key)
        if from_file is not None and (token is None or from_file.expires_at > token.expires_at):
            self._memory[key] = token = from_file
        return token

    # --- files ------------------------------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        return self.directory / (hashlib.sha256(key.encode()).hexdigest()[:40] + ".json")

    def _read_file(self, key: str) -> CachedToken | None:
        try:
            fd = os.open(self._path(key), os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None  # absent, a symlink, or unreadable: fetch a new token
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
                log.warning("ignoring token cache file %s: it is not ours alone (mode or owner)", self._path(key))
                return None
            return CachedToken.from_json(file.read(MAX_FILE_BYTES).decode("utf-8", "replace"))

    def _write_file(self, key: str, token: CachedToken) -> None:
        """Replace the key's file atomically; a cache that cannot be written costs a fetch next time, no more."""
        try:
            directory = self._private_directory()
            fd, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")  # mode 0600
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as file:
                    file.write(json.dumps(dataclasses.asdict(token)))
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, self._path(key))
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError as error:
            log.warning("tokens are not cached on disk: %s (%s)", error.strerror or error, self.directory)

    def _private_directory(self) -> Path:
        """The cache directory, created with mode 0700; refused if someone else owns it."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.stat(self.directory, follow_symlinks=False)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            raise PermissionError(0, "the cache directory is not a directory of ours")
        if stat.S_IMODE(info.st_mode) & 0o077:
            os.chmod(self.directory, 0o700)
        return self.directory
