"""The web app against the local Cognito, through real servers on loopback, with requests as the browser."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest
import requests

from tests.fixtures.local_cognito import own_user
from tests.fixtures.webapp import NEARLY_EXPIRED, concurrent_gets, csrf_token, fill_login_form, sign_in


def is_signed_in(http: requests.Session, app_url: str) -> bool:
    return http.get(f"{app_url}/profile", allow_redirects=False).status_code == 200


def test_sign_in_lands_where_the_user_was_going(webapp, local_cognito):
    http = requests.Session()
    user = local_cognito.demo_user
    landing = sign_in(http, webapp.url, user.email, user.password, next="/profile")
    assert landing.url == f"{webapp.url}/profile"
    assert landing.status_code == 200
    assert f"Hello, {user.email}" in landing.text
    assert "Sign out" in landing.text


def test_protected_page_sends_an_anonymous_visitor_through_sign_in_and_back(webapp, local_cognito):
    http = requests.Session()
    login_page = http.get(f"{webapp.url}/profile")
    assert urlsplit(login_page.url).netloc == urlsplit(local_cognito.url).netloc
    method, action, data = fill_login_form(login_page, local_cognito.demo_user.email, local_cognito.demo_user.password)
    landing = http.request(method, action, data=data)
    assert landing.url == f"{webapp.url}/profile" and landing.status_code == 200


def test_sign_out_ends_both_sessions_and_the_old_cookie_is_anonymous(webapp, local_cognito):
    http = requests.Session()
    user = local_cognito.demo_user
    sign_in(http, webapp.url, user.email, user.password)
    old_cookie = http.cookies.get("session", domain="127.0.0.1")
    signed_out = http.post(f"{webapp.url}/logout", data={"csrf_token": csrf_token(http, webapp.url)})
    # Through Cognito's /logout and back to our signed-out page.
    assert signed_out.url == f"{webapp.url}/signed-out"
    assert [r.status_code for r in signed_out.history] == [302, 302]
    assert "You have signed out" in signed_out.text
    replay = requests.Session()
    replay.cookies.set("session", old_cookie)
    assert not is_signed_in(replay, webapp.url)
    # The Hosted UI session is gone too: signing in again asks for the password.
    login_page = http.get(f"{webapp.url}/login")
    assert 'type="password"' in login_page.text


def test_access_token_is_refreshed_ahead_of_expiry(webapp, local_cognito):
    http = requests.Session()
    user = local_cognito.demo_user
    with local_cognito.clock.moved(NEARLY_EXPIRED):
        sign_in(http, webapp.url, user.email, user.password)
    before = local_cognito.grant_count("refresh_token")
    assert is_signed_in(http, webapp.url)
    assert local_cognito.grant_count("refresh_token") == before + 1
    assert is_signed_in(http, webapp.url)  # the refreshed token is good for an hour
    assert local_cognito.grant_count("refresh_token") == before + 1


def test_a_margin_beyond_the_token_lifetime_refreshes_once_per_token_at_its_half_life(webapp_factory, local_cognito):
    # Cognito pools can issue access tokens no longer-lived than the refresh margin (5 minutes, as the default
    # margin). Here the margin (2 hours) exceeds the local pool's 60-minute tokens: a token is still used until
    # its half-life, then refreshed once, instead of being refreshed on every request.
    app = webapp_factory(token_refresh_margin=2 * 60 * 60)
    user = local_cognito.demo_user
    fresh = requests.Session()
    sign_in(fresh, app.url, user.email, user.password)
    before = local_cognito.grant_count("refresh_token")
    for _ in range(5):
        assert is_signed_in(fresh, app.url)  # the profile page uses the access token
    assert local_cognito.grant_count("refresh_token") == before
    past_half_life = requests.Session()
    with local_cognito.clock.moved(-31 * 60):  # issued 31 minutes ago, expiring in 29
        sign_in(past_half_life, app.url, user.email, user.password)
    for _ in range(5):
        assert is_signed_in(past_half_life, app.url)
    assert local_cognito.grant_count("refresh_token") == before + 1


def test_concurrent_requests_of_one_session_refresh_once(webapp, local_cognito):
    http = requests.Session()
    user = local_cognito.demo_user
    with local_cognito.clock.moved(NEARLY_EXPIRED):
        sign_in(http, webapp.url, user.email, user.password)
    before = local_cognito.grant_count("refresh_token")
    statuses = concurrent_gets([webapp.url], http.cookies.get_dict(), 10)
    assert statuses == [200] * 10
    assert local_cognito.grant_count("refresh_token") == before + 1


def test_revoked_refresh_token_ends_the_session_without_a_loop(webapp, local_cognito):
    victim = requests.Session()
    user = local_cognito.demo_user
    with local_cognito.clock.moved(NEARLY_EXPIRED):
        sign_in(victim, webapp.url, user.email, user.password)
    # Revoke the session's refresh token at Cognito behind the web app's back.
    tokens = webapp.app.extensions["cognito_auth"].store.load(victim.cookies["session"])["tokens"]
    web = local_cognito.clients["web"]
    revoked = requests.post(f"{local_cognito.url}/oauth2/revoke", data={"token": tokens["refresh_token"]},
                            auth=(web.client_id, web.client_secret), timeout=5)
    assert revoked.status_code == 200
    page = victim.get(f"{webapp.url}/profile", allow_redirects=False)
    assert page.status_code == 401 and "Sign in again" in page.text
    assert victim.get(f"{webapp.url}/profile", allow_redirects=False).status_code == 302


def test_a_second_sign_in_in_the_same_browser_revokes_the_refresh_token_it_replaces(webapp, local_cognito):
    """Two tabs start signing in; the second to finish replaces the first's session. The first session's refresh
    token must die at Cognito too, not just be forgotten here (where nobody could revoke it any more)."""
    http = requests.Session()
    user = local_cognito.demo_user
    http.get(webapp.url + "/").raise_for_status()
    tabs = [fill_login_form(http.get(webapp.url + "/login"), user.email, user.password) for _ in range(2)]
    store = webapp.app.extensions["cognito_auth"].store
    refresh_tokens = []
    for method, action, data in tabs:
        assert http.request(method, action, data=data).url.startswith(webapp.url)
        refresh_tokens.append(store.load(http.cookies["session"])["tokens"]["refresh_token"])
    web = local_cognito.clients["web"]

    def refresh(token: str) -> requests.Response:
        return requests.post(f"{local_cognito.url}/oauth2/token", timeout=10, auth=(web.client_id, web.client_secret),
                             data={"grant_type": "refresh_token", "refresh_token": token})

    replaced, current = (refresh(token) for token in refresh_tokens)
    assert (replaced.status_code, replaced.json().get("error")) == (400, "invalid_grant")
    assert current.status_code == 200 and is_signed_in(http, webapp.url)


def test_sign_out_everywhere_with_cognito(webapp, local_cognito):
    laptop, phone = requests.Session(), requests.Session()
    user = own_user(local_cognito, "everywhere")
    sign_in(laptop, webapp.url, user.email, user.password)
    sign_in(phone, webapp.url, user.email, user.password)
    phone_tokens = webapp.app.extensions["cognito_auth"].store.load(phone.cookies["session"])["tokens"]
    response = laptop.post(f"{webapp.url}/logout-everywhere", data={"csrf_token": csrf_token(laptop, webapp.url)})
    assert response.url == f"{webapp.url}/signed-out"
    assert not is_signed_in(laptop, webapp.url) and not is_signed_in(phone, webapp.url)
    # Cognito itself signed the user out: the phone's tokens are dead there too, not just its session here.
    user_info = requests.get(f"{local_cognito.url}/oauth2/userInfo", timeout=10,
                             headers={"Authorization": f"Bearer {phone_tokens['access_token']}"})
    assert user_info.status_code == 401


def test_after_sign_out_everywhere_every_browser_is_asked_for_the_password(webapp, local_cognito):
    """Cognito's GlobalSignOut leaves Hosted UI sessions alone: the laptop could sign straight back in through its
    own. The web app sees that the sign-in predates the sign-out (`auth_time`) and asks again with prompt=login."""
    laptop, phone = requests.Session(), requests.Session()
    user = own_user(local_cognito, "laptop-and-phone")
    sign_in(laptop, webapp.url, user.email, user.password)
    sign_in(phone, webapp.url, user.email, user.password)
    phone.post(f"{webapp.url}/logout-everywhere", data={"csrf_token": csrf_token(phone, webapp.url)})
    page = laptop.get(f"{webapp.url}/profile")  # through /login and the Hosted UI, whose session still lives
    assert 'type="password"' in page.text and urlsplit(page.url).netloc == urlsplit(local_cognito.url).netloc
    authorize_requests = [hop.url for hop in page.history if "/oauth2/authorize" in hop.url]
    assert "prompt=login" not in authorize_requests[0] and "prompt=login" in authorize_requests[-1]
    method, action, data = fill_login_form(page, user.email, user.password)
    assert laptop.request(method, action, data=data).url == f"{webapp.url}/profile"  # the password: signed in


@pytest.mark.redis
def test_redis_sessions_shared_by_two_instances(webapp_factory, local_cognito, redis_server):
    first = webapp_factory(session_redis_url=redis_server.url)
    second = webapp_factory(session_redis_url=redis_server.url)
    http = requests.Session()
    user = local_cognito.demo_user
    with local_cognito.clock.moved(NEARLY_EXPIRED):
        sign_in(http, first.url, user.email, user.password)
    before = local_cognito.grant_count("refresh_token")
    statuses = concurrent_gets([first.url, second.url], http.cookies.get_dict(), 10)
    assert statuses == [200] * 10
    assert local_cognito.grant_count("refresh_token") == before + 1


def test_no_token_or_verifier_reaches_the_logs(webapp, local_cognito, caplog):
    caplog.set_level(logging.DEBUG)
    http = requests.Session()
    user = local_cognito.demo_user
    with local_cognito.clock.moved(NEARLY_EXPIRED):
        sign_in(http, webapp.url, user.email, user.password)
    store = webapp.app.extensions["cognito_auth"].store
    first = dict(store.load(http.cookies["session"])["tokens"])
    assert is_signed_in(http, webapp.url)  # refreshes
    second = dict(store.load(http.cookies["session"])["tokens"])
    http.post(f"{webapp.url}/logout", data={"csrf_token": csrf_token(http, webapp.url)})
    secrets = {first["access_token"], first["refresh_token"], second["access_token"], second["refresh_token"]}
    assert len(secrets) >= 3
    logged = caplog.text
    assert "code_verifier" not in logged
    for secret in secrets:
        assert secret not in logged and secret[-40:] not in logged
