"""Sessions at rest: a dump of the store (Redis, or the session folder) after real sign-ins holds no token, no
email and no session id a thief could replay; sealed values open only under their own key, with any configured
secret."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
import requests

from tests.fixtures.webapp import sign_in
from webapp.cognito_auth.session_store import SessionCipher, store_key


def redis_dump(url: str) -> bytes:
    client = redis.Redis.from_url(url)
    try:
        parts = []
        for key in client.scan_iter():
            parts.append(key)
            kind = client.type(key)
            parts += [client.get(key)] if kind == b"string" else list(client.smembers(key)) if kind == b"set" else []
        return b"\n".join(part for part in parts if part)
    finally:
        client.close()


def folder_dump(root: Path) -> bytes:
    return b"\n".join(str(path).encode() + b"\n" + (path.read_bytes() if path.is_file() else b"")
                      for path in root.rglob("*"))


@pytest.mark.parametrize("store", [pytest.param("redis", marks=pytest.mark.redis), "files"])
def test_a_dump_of_the_store_holds_no_token_no_email_and_no_session_id(store, webapp_factory, local_cognito,
                                                                        tmp_path, request):
    if store == "redis":
        url = request.getfixturevalue("redis_server").url.rsplit("/", 1)[0] + "/7"  # a database of its own
        redis.Redis.from_url(url).flushdb()
        running = webapp_factory(session_redis_url=url)
    else:
        running = webapp_factory(session_dir=str(tmp_path / "sessions"))
    user = local_cognito.demo_user
    browsers = [requests.Session() for _ in range(2)]
    for http in browsers:
        sign_in(http, running.url, user.email, user.password)
    secrets = [user.email.encode(), b"eyJ"]  # every JWT starts with a base64url '{"'
    for http in browsers:
        sid = http.cookies["session"]
        tokens = running.app.extensions["cognito_auth"].store.load(sid)["tokens"]
        secrets += [sid.encode(), tokens["access_token"].encode(), tokens["refresh_token"].encode()]
    dump = redis_dump(url) if store == "redis" else folder_dump(tmp_path / "sessions")
    assert dump, "nothing was stored"
    assert [secret[:20] for secret in secrets if secret in dump] == []


def test_sealed_sessions_open_with_any_configured_secret_and_only_under_their_key():
    old, new = "o" * 32, "n" * 32
    key, other = store_key("a session id"), store_key("another one")
    sealed = SessionCipher((old,)).seal(key, b"session bytes")
    assert b"session bytes" not in sealed
    assert SessionCipher((new, old)).open(key, sealed) == b"session bytes"  # rotation: the old secret still opens
    assert SessionCipher((new,)).open(key, sealed) is None
    assert SessionCipher((old,)).open(other, sealed) is None  # moved under another session's key
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    assert SessionCipher((old,)).open(key, tampered) is None
    assert SessionCipher((old,)).open(key, b"short") is None


def test_a_session_sealed_with_a_retired_secret_is_simply_signed_out(webapp_factory, local_cognito):
    running = webapp_factory()
    http = requests.Session()
    sign_in(http, running.url, local_cognito.demo_user.email, local_cognito.demo_user.password)
    store = running.app.extensions["cognito_auth"].store
    store.cipher = SessionCipher(("a brand new secret, nothing sealed with it yet",))
    page = http.get(running.url + "/profile", allow_redirects=False)
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
