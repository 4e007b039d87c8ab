"""Token refresh against a scripted token endpoint: merging, validation, failures, single-flight in threads.

`token_refresh_margin` larger than the tokens' lifetime makes every use of the access token refresh it, which is
how these tests reach the refresh path without waiting for a token to expire.
"""

from __future__ import annotations

import time

import pytest
import requests

from tests.fixtures.webapp import concurrent_gets
from tests.webapp.conftest import scripted_sign_in, token_response
from tests.webapp.scripted_idp import TOKEN_PATH

SUB = "8f1c7a52-0000-4000-8000-000000000001"
AUTH_TIME = 1_700_000_000  # Cognito keeps the sign-in's auth_time in refreshed ID tokens
ALWAYS_REFRESH = 10**6


@pytest.fixture
def refreshing_app(scripted_webapp):
    return scripted_webapp(token_refresh_margin=ALWAYS_REFRESH).url


def refreshes(hosted) -> list[dict]:
    return [r.form for r in hosted.recorded(TOKEN_PATH) if r.form.get("grant_type") == "refresh_token"]


def refreshed(hosted, *, rotate_to: str | None = None, sub: str = SUB, id: dict | None = None, **options) -> dict:
    """A refresh answer the way Cognito sends one: new access and ID tokens, a refresh token only on rotation."""
    id_claims = {"auth_time": AUTH_TIME, **(id or {})}
    return token_response(hosted.idp, None, sub=sub, refresh_token=rotate_to, id=id_claims, **options)


def signed_in(http, app_url, hosted, *, expires_in: int = 3600):
    access = {"exp": int(time.time()) + expires_in}
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
    signed_in(http, refreshing_app, hosted)  # valid for an hour, but inside the (huge) refresh margin
    hosted.answer_tokens({"error": "server_error"}, 500)
    assert http.get(f"{refreshing_app}/profile").status_code == 200
    hosted.answer_tokens(refreshed(hosted))
    assert http.get(f"{refreshing_app}/profile").status_code == 200
    assert len(refreshes(hosted)) == 2


def test_concurrent_requests_of_one_session_refresh_once(scripted_webapp, hosted):
    # Margin 4000 s, tokens valid 3600 s: the sign-in's token needs a refresh, the refreshed one (valid for years)
    # does not.
    app_url = scripted_webapp(token_refresh_margin=4000).url
    http = requests.Session()
    signed_in(http, app_url, hosted)
    hosted.answer_tokens(refreshed(hosted, access={"exp": 2**31 - 1}))
    hosted.delay = 0.3  # keep the refresh in flight while the others arrive
    assert concurrent_gets([app_url], http.cookies.get_dict(), 8) == [200] * 8
    assert len(refreshes(hosted)) == 1
