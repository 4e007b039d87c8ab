"""Sign-out and sign out everywhere against the scripted Hosted UI: CSRF, revocation, Cognito's /logout, and
that an old session cookie is worthless afterwards."""

from __future__ import annotations

import logging
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.cognito_auth.conftest import scripted_sign_in
from tests.cognito_auth.scripted_idp import REVOKE_PATH
from tests.fixtures.webapp import csrf_token
from tests.idp import CLIENT_ID


@pytest.fixture
def sub() -> str:
    """A user of the test's own: signing out everywhere marks the user, and the app is shared by the module."""
    return str(uuid.uuid4())
GLOBAL_SIGN_OUT = "AWSCognitoIdentityProviderService.GlobalSignOut"


def is_signed_in(http: requests.Session, app_url: str) -> bool:
    return http.get(f"{app_url}/profile", allow_redirects=False).status_code == 200


def test_sign_out_revokes_deletes_the_session_and_ends_the_hosted_ui_session(app_url, hosted):
    http = requests.Session()
    scripted_sign_in(http, app_url, hosted)
    old_cookie = http.cookies.get("session")
    response = http.post(f"{app_url}/logout", data={"csrf_token": csrf_token(http, app_url)}, allow_redirects=False)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{hosted.url}/logout"
    assert parse_qs(location.query) == {"client_id": [CLIENT_ID], "logout_uri": [f"{app_url}/signed-out"]}
    (revocation,) = hosted.recorded(REVOKE_PATH)
    assert revocation.form["token"] == "refresh-1" and revocation.authorization.startswith("Basic ")
    assert http.cookies.get("session") is None  # the cookie was deleted
    replay = requests.Session()
    replay.cookies.set("session", old_cookie)
    assert not is_signed_in(replay, app_url)


@pytest.mark.parametrize("token", [None, "forged", "jeton-é", "another session's"])
def test_sign_out_without_a_valid_csrf_token_does_nothing(app_url, hosted, token):
    http = requests.Session()
    scripted_sign_in(http, app_url, hosted)
    csrf_token(http, app_url)  # the session has its own token, as once a page with the form was shown
    if token == "another session's":
        other = requests.Session()
        scripted_sign_in(other, app_url, hosted)
        token = csrf_token(other, app_url)
    form = {} if token is None else {"csrf_token": token}
    response = http.post(f"{app_url}/logout", data=form, allow_redirects=False)
    assert response.status_code == 400
    assert is_signed_in(http, app_url)
    assert hosted.recorded(REVOKE_PATH) == []


def test_a_get_to_logout_does_nothing(app_url, hosted):
    http = requests.Session()
    scripted_sign_in(http, app_url, hosted)
    assert http.get(f"{app_url}/logout", allow_redirects=False).status_code == 405
    assert is_signed_in(http, app_url)


def test_sign_out_completes_when_revocation_times_out(app_url, hosted):
    http = requests.Session()
    scripted_sign_in(http, app_url, hosted)
    token = csrf_token(http, app_url)
    hosted.delay = 1.5  # the web app's http_timeout is 1 s
    response = http.post(f"{app_url}/logout", data={"csrf_token": token}, allow_redirects=False)
    hosted.delay = 0
    assert response.status_code == 302 and response.headers["Location"].startswith(f"{hosted.url}/logout?")
    assert not is_signed_in(http, app_url)


def test_signed_out_page_creates_no_session(app_url, hosted):
    response = requests.get(f"{app_url}/signed-out")
    assert response.status_code == 200 and "You have signed out" in response.text
    assert "Set-Cookie" not in response.headers


def sign_out_everywhere(http, app_url):
    """Press the profile page's button, as a browser does (our Referrer-Policy sends our own pages' URLs)."""
    return http.post(f"{app_url}/logout-everywhere", data={"csrf_token": csrf_token(http, app_url)},
                     headers={"Referer": f"{app_url}/profile"}, allow_redirects=False)


def test_sign_out_everywhere_calls_global_sign_out_and_ends_every_session_of_the_user(app_url, hosted, sub):
    laptop, phone, someone_else = requests.Session(), requests.Session(), requests.Session()
    scripted_sign_in(laptop, app_url, hosted, sub=sub)
    scripted_sign_in(phone, app_url, hosted, sub=sub)
    scripted_sign_in(someone_else, app_url, hosted)
    hosted.idp.respond("/", {})  # Cognito's JSON API answers GlobalSignOut with an empty object
    response = sign_out_everywhere(laptop, app_url)
    assert response.status_code == 302 and response.headers["Location"].startswith(f"{hosted.url}/logout?")
    assert hosted.idp.hits["/"] == 1
    assert not is_signed_in(laptop, app_url)
    assert not is_signed_in(phone, app_url)
    assert is_signed_in(someone_else, app_url)


def test_sign_out_everywhere_needs_the_csrf_token(app_url, hosted, sub):
    http = requests.Session()
    scripted_sign_in(http, app_url, hosted, sub=sub)
    assert http.post(f"{app_url}/logout-everywhere", allow_redirects=False).status_code == 400
    assert hosted.idp.hits["/"] == 0
    assert is_signed_in(http, app_url)


def test_sign_out_everywhere_goes_ahead_when_cognito_already_signed_the_token_out(app_url, hosted, sub):
    http = requests.Session()
    scripted_sign_in(http, app_url, hosted, sub=sub)
    hosted.idp.respond(
        "/", {"__type": "NotAuthorizedException", "message": "Access Token has been revoked"}, status=400
    )
    assert sign_out_everywhere(http, app_url).status_code == 302
    assert not is_signed_in(http, app_url)


def test_sign_out_everywhere_refused_by_cognito_says_so_and_keeps_the_sessions(app_url, hosted, sub):
    """A token without aws.cognito.signin.user.admin signs nobody out at Cognito: pretending otherwise would leave
    the user's other devices signed in while the page claims the opposite."""
    http = requests.Session()
    scripted_sign_in(http, app_url, hosted, sub=sub)
    hosted.idp.respond(
        "/", {"__type": "NotAuthorizedException", "message": "Access Token does not have required scopes"}, status=400
    )
    response = sign_out_everywhere(http, app_url)
    assert response.status_code == 502 and "could not sign you out everywhere" in response.text
    assert is_signed_in(http, app_url)


def test_sign_out_everywhere_keeps_the_sessions_when_cognito_is_down(app_url, hosted, sub):
    http = requests.Session()
    scripted_sign_in(http, app_url, hosted, sub=sub)
    hosted.idp.respond("/", {"__type": "InternalErrorException", "message": "down"}, status=500)
    response = sign_out_everywhere(http, app_url)
    assert response.status_code == 503 and "Try again" in response.text
    assert 'href="/profile">Try again' in response.text  # back to the button: /logout-everywhere is POST only
    assert is_signed_in(http, app_url)


def test_sign_out_everywhere_keeps_the_access_token_out_of_debug_logs(app_url, hosted, sub, shared_scripted_webapp,
                                                                      caplog):
    caplog.set_level(logging.DEBUG)  # HTTP libraries log every call at DEBUG: none may show the access token
    http = requests.Session()
    scripted_sign_in(http, app_url, hosted, sub=sub)
    access_token = shared_scripted_webapp.app.extensions["cognito_auth"].store.load(http.cookies["session"])[
        "tokens"]["access_token"]
    hosted.idp.respond("/", {})
    assert sign_out_everywhere(http, app_url).status_code == 302
    assert hosted.idp.hits["/"] == 1
    assert access_token not in caplog.text and access_token.split(".")[-1] not in caplog.text
