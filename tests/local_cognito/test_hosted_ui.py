"""`/oauth2/authorize` and `/login`: both failure modes, sessions, prompt, login_hint, the sign-in form."""

from __future__ import annotations

import pytest
import requests

from tests.local_cognito.conftest import WEB_CALLBACK, Browser, fragment, query


def authorize_params(local_cognito, **params) -> dict:
    base = {"response_type": "code", "client_id": local_cognito.clients["web"].client_id,
            "redirect_uri": WEB_CALLBACK, "state": "st4te", "scope": "openid email"}
    return {k: v for k, v in {**base, **params}.items() if v is not None}


@pytest.mark.parametrize("change", [
    {"client_id": "nosuchclient0000000000000"},
    {"client_id": None},
    {"redirect_uri": "https://attacker.example/callback"},
    {"redirect_uri": WEB_CALLBACK + "/"},
    {"redirect_uri": None},
])
def test_bad_client_or_redirect_uri_shows_an_error_page_and_never_redirects_away(local_cognito, browser, change):
    response = browser.get("/oauth2/authorize", **authorize_params(local_cognito, **change))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/error?error=redirect_mismatch")
    page = browser.get(location)
    assert page.status_code == 400
    assert "An error was encountered with the requested page." in page.text


@pytest.mark.parametrize(("change", "error"), [
    ({"response_type": None}, "invalid_request"),
    ({"response_type": "id_token"}, "unsupported_response_type"),
    ({"scope": "openid phone"}, "invalid_scope"),
    ({"scope": "email"}, "invalid_scope"),
    ({"scope": "openid weatherapi/write"}, "invalid_scope"),
    ({"code_challenge": "a" * 43, "code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge": "a" * 43}, "invalid_request"),
    ({"code_challenge_method": "S256"}, "invalid_request"),
    ({"identity_provider": "Google"}, "invalid_request"),
])
def test_request_errors_go_back_to_the_registered_redirect_uri(local_cognito, browser, change, error):
    response = browser.get("/oauth2/authorize", **authorize_params(local_cognito, **change))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(WEB_CALLBACK + "?")
    assert query(location) == {"error": error, "state": "st4te"}


def test_a_valid_request_without_a_session_goes_to_login_with_the_same_parameters(local_cognito, browser):
    params = authorize_params(local_cognito, nonce="n-1", identity_provider="COGNITO")
    response = browser.get("/oauth2/authorize", **params)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?")
    assert query(response.headers["Location"]) == params


def test_login_page_is_accessible_and_prefills_the_login_hint(local_cognito, browser):
    page = browser.get("/login", **authorize_params(local_cognito, login_hint="someone@example.com"))
    assert page.status_code == 200
    assert '<label for="username">' in page.text and '<label for="password">' in page.text
    assert 'value="someone@example.com"' in page.text
    assert "<script" not in page.text and "style=" not in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "http://localhost:5000" in page.headers["Content-Security-Policy"]  # the form's redirect target


@pytest.mark.parametrize(("email", "password"), [
    ("demo@example.com", "Wrong-passw0rd!"),
    ("nobody@example.com", "Wrong-passw0rd!"),
])
def test_wrong_credentials_show_one_message_next_to_the_field(local_cognito, browser, email, password):
    page = browser.get("/login", **authorize_params(local_cognito))
    response = browser.submit(page, username=email, password=password)
    assert response.status_code == 400
    assert 'aria-invalid="true" aria-describedby="password-error"' in response.text
    assert 'id="password-error">Incorrect username or password.</p>' in response.text
    assert "cognito" not in response.cookies


def test_sign_in_needs_the_forms_csrf_token(local_cognito, browser):
    browser.get("/login", **authorize_params(local_cognito))
    response = browser.http.post(f"{local_cognito.url}/login", params=authorize_params(local_cognito),
                                 data={"username": local_cognito.demo_user.email,
                                       "password": local_cognito.demo_user.password},
                                 allow_redirects=False, timeout=10)
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_email_is_case_insensitive(local_cognito, browser):
    page = browser.get("/login", **authorize_params(local_cognito))
    response = browser.submit(page, username="DEMO@Example.COM", password=local_cognito.demo_user.password)
    assert response.status_code == 302 and "code" in query(response.headers["Location"])


