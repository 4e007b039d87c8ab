"""Token refresh against a scripted token endpoint: merging, validation, failures, single-flight in threads.

`token_refresh_margin` larger than the tokens' lifetime, with tokens issued past their half-life (`past_half_life`),
makes every use of the access token refresh it, which is how these tests reach the refresh path without waiting
for a token to expire. (A fresh token is never due before its half-life, however large the margin.)
"""

from __future__ import annotations

import pytest
import requests

from tests.fixtures.webapp import concurrent_gets
from tests.idp import past_half_life
from tests.cognito_auth.conftest import scripted_sign_in, token_response
from tests.cognito_auth.scripted_idp import TOKEN_PATH

SUB = "8f1c7a52-0000-4000-8000-000000000001"
AUTH_TIME = 1_700_000_000  # Cognito keeps the sign-in's auth_time in refreshed ID tokens
ALWAYS_REFRESH = 10**6


@pytest.fixture
def refreshing_app(scripted_webapp):
    return scripted_webapp(token_refresh_margin=ALWAYS_REFRESH).url


def refreshes(hosted) -> list[dict]:
    return [r.form for r in hosted.recorded(TOKEN_PATH) if r.form.get("grant_type") == "refresh_token"]


def refreshed(hosted, *, rotate_to: str | None = None, sub: str = SUB, id: dict | None = None,
              access: dict | None = None) -> dict:
    """A refresh answer the way Cognito sends one: new access and ID tokens, a refresh token only on rotation.

    The access token is past its half-life (due again at once under ALWAYS_REFRESH) unless `access` says otherwise.
    """
    id_claims = {"auth_time": AUTH_TIME, **(id or {})}
    access = {**past_half_life(), **(access or {})}
    return token_response(hosted.idp, None, sub=sub, refresh_token=rotate_to, id=id_claims, access=access)


def signed_in(http, app_url, hosted, *, expires_in: int = 3600):
    """Sign in with an access token that expires in `expires_in` seconds and is past its half-life."""
    access = past_half_life(expires_in)
    scripted_sign_in(http, app_url, hosted, sub=SUB, id={"auth_time": AUTH_TIME}, access=access)


def test_refresh_keeps_the_refresh_token_unless_rotated(refreshing_app, hosted):
    http = requests.Session()
    signed_in(http, refreshing_app, hosted)
    hosted.answer_tokens(refreshed(hosted))  # no rotation: no refresh token in the answer
    assert http.get(f"{refreshing_app}/profile").status_code == 200
    hosted.answer_tokens(refreshed(hosted, rotate_to="refresh-2"))  # rotation
    assert http.get(f"{refreshing_app}/profile").status_code == 200
    hosted.answer_tokens(refreshed(hosted))
    assert http.get(f"{refreshing_app}/profile").status_code == 200
    sent = [form["refresh_token"] for form in refreshes(hosted)]
    assert sent == ["refresh-1", "refresh-1", "refresh-2"]
    assert all("scope" not in form for form in refreshes(hosted))


def test_refreshed_claims_replace_the_old_ones(refreshing_app, hosted):
    http = requests.Session()
    signed_in(http, refreshing_app, hosted)
    hosted.answer_tokens(refreshed(hosted, id={"cognito:groups": ["admins"]}))
    assert "admins" in http.get(f"{refreshing_app}/profile").text


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ((400, {"error": "invalid_grant"}), "refresh token revoked or expired"),
        ((400, {"error": "invalid_client"}), "client refused"),
        ("another user", "the refreshed ID token names someone else"),
        ("bad audience", "the refreshed ID token is for another client"),
        ("changed auth_time", "the refreshed ID token claims a new authentication"),
        ("access for another client", "the refreshed access token is for another client"),
    ],
)
def test_a_rejected_refresh_ends_the_session_without_a_redirect_loop(refreshing_app, hosted, answer, reason):
    http = requests.Session()
    signed_in(http, refreshing_app, hosted)
    if answer == "another user":
        hosted.answer_tokens(refreshed(hosted, sub="someone-else"))
    elif answer == "bad audience":
        hosted.answer_tokens(refreshed(hosted, id={"aud": "another-client"}))
    elif answer == "changed auth_time":
        hosted.answer_tokens(refreshed(hosted, id={"auth_time": 1_800_000_000}))
    elif answer == "access for another client":
        hosted.answer_tokens(refreshed(hosted, access={"client_id": "x"}))
    else:
        hosted.answer_tokens(answer[1], answer[0])
    page = http.get(f"{refreshing_app}/profile", allow_redirects=False)
    assert page.status_code == 401, reason
    assert "Your session has ended" in page.text
    assert 'href="/login?next=/profile">Sign in again' in page.text
    # The session is gone: the next visit is an ordinary anonymous one (a redirect to sign in), not the same page.
    after = http.get(f"{refreshing_app}/profile", allow_redirects=False)
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")
    assert len(refreshes(hosted)) == 1


