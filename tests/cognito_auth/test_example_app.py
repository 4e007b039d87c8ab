"""The README's example app, not the demo, signs people in through the local Cognito with `CognitoAuth(app)`,
calls the weather API as the user, and signs them out: the extension's public surface is enough."""

from __future__ import annotations

import re
import uuid

import requests

from tests.fixtures.webapp import sign_in


def test_sign_in_call_the_api_as_the_user_and_sign_out(example_app, local_cognito):
    http = requests.Session()
    user = local_cognito.demo_user
    landing = sign_in(http, example_app.url, user.email, user.password, next="/forecast")
    assert landing.url == f"{example_app.url}/forecast" and landing.status_code == 200
    days = landing.json()
    assert len(days) == 5 and set(days[0]) == {"date", "temperatureC", "temperatureF", "summary"}

    home = http.get(example_app.url + "/")
    assert f"Signed in as {user.email}" in home.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)
    signed_out = http.post(f"{example_app.url}/logout", data={"csrf_token": token})
    assert signed_out.url == f"{example_app.url}/signed-out" and "You have signed out" in signed_out.text

    again = http.get(f"{example_app.url}/forecast", allow_redirects=False)
    assert again.status_code == 302 and again.headers["Location"].startswith("/login?next=")


def test_sign_out_everywhere_works_with_the_readmes_scopes(example_app, local_cognito):
    """The README's COGNITO_SCOPES must keep the scope GlobalSignOut needs (replacing the default dropped it: a 502)."""
    http, email, password = requests.Session(), f"everywhere-{uuid.uuid4().hex[:8]}@example.com", "Example-Passw0rd!"
    local_cognito.create_user(email, password)
    sign_in(http, example_app.url, email, password)
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(example_app.url + "/").text).group(1)
    signed_out = http.post(f"{example_app.url}/logout-everywhere", data={"csrf_token": token})
    assert signed_out.status_code == 200 and signed_out.url == f"{example_app.url}/signed-out"


def test_an_api_request_gets_json_not_a_trip_through_the_hosted_ui(example_app):
    answer = requests.get(f"{example_app.url}/forecast", headers={"Accept": "application/json"},
                          allow_redirects=False, timeout=5)
    assert answer.status_code == 401
    assert answer.json()["error"] == "sign_in_required"
    assert answer.headers["WWW-Authenticate"].startswith("Cookie ")