def test_an_unconfirmed_user_cannot_sign_in(local_cognito, browser):
    local_cognito.create_user("unconfirmed@example.com", "Passw0rd!x", status="UNCONFIRMED")
    page = browser.get("/login", **authorize_params(local_cognito))
    response = browser.submit(page, username="unconfirmed@example.com", password="Passw0rd!x")
    assert response.status_code == 400 and "User is not confirmed." in response.text


def signed_in_browser(local_cognito) -> tuple[Browser, str]:
    browser = Browser(local_cognito.url)
    page = browser.get("/login", **authorize_params(local_cognito))
    response = browser.submit(page, username=local_cognito.demo_user.email, password=local_cognito.demo_user.password)
    cookie = response.cookies["cognito"]
    assert response.status_code == 302
    return browser, cookie


def test_session_cookie_is_httponly_and_lasts_an_hour(local_cognito, browser):
    page = browser.get("/login", **authorize_params(local_cognito))
    response = browser.submit(page, username=local_cognito.demo_user.email, password=local_cognito.demo_user.password)
    header = response.headers["Set-Cookie"]
    assert header.startswith("cognito=")
    assert "HttpOnly" in header and "Max-Age=3600" in header and "SameSite=Lax" in header


def test_a_live_session_signs_in_silently(local_cognito):
    browser, _ = signed_in_browser(local_cognito)
    response = browser.get("/oauth2/authorize", **authorize_params(local_cognito, state="again"))
    assert response.status_code == 302
    assert query(response.headers["Location"]).keys() == {"code", "state"}


def test_the_session_ends_after_an_hour(local_cognito):
    browser, _ = signed_in_browser(local_cognito)
    with local_cognito.clock.moved(3601):
        response = browser.get("/oauth2/authorize", **authorize_params(local_cognito))
    assert response.headers["Location"].startswith("/login?")


def test_prompt_none_without_a_session_redirects_login_required(local_cognito, browser):
    response = browser.get("/oauth2/authorize", **authorize_params(local_cognito, prompt="none"))
    assert response.status_code == 302
    assert query(response.headers["Location"]) == {"error": "login_required", "state": "st4te"}
    assert response.headers["Location"].startswith(WEB_CALLBACK)


def test_prompt_none_with_a_session_returns_a_code(local_cognito):
    browser, _ = signed_in_browser(local_cognito)
    response = browser.get("/oauth2/authorize", **authorize_params(local_cognito, prompt="none"))
    assert "code" in query(response.headers["Location"])


def test_prompt_login_asks_again_and_starts_a_new_session(local_cognito):
    browser, first_cookie = signed_in_browser(local_cognito)
    response = browser.get("/oauth2/authorize", **authorize_params(local_cognito, prompt="login"))
    assert response.headers["Location"].startswith("/login?")
    page = browser.get(response.headers["Location"])
    assert 'name="password"' in page.text
    signed_in = browser.submit(page, username=local_cognito.demo_user.email,
                               password=local_cognito.demo_user.password)
    assert signed_in.status_code == 302
    assert signed_in.cookies["cognito"] != first_cookie
    assert local_cognito.store.session(first_cookie) is None


def test_login_with_a_session_offers_to_continue(local_cognito):
    browser, _ = signed_in_browser(local_cognito)
    page = browser.get("/login", **authorize_params(local_cognito))
    assert page.status_code == 200
    assert f"Continue as {local_cognito.demo_user.email}" in page.text
    assert "prompt=login" in page.text  # the "different user" link
    response = browser.submit(page, action="continue")
    assert response.status_code == 302 and "code" in query(response.headers["Location"])


def test_lang_translates_the_login_page(local_cognito, browser):
    page = browser.get("/login", **authorize_params(local_cognito, lang="fr"))
    assert '<html lang="fr">' in page.text
    assert "Mot de passe" in page.text and "Se connecter" in page.text
    failed = browser.submit(page, username="demo@example.com", password="Wrong-passw0rd!")
    assert "Nom d&#39;utilisateur ou mot de passe incorrect." in failed.text
    english = browser.get("/login", **authorize_params(local_cognito, lang="xx"))
    assert '<html lang="en">' in english.text and "Password" in english.text


