"""The demo's two-step page against a Cognito JSON API answering 200 with the wrong shape (a misbehaving or
impersonated service): a page saying so, never a 500."""

from __future__ import annotations

import pytest
import requests

from tests.cognito_auth.conftest import scripted_sign_in
from tests.cognito_auth.test_sign_out import csrf_token


@pytest.mark.parametrize("answer", [{}, {"SecretCode": None}, {"SecretCode": 7}, {"SecretCode": "not a secret"}])
def test_a_malformed_secret_is_a_try_again_page(app_url, hosted, answer):
    http = requests.Session()
    scripted_sign_in(http, app_url, hosted)
    token = csrf_token(http, app_url)
    hosted.idp.respond("/", answer)
    response = http.post(f"{app_url}/profile/two-step/setup", data={"csrf_token": token},
                         headers={"Referer": f"{app_url}/profile/two-step"}, allow_redirects=False)
    assert response.status_code == 503 and "Please try again in a moment" in response.text


@pytest.mark.parametrize("methods", [None, "SOFTWARE_TOKEN_MFA", {"a": 1}, 7])
def test_a_malformed_user_is_shown_as_unknown(app_url, hosted, methods):
    http = requests.Session()
    scripted_sign_in(http, app_url, hosted)
    hosted.idp.respond("/", {"Username": "someone", "UserMFASettingList": methods})
    response = http.get(f"{app_url}/profile/two-step")
    assert response.status_code == 200
