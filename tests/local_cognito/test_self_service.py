"""The Hosted UI's self-service pages through real HTTP: sign up and confirm back to the client, resend a code,
confirm by link, reset a forgotten password; errors next to fields, CSRF, languages, the development outbox."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import threading

import boto3
import pytest
import requests
import yaml

from tests.fixtures.local_cognito import start_local_cognito
from tests.local_cognito.accounts_support import (
    PASSWORD,
    claims,
    cognito_idp,
    latest_code,
    new_email,
    outbox,
    password_sign_in,
)
from tests.local_cognito.conftest import WEB_CALLBACK, Browser, CodeFlow, make_code_flow, query
from tests.servers import free_port, wait_for_port
from local_cognito import DEFAULT_TEMPLATE
from local_cognito.template import CloudFormationLoader

LABELLED_INPUT = re.compile(r'<label for="(?P<id>[^"]+)">')
INPUT_ID = re.compile(r'<input id="(?P<id>[^"]+)"')


@pytest.fixture
def flow(local_cognito, endpoints) -> CodeFlow:
    return make_code_flow(local_cognito, endpoints, scope="openid email")


def authorize_query(flow: CodeFlow, **extra) -> str:
    """The query string of an authorize request, as the client builds it (with PKCE, state and nonce)."""
    url, _ = flow.authorization_url(**extra)
    return url.split("?", 1)[1]


def field_error(page: requests.Response, field: str) -> str:
    """The error shown next to a field, which the field names as its description (screen readers read it)."""
    assert f'aria-invalid="true" aria-describedby="{field}-error"' in page.text, page.text
    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page.text)
    assert match, page.text
    return match.group(1)


def assert_accessible_form(page: requests.Response) -> None:
    inputs = set(INPUT_ID.findall(page.text)) - {"csrf_token"}  # the one hidden input
    assert inputs and inputs == set(LABELLED_INPUT.findall(page.text))
    assert "<script" not in page.text and "style=" not in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]


def sign_up_and_confirm(local_cognito, browser: Browser, query_string: str, email: str) -> requests.Response:
    page = browser.get(f"/signup?{query_string}")
    assert page.status_code == 200
    assert_accessible_form(page)
    created = browser.submit(page, username=email, password=PASSWORD)
    assert created.status_code == 302 and created.headers["Location"].startswith("/confirm?")
    page = browser.get(created.headers["Location"])
    assert page.status_code == 200 and f"{email[0]}***@e***" in page.text and f'value="{email}"' in page.text
    assert_accessible_form(page)
    return browser.submit(page, username=email, code=latest_code(local_cognito, email))


# -- sign-up ---------------------------------------------------------------------------------------------------
def test_the_sign_in_page_links_to_sign_up_and_forgotten_password_keeping_the_request(local_cognito, browser, flow):
    query_string = authorize_query(flow, lang="fr")
    page = browser.get(f"/login?{query_string}")
    links = [href.replace("&amp;", "&") for href in re.findall(r'<a href="([^"]+)"', page.text)]
    for path in ("/signup", "/forgotPassword"):
        link = next(link for link in links if link.startswith(path + "?"))
        assert query(link) == query(f"/x?{query_string}")
        target = browser.get(link)
        assert target.status_code == 200 and '<html lang="fr">' in target.text


def test_sign_up_then_confirm_continues_to_the_client_signed_in(local_cognito, browser, flow):
    email = new_email("selfserve")
    query_string = authorize_query(flow)
    confirmed = sign_up_and_confirm(local_cognito, browser, query_string, email)
    assert confirmed.status_code == 302
    callback = confirmed.headers["Location"]
    assert callback.startswith(WEB_CALLBACK + "?") and query(callback)["state"] == query(f"/x?{query_string}")["state"]
    assert "cognito" in confirmed.cookies  # a Hosted UI session, as after any sign-in
    identity = claims(flow.fetch_token(callback)["id_token"])
    assert identity["email"] == email and identity["email_verified"] is True
    assert identity["nonce"] == flow.nonce


def test_confirming_in_another_browser_leads_to_the_sign_in_form(local_cognito, browser, flow):
    email = new_email("elsewhere")
    query_string = authorize_query(flow)
    page = browser.get(f"/signup?{query_string}")
    browser.submit(page, username=email, password=PASSWORD)
    other = Browser(local_cognito.url)
    page = other.get(f"/confirm?{query_string}")
    assert 'name="username"' in page.text and 'value="' + email not in page.text  # nothing to prefill here
    confirmed = other.submit(page, username=email, code=latest_code(local_cognito, email))
    assert confirmed.status_code == 302 and confirmed.headers["Location"].startswith("/login?")
    assert "cognito" not in confirmed.cookies
    assert "AuthenticationResult" in password_sign_in(cognito_idp(local_cognito),
                                                      local_cognito.clients["cli"].client_id, email)


@pytest.mark.parametrize(("email", "password", "field", "message"), [
    ("DEMO", PASSWORD, "username", "An account with the given email already exists."),
    ("NEW", "short", "password", "Password did not conform with policy: Password not long enough"),
    ("NEW", "passw0rd!x", "password", "Password did not conform with policy: Password must have uppercase characters"),
    ("NEW", "", "password", "This field is required."),
])
def test_sign_up_errors_are_shown_next_to_their_field(local_cognito, browser, flow, email, password, field, message):
    email = {"DEMO": local_cognito.demo_user.email, "NEW": new_email("refused")}[email]
    page = browser.get(f"/signup?{authorize_query(flow)}")
    response = browser.submit(page, username=email, password=password)
    assert response.status_code == 400
    assert field_error(response, field) == message.replace("'", "&#39;")
    assert 'role="alert"' in response.text


def test_sign_up_needs_the_forms_csrf_token(local_cognito, browser, flow):
    query_string = authorize_query(flow)
    browser.get(f"/signup?{query_string}")
    response = browser.http.post(f"{local_cognito.url}/signup?{query_string}", allow_redirects=False, timeout=10,
                                 data={"username": new_email("csrf"), "password": PASSWORD})
    assert response.status_code == 400 and "Location" not in response.headers


def test_sign_up_with_a_bad_request_is_refused_like_the_sign_in_page(local_cognito, browser):
    response = browser.get("/signup", response_type="code", client_id=local_cognito.clients["web"].client_id,
                           redirect_uri="https://attacker.example/callback")
    assert response.status_code == 302 and response.headers["Location"].startswith("/error?error=redirect_mismatch")


def test_pages_speak_the_requested_language(local_cognito, browser, flow):
    page = browser.get(f"/signup?{authorize_query(flow, lang='fr')}")
    assert "S&#39;inscrire" in page.text and "Mot de passe" in page.text
    failed = browser.submit(page, username=local_cognito.demo_user.email, password=PASSWORD)
    assert field_error(failed, "username") == "Un compte existe déjà pour cette adresse e-mail."
    forgot = browser.get(f"/forgotPassword?{authorize_query(flow, lang='de')}")
    assert "Passwort vergessen?" in forgot.text
    assert 'hreflang="en"' in forgot.text and 'hreflang="fr"' in forgot.text  # the language links are there too


# -- codes -----------------------------------------------------------------------------------------------------
def test_a_wrong_code_is_shown_next_to_the_code_field(local_cognito, browser, flow):
    email = new_email("wrongcode")
    query_string = authorize_query(flow)
    browser.submit(browser.get(f"/signup?{query_string}"), username=email, password=PASSWORD)
    code = latest_code(local_cognito, email)
    page = browser.get(f"/confirm?{query_string}")
    response = browser.submit(page, username=email, code=f"{(int(code) + 1) % 10**6:06d}")
    assert response.status_code == 400
    assert field_error(response, "code") == "Invalid verification code provided, please try again."


def test_resend_code_sends_a_new_code_that_confirms(local_cognito, browser, flow):
    email = new_email("resend")
    query_string = authorize_query(flow)
    browser.submit(browser.get(f"/signup?{query_string}"), username=email, password=PASSWORD)
    confirm = browser.get(f"/confirm?{query_string}")
    resend_link = re.search(r'<a href="(/resendcode\?[^"]+)"', confirm.text).group(1).replace("&amp;", "&")
    page = browser.get(resend_link)
    assert f'value="{email}"' in page.text
    before = len(outbox(local_cognito))
    sent = browser.submit(page, username=email)
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/confirm?")
    assert len(outbox(local_cognito)) == before + 1
    confirmed = browser.submit(browser.get(sent.headers["Location"]), username=email,
                               code=latest_code(local_cognito, email))
    assert confirmed.headers["Location"].startswith(WEB_CALLBACK + "?code=")


def test_the_email_link_confirms_the_account(local_cognito):
    idp = cognito_idp(local_cognito)
    cli = local_cognito.clients["cli"].client_id
    email = new_email("link")
    idp.sign_up(ClientId=cli, Username=email, Password=PASSWORD)
    link = {"client_id": cli, "user_name": email, "confirmation_code": latest_code(local_cognito, email)}
    wrong = requests.get(f"{local_cognito.url}/confirmUser", timeout=10,
                         params={**link, "confirmation_code": "000000" if link["confirmation_code"] != "000000"
                                 else "111111"})
    assert wrong.status_code == 400 and "Invalid verification code provided, please try again." in wrong.text
    page = requests.get(f"{local_cognito.url}/confirmUser", params=link, timeout=10)
    assert page.status_code == 200 and "Your registration has been confirmed!" in page.text
    assert "AuthenticationResult" in password_sign_in(idp, cli, email)


@pytest.mark.parametrize("params", [{}, {"client_id": "nosuchclient", "user_name": "a@example.com",
                                         "confirmation_code": "123456"}])
def test_a_bad_email_link_gets_an_error_page(local_cognito, params):
    page = requests.get(f"{local_cognito.url}/confirmUser", params=params, timeout=10)
    assert page.status_code == 400 and "Your account could not be confirmed" in page.text
    assert "Traceback" not in page.text


# -- forgotten password ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/confirmForgotPassword", "/confirmforgotPassword"])
def test_a_forgotten_password_is_reset_with_the_emailed_code(local_cognito, browser, flow, path):
    email = new_email("reset")
    local_cognito.create_user(email, PASSWORD)
    query_string = authorize_query(flow)
    page = browser.get(f"/forgotPassword?{query_string}")
    assert_accessible_form(page)
    sent = browser.submit(page, username=email)
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/confirmForgotPassword?")
    page = browser.get(f"{path}?{query_string}")
    assert page.status_code == 200 and f'value="{email}"' in page.text
    assert_accessible_form(page)
    code = latest_code(local_cognito, email)
    mismatch = browser.submit(page, username=email, code=code, password="New-Passw0rd!x",
                              confirm_password="Other-Passw0rd!x")
    assert field_error(mismatch, "confirm_password") == "Passwords do not match."
    done = browser.submit(page, username=email, code=code, password="New-Passw0rd!x",
                          confirm_password="New-Passw0rd!x")
    assert done.status_code == 302 and done.headers["Location"].startswith("/login?")
    idp = cognito_idp(local_cognito)
    assert "AuthenticationResult" in password_sign_in(idp, local_cognito.clients["cli"].client_id, email,
                                                      "New-Passw0rd!x")


def test_forgot_password_looks_the_same_for_an_unknown_email(local_cognito, browser, flow):
    query_string = authorize_query(flow)
    before = len(outbox(local_cognito))
    sent = browser.submit(browser.get(f"/forgotPassword?{query_string}"), username=new_email("nobody"))
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/confirmForgotPassword?")
    assert len(outbox(local_cognito)) == before
    page = browser.get(sent.headers["Location"])
    assert "If an account exists for this email address" in page.text


# -- the outbox page -------------------------------------------------------------------------------------------
def test_the_outbox_page_lists_codes_as_a_development_aid(local_cognito):
    email = new_email("outbox")
    cognito_idp(local_cognito).sign_up(ClientId=local_cognito.clients["cli"].client_id, Username=email,
                                       Password=PASSWORD)
    page = requests.get(f"{local_cognito.url}/_dev/outbox", timeout=10)
    assert page.status_code == 200 and "Development outbox" in page.text and "development aid" in page.text
    assert f"To {email}" in page.text and latest_code(local_cognito, email) in page.text


def test_sent_codes_are_logged_for_the_console_but_passwords_are_not(local_cognito, caplog):
    email, invited = new_email("console"), new_email("console-invited")
    idp = cognito_idp(local_cognito)
    with caplog.at_level("INFO", logger="local_cognito.outbox"):
        idp.sign_up(ClientId=local_cognito.clients["cli"].client_id, Username=email, Password=PASSWORD)
        idp.admin_create_user(UserPoolId=local_cognito.pool_id, Username=invited, TemporaryPassword="Temp-0rary!pw")
    logged = [record.getMessage() for record in caplog.records]
    assert any(email in line and latest_code(local_cognito, email) in line for line in logged)
    assert any(invited in line and "/_dev/outbox" in line for line in logged)
    assert not any("Temp-0rary!pw" in line or PASSWORD in line for line in logged)


def test_the_serve_command_prints_the_outbox_on_the_console(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "local_cognito", "--port", str(port), "--state-dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        wait_for_port(port)
        printed = subprocess.run([sys.executable, "-m", "local_cognito", "env", "--state-dir", str(tmp_path)],
                                 capture_output=True, text=True, timeout=60, check=True).stdout
        env = dict(shlex.split(line)[0].split("=", 1) for line in printed.splitlines())
        idp = boto3.client("cognito-idp", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")
        idp.sign_up(ClientId=env["CLI_CLIENT_ID"], Username="printed@example.com", Password=PASSWORD)
        idp.close()
        deadline = threading.Timer(30, process.terminate)  # ends the read below if the line never comes
        deadline.start()
        line = next((line for line in process.stderr if "printed@example.com" in line), "")
        deadline.cancel()
        assert re.search(r"Your verification code is \d{6}\.", line), line
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()


# -- a pool without self sign-up -------------------------------------------------------------------------------
def test_without_self_sign_up_there_is_no_sign_up_link_and_the_page_refuses(tmp_path):
    document = yaml.load(DEFAULT_TEMPLATE.read_text(), Loader=CloudFormationLoader)  # noqa: S506 (a SafeLoader)
    document["Resources"]["UserPool"]["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] = True
    (tmp_path / "template.yaml").write_text(yaml.safe_dump(document))
    handle = start_local_cognito(tmp_path / "state", template=tmp_path / "template.yaml")
    try:
        browser = Browser(handle.url)
        params = {"response_type": "code", "client_id": handle.clients["web"].client_id,
                  "redirect_uri": WEB_CALLBACK}
        login = browser.get("/login", **params)
        assert "/forgotPassword?" in login.text and "/signup?" not in login.text
        page = browser.get("/signup", **params)
        assert "SignUp is not permitted for this user pool" in page.text and 'name="password"' not in page.text
    finally:
        handle.stop()


@pytest.mark.parametrize("path", ["/signup", "/confirm", "/resendcode", "/forgotPassword", "/confirmForgotPassword"])
@pytest.mark.parametrize("value", ["x" * 5000, "\x00", "é@ü.example", "<script>@example.com"])
def test_hostile_form_input_gets_an_answer_not_an_error(local_cognito, browser, flow, path, value):
    query_string = authorize_query(flow)
    page = browser.get(f"{path}?{query_string}")
    response = browser.submit(page, username=value, password=value, code=value, confirm_password=value)
    assert response.status_code in (302, 400), response.text
    assert "<script>@" not in response.text