def test_unknown_paths_and_methods_get_error_pages_not_stack_traces(local_cognito):
    assert requests.get(f"{local_cognito.url}/nope", timeout=10).status_code == 404
    response = requests.delete(f"{local_cognito.url}/oauth2/token", timeout=10)
    assert response.status_code == 405 and "Traceback" not in response.text


def test_implicit_errors_go_in_the_fragment(local_cognito, browser):
    response = browser.get("/oauth2/authorize", **authorize_params(local_cognito, response_type="token"))
    location = response.headers["Location"]
    assert location.startswith(WEB_CALLBACK + "#")
    assert fragment(location) == {"error": "unauthorized_client", "state": "st4te"}


def test_implicit_flow_returns_tokens_in_the_fragment(other_pool):
    browser = Browser(other_pool.url)
    client_id = other_pool.clients["implicit"].client_id
    url = (f"/oauth2/authorize?response_type=token&client_id={client_id}&redirect_uri={WEB_CALLBACK}"
           "&state=s9&nonce=n9&scope=openid")
    location = browser.sign_in(url, other_pool.demo_user.email, other_pool.demo_user.password)
    assert location.startswith(WEB_CALLBACK + "#") and "?" not in location
    params = fragment(location)
    assert set(params) == {"access_token", "id_token", "token_type", "expires_in", "state"}
    assert (params["token_type"], params["expires_in"], params["state"]) == ("Bearer", "3600", "s9")
    import jwt

    claims = jwt.decode(params["id_token"], options={"verify_signature": False})
    assert claims["nonce"] == "n9" and claims["aud"] == client_id
    info = requests.get(f"{other_pool.url}/oauth2/userInfo",
                        headers={"Authorization": f"Bearer {params['access_token']}"}, timeout=10)
    assert info.status_code == 200
    none = browser.get("/oauth2/authorize", response_type="token", client_id=client_id, redirect_uri=WEB_CALLBACK,
                       prompt="none", scope="openid phone")
    assert fragment(none.headers["Location"]) == {"error": "invalid_scope"}


def test_a_temporary_password_must_be_changed_at_first_sign_in(local_cognito, browser):
    user = local_cognito.create_user("temporary@example.com", "Temp-0rary!", status="FORCE_CHANGE_PASSWORD")
    page = browser.get("/login", **authorize_params(local_cognito, lang="fr"))
    change = browser.submit(page, username="temporary@example.com", password="Temp-0rary!")
    assert change.status_code == 200 and "Changer de mot de passe" in change.text
    assert "cognito" not in change.cookies

    mismatch = browser.submit(change, action="new_password", new_password="Better-passw0rd!",
                              confirm_password="Other-passw0rd!")
    assert mismatch.status_code == 400 and 'id="confirm_password-error"' in mismatch.text
    weak = browser.submit(mismatch, action="new_password", new_password="weakpassword",
                          confirm_password="weakpassword")
    assert weak.status_code == 400
    assert "Le mot de passe ne respecte pas la politique : il doit contenir une majuscule" in weak.text
    done = browser.submit(weak, action="new_password", new_password="Better-passw0rd!",
                          confirm_password="Better-passw0rd!")
    assert done.status_code == 302 and "code" in query(done.headers["Location"])
    assert local_cognito.store.user(user.sub).status == "CONFIRMED"
    assert local_cognito.store.verify_login("temporary@example.com", "Better-passw0rd!") is not None


def test_the_new_password_step_cannot_be_reached_without_the_temporary_password(local_cognito, browser):
    local_cognito.create_user("temporary2@example.com", "Temp-0rary!", status="FORCE_CHANGE_PASSWORD")
    page = browser.get("/login", **authorize_params(local_cognito))
    response = browser.submit(page, action="new_password", new_password="Better-passw0rd!",
                              confirm_password="Better-passw0rd!")
    assert response.status_code == 400 and "Location" not in response.headers
    assert "Your session has expired" in response.text
