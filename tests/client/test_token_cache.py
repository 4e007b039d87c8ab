"""The token cache on its own: one fetch per key, reuse across instances through files only the owner can read,
expiry with a margin, and one shared fetch for concurrent callers."""

from __future__ import annotations

import logging
import os
import stat
import threading

import pytest

from webapp.client.token_cache import CachedToken, TokenCache


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


class Issuer:
    """An `obtain` callback that numbers the tokens it issues and remembers what it was handed."""

    def __init__(self, clock: Clock, lifetime: float = 3600):
        self.clock = clock
        self.lifetime = lifetime
        self.calls: list[CachedToken | None] = []

    def __call__(self, stale: CachedToken | None) -> CachedToken:
        self.calls.append(stale)
        n = len(self.calls)
        return CachedToken(f"access-{n}", self.clock() + self.lifetime, refresh_token=f"refresh-{n}")


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def issuer(clock):
    return Issuer(clock)


def test_a_token_is_fetched_once_and_reused(tmp_path, clock, issuer):
    cache = TokenCache(tmp_path / "c", clock=clock)
    tokens = {cache.get("k", issuer).access_token for _ in range(5)}
    assert tokens == {"access-1"}
    assert issuer.calls == [None]


def test_another_instance_reads_the_file(tmp_path, clock, issuer):
    TokenCache(tmp_path / "c", clock=clock).get("k", issuer)
    again = TokenCache(tmp_path / "c", clock=clock).get("k", issuer)
    assert again.access_token == "access-1" and again.refresh_token == "refresh-1"
    assert len(issuer.calls) == 1


def test_keys_are_separate(tmp_path, clock, issuer):
    cache = TokenCache(tmp_path / "c", clock=clock)
    assert cache.get("a", issuer).access_token == "access-1"
    assert cache.get("b", issuer).access_token == "access-2"
    assert TokenCache(tmp_path / "c", clock=clock).get("a", issuer).access_token == "access-1"


def test_files_are_private_and_named_by_hash(tmp_path, clock, issuer):
    directory = tmp_path / "c"
    TokenCache(directory, clock=clock).get("user_password|pool|client|alice@example.com", issuer)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    (file,) = directory.iterdir()
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert "alice" not in file.name and file.suffix == ".json"


def test_a_loose_directory_is_tightened(tmp_path, clock, issuer):
    directory = tmp_path / "c"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    TokenCache(directory, clock=clock).get("k", issuer)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_a_token_is_renewed_a_margin_before_expiry_with_the_stale_entry(tmp_path, clock, issuer):
    cache = TokenCache(tmp_path / "c", clock=clock, margin=60)
    first = cache.get("k", issuer)
    clock.now = first.expires_at - 61
    assert cache.get("k", issuer) == first
    clock.now = first.expires_at - 59
    assert cache.get("k", issuer).access_token == "access-2"
    assert issuer.calls == [None, first]  # the stale entry comes back, so its refresh token can renew it


def test_a_fresher_file_wins_over_stale_memory(tmp_path, clock, issuer):
    """Another process renewed the token: this one picks the new file up instead of fetching."""
    mine, theirs = TokenCache(tmp_path / "c", clock=clock), TokenCache(tmp_path / "c", clock=clock)
    mine.get("k", issuer)
    clock.now += 3600
    assert theirs.get("k", issuer).access_token == "access-2"
    assert mine.get("k", issuer).access_token == "access-2"
    assert len(issuer.calls) == 2


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_a_file_others_may_read_is_ignored(tmp_path, clock, issuer, mode, caplog):
    TokenCache(tmp_path / "c", clock=clock).get("k", issuer)
    (file,) = (tmp_path / "c").iterdir()
    os.chmod(file, mode)
    with caplog.at_level(logging.WARNING):
        assert TokenCache(tmp_path / "c", clock=clock).get("k", issuer).access_token == "access-2"
    assert "not ours alone" in caplog.text and "access-" not in caplog.text
    assert stat.S_IMODE(file.stat().st_mode) == 0o600  # replaced by a private file


def test_a_symlinked_file_is_not_followed(tmp_path, clock, issuer):
    TokenCache(tmp_path / "c", clock=clock).get("k", issuer)
    (file,) = (tmp_path / "c").iterdir()
    target = tmp_path / "elsewhere.json"
    file.rename(target)
    file.symlink_to(target)
    assert TokenCache(tmp_path / "c", clock=clock).get("k", issuer).access_token == "access-2"


@pytest.mark.parametrize(
    "content", ["", "not json", "[" * 100_000, "[]", '{"access_token": 1, "expires_at": 2}', '{"x": 1}']
)
def test_a_damaged_file_counts_as_absent(tmp_path, clock, issuer, content):
    TokenCache(tmp_path / "c", clock=clock).get("k", issuer)
    (file,) = (tmp_path / "c").iterdir()
    file.write_text(content)
    assert TokenCache(tmp_path / "c", clock=clock).get("k", issuer).access_token == "access-2"


def test_an_unwritable_directory_still_caches_in_memory(tmp_path, clock, issuer, caplog):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    cache = TokenCache(blocker / "c", clock=clock)
    with caplog.at_level(logging.WARNING):
        assert cache.get("k", issuer).access_token == "access-1"
        assert cache.get("k", issuer).access_token == "access-1"
    assert "not cached on disk" in caplog.text


def test_expire_keeps_the_refresh_token_and_spares_a_newer_token(tmp_path, clock, issuer):
    cache = TokenCache(tmp_path / "c", clock=clock)
    first = cache.get("k", issuer)
    cache.expire("k", first)
    second = cache.get("k", issuer)
    assert issuer.calls[-1].refresh_token == "refresh-1" and second.access_token == "access-2"
    cache.expire("k", first)  # a caller still holding the old token must not throw the new one away
    assert cache.get("k", issuer) == second


def test_remove_forgets_everywhere(tmp_path, clock, issuer):
    cache = TokenCache(tmp_path / "c", clock=clock)
    first = cache.get("k", issuer)
    assert cache.remove("k") == first
    assert list((tmp_path / "c").iterdir()) == []
    assert cache.remove("k") is None
    assert TokenCache(tmp_path / "c", clock=clock).get("k", issuer).access_token == "access-2"


def test_concurrent_callers_share_one_fetch(tmp_path, clock):
    """Eight threads ask at once while the fetch is slow: without the per-key lock each would fetch."""
    cache = TokenCache(tmp_path / "c", clock=clock)
    fetches = []
    slow = threading.Event()

    def obtain(stale):
        fetches.append(stale)
        slow.wait(0.2)  # keep the fetch in flight while the others arrive
        return CachedToken("shared", clock() + 3600)

    start = threading.Barrier(8)
    results = []

    def caller():
        start.wait()
        results.append(cache.get("k", obtain).access_token)

    threads = [threading.Thread(target=caller) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["shared"] * 8
    assert len(fetches) == 1


def test_repr_never_shows_tokens():
    token = CachedToken("secret-access", 1.0, refresh_token="secret-refresh", username="u")
    assert "secret" not in repr(token)
