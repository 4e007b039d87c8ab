"""Server-side sessions: the cookie, the two stores, the lifetimes, and the headers of signed-in pages."""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from hashlib import sha256
from pathlib import Path

import pytest
import redis
import requests
from flask import session

from tests.cognito_auth.conftest import Flow, scripted_sign_in, token_response
from tests.fixtures.webapp import csrf_token
from tests.idp import past_half_life
from webapp.cognito_auth.session_store import FileSessionData, FileUserIndex, store_key
from webapp.cognito_auth.sessions import keep_newer_state


A, B, C = (store_key(name) for name in "abc")


def is_signed_in(http: requests.Session, app_url: str) -> bool:
    return http.get(f"{app_url}/profile", allow_redirects=False).status_code == 200


def test_session_store_down_is_a_503_not_a_500(scripted_webapp, hosted):
    closed_port = "redis://127.0.0.1:9/0"
    app_url = scripted_webapp(session_redis_url=closed_port).url
    assert requests.get(app_url + "/").status_code == 200  # anonymous pages need no store
    response = requests.get(app_url + "/login", allow_redirects=False)
    assert response.status_code == 503 and "Try again" in response.text
    with_cookie = requests.get(app_url + "/profile", cookies={"session": "x" * 43}, allow_redirects=False)
    assert with_cookie.status_code == 503


def test_a_callback_that_meets_a_store_outage_keeps_its_code_out_of_the_page_and_the_referrer(scripted_webapp,
                                                                                                hosted):
    app_url = scripted_webapp(session_redis_url="redis://127.0.0.1:9/0").url
    response = requests.get(f"{app_url}/callback", params={"code": "the-secret-code", "state": "s"},
                            cookies={"session": "x" * 43}, allow_redirects=False)
    assert response.status_code == 503
    assert "the-secret-code" not in response.text
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("referrer, retry", [
    ("{app}/weather?city=tokyo", "/weather?city=tokyo"),  # the page the sign-out button was on
    ("https://elsewhere.example/weather", None),  # not one of ours
    ("{app}//elsewhere.example/weather", None),  # our origin, but a path a browser reads as another host
    (None, None),
])
def test_a_failed_form_post_is_retried_from_its_page_never_by_a_link_to_the_post(scripted_webapp, hosted, referrer,
                                                                                  retry):
    app_url = scripted_webapp(session_redis_url="redis://127.0.0.1:9/0").url
    headers = {"Referer": referrer.format(app=app_url)} if referrer else {}
    response = requests.post(f"{app_url}/logout", headers=headers, cookies={"session": "x" * 43},
                             allow_redirects=False)
    assert response.status_code == 503
    links = re.findall(r'href="([^"]*)"', response.text)
    assert not [link for link in links if link.startswith("/logout")]  # a GET there is a 405
    assert (f'href="{retry}">Try again' in response.text) if retry else ("Try again</a>" not in response.text)


