"""The demo's profile page turns two-step sign-in on and off through Cognito's JSON API with the user's own token
(the web app against the running local Cognito, over real HTTP; pyotp plays the authenticator app)."""

from __future__ import annotations

import logging
import re

import requests
from prometheus_client import REGISTRY

from tests.fixtures.webapp import sign_in
from tests.local_cognito.accounts_support import (
    PASSWORD,
    cognito_idp,
    confirmed_user,
    password_sign_in,
    totp_code,
)

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SECRET = re.compile(r'<code class="secret">([A-Z2-7]+)</code>')


def json_api_calls() -> float:
    """The web app's calls to Cognito's JSON API so far (its Prometheus counter; the app runs in this process)."""
    return REGISTRY.get_sample_value("cognito_auth_cognito_request_seconds_count", {"endpoint": "json_api"}) or 0.0


def csrf(page: requests.Response) -> str:
    return CSRF.search(page.text).group(1)


def test_the_profile_page_links_to_two_step_sign_in_without_asking_cognito(webapp, local_cognito):
    email = confirmed_user(local_cognito, "demo-two-step-link")
    http = requests.Session()
    sign_in(http, webapp.url, email, PASSWORD)
    calls_before = json_api_calls()
    profile = http.get(f"{webapp.url}/profile")
    assert 'href="/profile/two-step"' in profile.text and json_api_calls() == calls_before
    assert "<strong>Off.</strong>" in http.get(f"{webapp.url}/profile/two-step").text
    assert json_api_calls() == calls_before + 1  # GetUser


def test_turning_two_step_sign_in_on_and_off(webapp, local_cognito, caplog):
    caplog.set_level(logging.DEBUG)
    email = confirmed_user(local_cognito, "demo-two-step")
    http = requests.Session()
    sign_in(http, webapp.url, email, PASSWORD)
    profile = http.get(f"{webapp.url}/profile/two-step")
    assert "<strong>Off.</strong>" in profile.text

    setup = http.post(f"{webapp.url}/profile/two-step/setup", data={"csrf_token": csrf(profile)})
    assert setup.status_code == 200 and setup.url == f"{webapp.url}/profile/two-step/setup"
    secret = SECRET.search(setup.text).group(1)
    assert 'src="data:image/svg+xml' in setup.text

    wrong = f"{(int(totp_code(local_cognito, secret)) + 1) % 10**6:06d}"
    refused = http.post(f"{webapp.url}/profile/two-step/verify", data={"csrf_token": csrf(setup), "code": wrong})
    assert refused.status_code == 400 and "That code is not right" in refused.text and secret in refused.text

    on = http.post(f"{webapp.url}/profile/two-step/verify",
                   data={"csrf_token": csrf(setup), "code": totp_code(local_cognito, secret)})
    assert on.url == f"{webapp.url}/profile/two-step" and "<strong>On.</strong>" in on.text and secret not in on.text
    idp = cognito_idp(local_cognito)
    challenge = password_sign_in(idp, local_cognito.clients["cli"].client_id, email)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"  # Cognito now asks for the code

    off = http.post(f"{webapp.url}/profile/two-step/off", data={"csrf_token": csrf(on)})
    assert "<strong>Off.</strong>" in off.text
    assert password_sign_in(idp, local_cognito.clients["cli"].client_id, email)["AuthenticationResult"]
    assert secret not in caplog.text


def test_the_switch_needs_the_forms_csrf_token(webapp, local_cognito):
    email = confirmed_user(local_cognito, "demo-two-step-csrf")
    http = requests.Session()
    sign_in(http, webapp.url, email, PASSWORD)
    forged = http.post(f"{webapp.url}/profile/two-step/setup", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert local_cognito.pool.software_tokens.pending_secret(local_cognito.store.find_user(email).sub) is None
    assert http.get(f"{webapp.url}/profile/two-step/setup").url == f"{webapp.url}/profile/two-step"  # nothing to show


def test_signed_out_visitors_are_sent_to_sign_in(webapp):
    response = requests.post(f"{webapp.url}/profile/two-step/off", allow_redirects=False, timeout=10)
    assert (response.status_code, response.headers["Location"]) == (302, "/login")


def test_a_token_revoked_elsewhere_ends_the_session_when_cognito_refuses_it(webapp, local_cognito):
    """The user signed out everywhere from another app (GlobalSignOut with that app's token): Cognito refuses this
    session's access token although it has not expired, so the session ends rather than showing stale answers."""
    email = confirmed_user(local_cognito, "demo-two-step-revoked")
    http = requests.Session()
    sign_in(http, webapp.url, email, PASSWORD)
    assert "<strong>Off.</strong>" in http.get(f"{webapp.url}/profile/two-step").text
    idp = cognito_idp(local_cognito)
    other_app = password_sign_in(idp, local_cognito.clients["cli"].client_id, email)["AuthenticationResult"]
    idp.global_sign_out(AccessToken=other_app["AccessToken"])

    page = http.get(f"{webapp.url}/profile/two-step", allow_redirects=False)
    assert page.status_code == 401 and "did not accept your sign-in" in page.text
    assert http.get(f"{webapp.url}/profile", allow_redirects=False).headers["Location"] == "/login?next=/profile"