@pytest.mark.parametrize(
    "answer", [(500, {"error": "server_error"}), (503, "busy"), (400, {"error": "temporarily_unavailable"})]
)
def test_token_endpoint_failure_with_the_token_about_to_expire_is_a_503_and_keeps_the_session(
    refreshing_app, hosted, answer
):
    http = requests.Session()
    signed_in(http, refreshing_app, hosted, expires_in=20)  # less than the 30 s a caller needs
    hosted.answer_tokens(answer[1], answer[0])
    page = http.get(f"{refreshing_app}/profile")
    assert page.status_code == 503 and "Try again" in page.text
    hosted.answer_tokens(refreshed(hosted))
    assert http.get(f"{refreshing_app}/profile").status_code == 200


def test_token_endpoint_timeout_is_a_503_and_keeps_the_session(refreshing_app, hosted):
    http = requests.Session()
    signed_in(http, refreshing_app, hosted, expires_in=20)
    hosted.delay = 1.5  # the web app's http_timeout is 1 s
    assert http.get(f"{refreshing_app}/profile").status_code == 503
    hosted.delay = 0
    hosted.answer_tokens(refreshed(hosted))
    assert http.get(f"{refreshing_app}/profile").status_code == 200


def test_token_endpoint_failure_with_a_still_valid_token_keeps_using_it(refreshing_app, hosted):
    http = requests.Session()
    signed_in(http, refreshing_app, hosted)  # valid for an hour, but due
    hosted.answer_tokens({"error": "server_error"}, 500)
    assert http.get(f"{refreshing_app}/profile").status_code == 200
    hosted.answer_tokens(refreshed(hosted))
    assert http.get(f"{refreshing_app}/profile").status_code == 200
    assert len(refreshes(hosted)) == 2


def test_concurrent_requests_of_one_session_refresh_once(scripted_webapp, hosted):
    # Margin 4000 s: the sign-in's token (expiring in an hour, past its half-life) needs a refresh, the refreshed
    # one (valid for years) does not.
    app_url = scripted_webapp(token_refresh_margin=4000).url
    http = requests.Session()
    signed_in(http, app_url, hosted)
    hosted.answer_tokens(refreshed(hosted, access={"exp": 2**31 - 1}))
    hosted.delay = 0.3  # keep the refresh in flight while the others arrive
    assert concurrent_gets([app_url], http.cookies.get_dict(), 8) == [200] * 8
    assert len(refreshes(hosted)) == 1


def test_concurrent_requests_adopt_a_refreshed_token_even_if_it_is_already_due(refreshing_app, hosted):
    # The refreshed token is due at once (as when Cognito's clock runs more than half a lifetime behind ours): the
    # requests waiting on the lock still take it rather than each refreshing again.
    http = requests.Session()
    signed_in(http, refreshing_app, hosted)
    hosted.answer_tokens(refreshed(hosted))
    hosted.delay = 0.3
    assert concurrent_gets([refreshing_app], http.cookies.get_dict(), 8) == [200] * 8
    assert len(refreshes(hosted)) == 1


def test_a_session_stored_without_refresh_at_is_refreshed_once(scripted_webapp, hosted):
    # Sessions written before `refresh_at` existed (a rolling upgrade keeps Redis' sessions) hold only expires_at.
    running = scripted_webapp()
    http = requests.Session()
    signed_in(http, running.url, hosted)
    store = running.app.extensions["cognito_auth"].store
    sid = http.cookies["session"]
    with running.app.test_request_context():
        stored = running.app.session_interface.session_class(store.load(sid), sid=sid)
        del stored["tokens"]["refresh_at"]
        store.write(stored)
    hosted.answer_tokens(refreshed(hosted))  # due in an hour less the default 5-minute margin
    assert http.get(f"{running.url}/profile").status_code == 200
    assert http.get(f"{running.url}/profile").status_code == 200
    assert len(refreshes(hosted)) == 1