def test_cookie_holds_only_an_opaque_id_with_strict_flags(app_url, hosted):
    http = requests.Session()
    response = scripted_sign_in(http, app_url, hosted)
    set_cookie = response.headers["Set-Cookie"]
    assert set_cookie.startswith("session=")
    flags = {part.strip().lower() for part in set_cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert not any(flag.startswith(("expires", "max-age", "domain")) for flag in flags)
    assert len(http.cookies["session"]) == 43  # 32 random bytes, base64url


def test_https_deployments_get_a_host_prefixed_secure_cookie_and_hsts(scripted_webapp, hosted):
    # Served over http on loopback for the test; APP_BASE_URL (what the browser sees) is https.
    running = scripted_webapp(app_base_url="https://app.example.com")
    response = requests.get(f"{running.url}/login", allow_redirects=False)
    set_cookie = response.headers["Set-Cookie"]
    assert set_cookie.startswith("__Host-session=")
    flags = {part.strip().lower() for part in set_cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= flags
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_signed_in_pages_are_not_stored_and_carry_the_security_headers(app_url, hosted):
    http = requests.Session()
    scripted_sign_in(http, app_url, hosted)
    for path in ("/profile", "/"):
        headers = http.get(app_url + path).headers
        assert headers["Cache-Control"] == "no-store", path
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src" not in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # plain http on loopback


def test_anonymous_visitors_get_no_session(app_url, hosted):
    for path in ("/", "/signed-out", "/healthz", "/static/style.css"):
        assert "Set-Cookie" not in requests.get(app_url + path).headers, path


def test_navigation_greets_the_signed_in_user(app_url, hosted):
    http = requests.Session()
    scripted_sign_in(http, app_url, hosted, id={"email": "carol@example.com"})
    home = http.get(app_url + "/").text
    assert "Hello, carol@example.com" in home and "Sign out" in home and 'href="/weather"' in home
    anonymous = requests.get(app_url + "/").text
    assert "Hello," not in anonymous and "Sign in" in anonymous


def test_profile_shows_who_and_until_when(app_url, hosted):
    http = requests.Session()
    scripted_sign_in(http, app_url, hosted, sub="sub-123",
                     id={"email": "dan@example.com", "cognito:username": "dan", "cognito:groups": ["ops", "dev"]})
    page = http.get(app_url + "/profile").text
    for text in ("dan@example.com", "dan", "ops, dev", "sub-123", "Ends if unused", "Access token expires"):
        assert text in page


def test_idle_sessions_end_and_a_stale_sign_out_button_still_works(scripted_webapp, hosted):
    running = scripted_webapp(session_idle_timeout=2)
    http = requests.Session()
    scripted_sign_in(http, running.url, hosted)
    token = csrf_token(http, running.url)
    running.clock.offset += 2.3
    # The page left open past the timeout: its sign-out button still signs out (no CSRF error).
    response = http.post(f"{running.url}/logout", data={"csrf_token": token}, allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"].startswith(f"{hosted.url}/logout?")
    assert [r.form["token"] for r in hosted.recorded("/oauth2/revoke")] == ["refresh-1"]
    assert not is_signed_in(http, running.url)


def test_a_timed_out_session_has_its_refresh_token_revoked(scripted_webapp, hosted):
    running = scripted_webapp(session_idle_timeout=1)
    http = requests.Session()
    scripted_sign_in(http, running.url, hosted)
    running.clock.offset += 1.2
    assert http.get(f"{running.url}/").status_code == 200  # any page: the session ends here
    assert [r.form["token"] for r in hosted.recorded("/oauth2/revoke")] == ["refresh-1"]
    assert not is_signed_in(http, running.url)


def test_activity_and_refreshes_do_not_extend_the_absolute_lifetime(scripted_webapp, hosted):
    # Every profile visit refreshes the tokens (margin beyond their lifetime, tokens past their half-life) and counts
    # as activity. Two visits 1.6 s apart take the session past its idle timeout (so activity must have counted);
    # the last, 2 s later, finds only the absolute lifetime over.
    running = scripted_webapp(session_idle_timeout=3, session_absolute_lifetime=5, token_refresh_margin=10**6)
    http = requests.Session()
    scripted_sign_in(http, running.url, hosted, sub="s-abs", id={"auth_time": 1_700_000_000}, access=past_half_life())
    for _ in range(2):
        running.clock.offset += 1.6
        hosted.answer_tokens(token_response(hosted.idp, None, sub="s-abs", id={"auth_time": 1_700_000_000},
                                            access=past_half_life()))
        assert is_signed_in(http, running.url)  # activity keeps the idle timeout at bay...
    running.clock.offset += 2.0
    page = http.get(f"{running.url}/profile?tab=2", allow_redirects=False)  # ...but not past the absolute lifetime
    assert page.status_code == 401 and "Your session has expired" in page.text
    assert 'href="/login?next=/profile?tab%3D2"' in page.text
    assert not is_signed_in(http, running.url)
    assert len([r for r in hosted.recorded("/oauth2/token") if r.form["grant_type"] == "refresh_token"]) == 2


def test_file_store_keeps_live_sessions_beyond_cachelibs_default_threshold(scripted_webapp, hosted, tmp_path):
    running = scripted_webapp(session_dir=str(tmp_path / "store"))
    http = requests.Session()
    scripted_sign_in(http, running.url, hosted)
    with requests.Session() as visitors:
        for _ in range(520):  # each sign-in that starts is a stored session
            visitors.cookies.clear()
            assert visitors.get(f"{running.url}/login", allow_redirects=False).status_code == 302
    assert len(os.listdir(tmp_path / "store" / "sessions")) >= 521
    assert is_signed_in(http, running.url)


def test_file_store_sweeps_expired_sessions_only(tmp_path):
    store = FileSessionData(tmp_path / "sessions")
    live, expired = store_key("live"), store_key("expired")
    store.set(live, b"live", ttl=3600)
    store.set(expired, b"expired", ttl=-10)
    assert store.get(expired) is None  # expired entries are never served, swept or not
    store.remove_expired()
    assert os.listdir(tmp_path / "sessions") == [live]
    assert store.get(live) == b"live"


def test_file_store_names_files_only_after_store_keys(tmp_path):
    store = FileSessionData(tmp_path / "sessions")
    for name in ("../users/" + "a" * 64, "a" * 20, "A" * 64):
        assert store.get(name) is None
        store.delete(name)
    with pytest.raises(ValueError):
        store.set("../" + "a" * 64, b"x", ttl=60)


def test_file_index_drops_entries_older_than_the_absolute_lifetime(tmp_path):
    index = FileUserIndex(tmp_path / "users", lifetime=60)
    index.add("alice", A)
    index.add("alice", B)
    old = time.time() - 120
    folder = next(Path(tmp_path / "users").iterdir())
    os.utime(folder / A, (old, old))
    index.remove_stale()
    assert index.keys("alice") == [B]


def test_file_index_survives_sign_ins_sign_outs_and_lookups_racing_the_sweep(tmp_path):
    """The sweep removes empty user folders while other threads add to, look in and forget them: no error may
    reach a sign-in, a "sign out everywhere" or the sweep itself."""
    index = FileUserIndex(tmp_path / "users", lifetime=3600)
    subs = [f"user-{n}" for n in range(20)]
    errors: list[str] = []
    deadline = time.monotonic() + 2

    def repeat(action):
        def run():
            while time.monotonic() < deadline:
                try:
                    action()
                except OSError as error:
                    errors.append(f"{action.__name__}: {type(error).__name__}")
        return run

    def sign_in_and_out():
        for sub in subs:
            key = store_key(secrets.token_urlsafe(32))
            index.add(sub, key)
            index.remove(sub, key)

    def sign_out_everywhere():
        for sub in subs:
            index.keys(sub)
            index.forget(sub)

    threads = [threading.Thread(target=repeat(action))
               for action in (sign_in_and_out, sign_in_and_out, sign_out_everywhere, index.remove_stale)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_file_index_forgets_users_whose_entries_are_all_stale(tmp_path):
    index = FileUserIndex(tmp_path / "users", lifetime=60)
    index.add("alice", A)
    index.add("bob", B)
    old = time.time() - 120
    for entry in (tmp_path / "users").glob(f"*/{A}"):
        os.utime(entry, (old, old))
    index.remove_stale()
    assert len(list((tmp_path / "users").iterdir())) == 1  # bob's folder only
    index.add("alice", C)  # a returning user gets a folder again
    assert index.keys("alice") == [C]


def test_a_session_ended_elsewhere_is_not_resurrected_by_a_request_in_flight(app_url, hosted, shared_scripted_webapp):
    http = requests.Session()
    scripted_sign_in(http, app_url, hosted)
    sid = http.cookies["session"]
    store = shared_scripted_webapp.app.extensions["cognito_auth"].store
    with shared_scripted_webapp.app.test_request_context():
        stored = store.load(sid)
        store.delete(sid)
        # What a request that loaded the session earlier would write at its end:
        session.update(stored)
        session.sid = sid
        session.modified = True
        keep_newer_state()
        assert not session
    assert not is_signed_in(http, app_url)


@pytest.mark.redis
def test_redis_store_holds_sessions_and_the_user_index(scripted_webapp, hosted, redis_server, request):
    running = scripted_webapp(session_redis_url=redis_server.url)
    client = redis.Redis.from_url(redis_server.url)
    request.addfinalizer(client.close)
    http = requests.Session()
    scripted_sign_in(http, running.url, hosted, sub="redis-user")
    key = store_key(http.cookies["session"])
    assert client.exists(f"session:{key}")
    assert client.smembers(f"user-sessions:{sha256(b'redis-user').hexdigest()}") == {key.encode()}
    assert 0 < client.ttl(f"session:{key}") <= 30 * 60
    assert is_signed_in(http, running.url)
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(running.url + "/profile").text).group(1)
    http.post(f"{running.url}/logout", data={"csrf_token": token}, allow_redirects=False)
    assert not client.exists(f"session:{key}")
    assert client.smembers(f"user-sessions:{sha256(b'redis-user').hexdigest()}") == set()


@pytest.mark.redis
def test_the_redis_refresh_lock_outlives_the_slowest_refresh(scripted_webapp, hosted, redis_server, request):
    """While a process holds a session's refresh lock, no other process may take it: the lock must not expire
    before the calls a refresh makes under it have all timed out. Each is one connect plus one read timeout:
    discovery, token endpoint, JWKS twice (access then ID token), and the session's Redis read and write."""
    http_timeout = 3.0
    running = scripted_webapp(session_redis_url=redis_server.url, http_timeout=http_timeout)
    client = redis.Redis.from_url(redis_server.url)
    request.addfinalizer(client.close)
    slowest_refresh = (4 + 2) * 2 * http_timeout
    with running.app.extensions["cognito_auth"].store.locks.hold(A, wait=1):
        assert client.pttl("session-lock:" + A) / 1000 > slowest_refresh


@pytest.mark.redis
def test_pending_flows_work_with_redis(scripted_webapp, hosted, redis_server):
    running = scripted_webapp(session_redis_url=redis_server.url)
    http = requests.Session()
    flow = Flow.start(http, running.url)
    assert flow.callback(state="unknown").status_code == 400


def test_static_files_stay_cacheable_for_signed_in_people(app_url, hosted):
    http = requests.Session()
    scripted_sign_in(http, app_url, hosted)
    response = http.get(app_url + "/static/style.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert "Set-Cookie" not in response.headers
