"""JSON API accounts through boto3: SignUp/ConfirmSignUp/ResendConfirmationCode, ForgotPassword/
ConfirmForgotPassword (codes read from the development outbox), the admin operations and ListUsers."""

from __future__ import annotations

import pytest
import requests

from tests.fixtures.local_cognito import start_local_cognito
from tests.local_cognito.accounts_support import (
    cognito_idp,
    PASSWORD,
    claims,
    latest_code,
    latest_message,
    new_email,
    outbox,
    password_sign_in,
    raises_api_error,
)

MISMATCH = "Invalid verification code provided, please try again."
EXPIRED = "Invalid code provided, please request a code again."


def signed_up(idp, cli, prefix: str = "signup") -> str:
    email = new_email(prefix)
    idp.sign_up(ClientId=cli, Username=email, Password=PASSWORD)
    return email


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# -- SignUp and confirmation -----------------------------------------------------------------------------------
def test_sign_up_sends_a_code_and_confirming_it_lets_the_user_in(api_pool, idp, cli):
    email = new_email("signup")
    response = idp.sign_up(ClientId=cli, Username=email, Password=PASSWORD,
                           UserAttributes=[{"Name": "name", "Value": "Grace"}])
    assert response["UserConfirmed"] is False and len(response["UserSub"]) == 36
    assert response["CodeDeliveryDetails"] == {"Destination": f"{email[0]}***@e***", "DeliveryMedium": "EMAIL",
                                               "AttributeName": "email"}
    message = latest_message(api_pool, email)
    assert message["subject"] == "Your verification code"
    with raises_api_error("UserNotConfirmedException", "User is not confirmed."):
        password_sign_in(idp, cli, email)

    code = latest_code(api_pool, email)
    with raises_api_error("CodeMismatchException", MISMATCH):
        idp.confirm_sign_up(ClientId=cli, Username=email, ConfirmationCode=wrong(code))
    idp.confirm_sign_up(ClientId=cli, Username=email, ConfirmationCode=code)

    identity = claims(password_sign_in(idp, cli, email)["AuthenticationResult"]["IdToken"])
    assert identity["sub"] == response["UserSub"] and identity["email_verified"] is True
    assert identity["name"] == "Grace"
    with raises_api_error("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED"):
        idp.confirm_sign_up(ClientId=cli, Username=email, ConfirmationCode=code)


@pytest.mark.parametrize(("username", "password", "attributes", "code", "message"), [
    ("not-an-email", PASSWORD, [], "InvalidParameterException", "Username should be an email."),
    ("NEW", "Sh0rt!", [], "InvalidPasswordException", "Password did not conform with policy: Password not long enough"),
    ("NEW", "passw0rd!x", [], "InvalidPasswordException",
     "Password did not conform with policy: Password must have uppercase characters"),
    ("NEW", "PASSW0RD!X", [], "InvalidPasswordException",
     "Password did not conform with policy: Password must have lowercase characters"),
    ("NEW", "Password!x", [], "InvalidPasswordException",
     "Password did not conform with policy: Password must have numeric characters"),
    ("NEW", "Passw0rdxx", [], "InvalidPasswordException",
     "Password did not conform with policy: Password must have symbol characters"),
    ("NEW", PASSWORD, [{"Name": "custom:team", "Value": "x"}], "InvalidParameterException",
     "Attributes did not conform to the schema: custom:team: Attribute does not exist in the schema."),
    ("DEMO", PASSWORD, [], "UsernameExistsException", "An account with the given email already exists."),
])
def test_sign_up_refuses_what_cognito_refuses(api_pool, idp, cli, username, password, attributes, code, message):
    username = {"NEW": new_email("refused"), "DEMO": api_pool.demo_user.email.upper()}.get(username, username)
    with raises_api_error(code, message):
        idp.sign_up(ClientId=cli, Username=username, Password=password, UserAttributes=attributes)


def test_a_confirmation_code_expires_after_a_day(api_pool, idp, cli):
    email = signed_up(idp, cli)
    code = latest_code(api_pool, email)
    with api_pool.clock.moved(24 * 3600 + 1), raises_api_error("ExpiredCodeException", EXPIRED):
        idp.confirm_sign_up(ClientId=cli, Username=email, ConfirmationCode=code)


def test_five_wrong_codes_void_the_code(api_pool, idp, cli):
    email = signed_up(idp, cli)
    code = latest_code(api_pool, email)
    for _ in range(4):
        with raises_api_error("CodeMismatchException", MISMATCH):
            idp.confirm_sign_up(ClientId=cli, Username=email, ConfirmationCode=wrong(code))
    with raises_api_error("LimitExceededException", "Attempt limit exceeded, please try after some time."):
        idp.confirm_sign_up(ClientId=cli, Username=email, ConfirmationCode=wrong(code))
    with raises_api_error("ExpiredCodeException", EXPIRED):
        idp.confirm_sign_up(ClientId=cli, Username=email, ConfirmationCode=code)


def test_resending_replaces_the_code(api_pool, idp, cli):
    email = signed_up(idp, cli)
    first = latest_code(api_pool, email)
    delivery = idp.resend_confirmation_code(ClientId=cli, Username=email)["CodeDeliveryDetails"]
    assert delivery["DeliveryMedium"] == "EMAIL"
    second = latest_code(api_pool, email)
    if first != second:  # one in a million: the new code happens to be the old one
        with raises_api_error("CodeMismatchException", MISMATCH):
            idp.confirm_sign_up(ClientId=cli, Username=email, ConfirmationCode=first)
    idp.confirm_sign_up(ClientId=cli, Username=email, ConfirmationCode=second)
    with raises_api_error("InvalidParameterException", "User is already confirmed."):
        idp.resend_confirmation_code(ClientId=cli, Username=email)


def test_unknown_users_are_not_revealed_by_the_confirmation_operations(api_pool, idp, cli):
    nobody = new_email("nobody")
    before = len(outbox(api_pool))
    delivery = idp.resend_confirmation_code(ClientId=cli, Username=nobody)["CodeDeliveryDetails"]
    assert delivery["Destination"] == f"{nobody[0]}***@e***"
    assert len(outbox(api_pool)) == before  # simulated: nothing was sent
    with raises_api_error("CodeMismatchException", MISMATCH):
        idp.confirm_sign_up(ClientId=cli, Username=nobody, ConfirmationCode="123456")
    legacy = api_pool.clients["legacy"].client_id
    with raises_api_error("UserNotFoundException", "Username/client id combination not found."):
        idp.confirm_sign_up(ClientId=legacy, Username=nobody, ConfirmationCode="123456")


def test_sign_up_with_a_secret_client_needs_the_secret_hash(api_pool, idp):
    from local_cognito.accounts import secret_hash

    scripted = api_pool.clients["scripted"]
    email = new_email("secret")
    with raises_api_error("NotAuthorizedException",
                          f"Client {scripted.client_id} is configured for secret but secret was not received"):
        idp.sign_up(ClientId=scripted.client_id, Username=email, Password=PASSWORD)
    idp.sign_up(ClientId=scripted.client_id, Username=email, Password=PASSWORD,
                SecretHash=secret_hash(scripted.client_id, scripted.client_secret, email))


# -- forgotten passwords ---------------------------------------------------------------------------------------
def test_forgot_password_resets_it_with_the_emailed_code(api_pool, idp, cli):
    email = new_email("forgot")
    api_pool.create_user(email, PASSWORD)
    delivery = idp.forgot_password(ClientId=cli, Username=email)["CodeDeliveryDetails"]
    assert delivery["Destination"] == f"{email[0]}***@e***"
    code = latest_code(api_pool, email)
    with raises_api_error("InvalidPasswordException"):
        idp.confirm_forgot_password(ClientId=cli, Username=email, ConfirmationCode=code, Password="weak")
    with raises_api_error("CodeMismatchException", MISMATCH):
        idp.confirm_forgot_password(ClientId=cli, Username=email, ConfirmationCode=wrong(code),
                                    Password="Brand-New-Passw0rd!")
    idp.confirm_forgot_password(ClientId=cli, Username=email, ConfirmationCode=code, Password="Brand-New-Passw0rd!")
    assert "AuthenticationResult" in password_sign_in(idp, cli, email, "Brand-New-Passw0rd!")
    with raises_api_error("NotAuthorizedException", "Incorrect username or password."):
        password_sign_in(idp, cli, email)
    with raises_api_error("ExpiredCodeException", EXPIRED):  # the code was used
        idp.confirm_forgot_password(ClientId=cli, Username=email, ConfirmationCode=code, Password="Other-Passw0rd!")


def test_a_reset_code_lives_an_hour(api_pool, idp, cli):
    email = new_email("forgot")
    api_pool.create_user(email, PASSWORD)
    idp.forgot_password(ClientId=cli, Username=email)
    with api_pool.clock.moved(3601), raises_api_error("ExpiredCodeException", EXPIRED):
        idp.confirm_forgot_password(ClientId=cli, Username=email, ConfirmationCode=latest_code(api_pool, email),
                                    Password="Brand-New-Passw0rd!")


def test_forgot_password_reveals_nothing_about_unknown_or_unverified_users(api_pool, idp, cli):
    unverified = new_email("unverified")
    api_pool.create_user(unverified, PASSWORD, email_verified=False)
    before = len(outbox(api_pool))
    for username in (new_email("nobody"), unverified):
        assert idp.forgot_password(ClientId=cli, Username=username)["CodeDeliveryDetails"]["Destination"]
    assert len(outbox(api_pool)) == before
    with raises_api_error("CodeMismatchException", MISMATCH):
        idp.confirm_forgot_password(ClientId=cli, Username=new_email("nobody"), ConfirmationCode="123456",
                                    Password="Brand-New-Passw0rd!")
    with raises_api_error("ExpiredCodeException", EXPIRED):  # exists, but never asked for a code
        idp.confirm_forgot_password(ClientId=cli, Username=unverified, ConfirmationCode="123456",
                                    Password="Brand-New-Passw0rd!")


# -- administration --------------------------------------------------------------------------------------------
def test_admin_create_user_invites_with_a_temporary_password(api_pool, idp, cli):
    email = new_email("invited")
    user = idp.admin_create_user(UserPoolId=api_pool.pool_id, Username=email,
                                 UserAttributes=[{"Name": "email_verified", "Value": "true"}])["User"]
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD" and user["Enabled"] is True
    assert {"Name": "email", "Value": email} in user["Attributes"] and len(user["Username"]) == 36
    invitation = latest_message(api_pool, email)
    assert invitation["subject"] == "Your temporary password"
    temporary = invitation["body"].rsplit(" ", 1)[1].rstrip(".")
    assert password_sign_in(idp, cli, email, temporary)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    with raises_api_error("UsernameExistsException", "User account already exists"):
        idp.admin_create_user(UserPoolId=api_pool.pool_id, Username=email)


def test_admin_create_user_checks_the_temporary_password_and_can_stay_silent(api_pool, idp):
    with raises_api_error("InvalidPasswordException"):
        idp.admin_create_user(UserPoolId=api_pool.pool_id, Username=new_email("weak"), TemporaryPassword="weak")
    before = len(outbox(api_pool))
    idp.admin_create_user(UserPoolId=api_pool.pool_id, Username=new_email("quiet"), MessageAction="SUPPRESS")
    assert len(outbox(api_pool)) == before


def test_admin_set_user_password_permanent_or_temporary(api_pool, idp, cli):
    email = new_email("admin-set")
    idp.admin_create_user(UserPoolId=api_pool.pool_id, Username=email, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=api_pool.pool_id, Username=email, Password="Perm-Passw0rd!",
                                Permanent=True)
    assert idp.admin_get_user(UserPoolId=api_pool.pool_id, Username=email)["UserStatus"] == "CONFIRMED"
    assert "AuthenticationResult" in password_sign_in(idp, cli, email, "Perm-Passw0rd!")
    idp.admin_set_user_password(UserPoolId=api_pool.pool_id, Username=email, Password="Temp-Passw0rd!",
                                Permanent=False)
    assert password_sign_in(idp, cli, email, "Temp-Passw0rd!")["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    with raises_api_error("InvalidPasswordException"):
        idp.admin_set_user_password(UserPoolId=api_pool.pool_id, Username=email, Password="weak", Permanent=True)


def test_admin_confirm_sign_up_confirms_without_verifying_the_email(api_pool, idp, cli):
    email = signed_up(idp, cli)
    idp.admin_confirm_sign_up(UserPoolId=api_pool.pool_id, Username=email)
    identity = claims(password_sign_in(idp, cli, email)["AuthenticationResult"]["IdToken"])
    assert identity["email_verified"] is False
    with raises_api_error("NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED"):
        idp.admin_confirm_sign_up(UserPoolId=api_pool.pool_id, Username=email)


def test_admin_delete_user_removes_the_user_and_their_tokens(api_pool, idp, cli):
    email = new_email("deleted")
    api_pool.create_user(email, PASSWORD)
    tokens = password_sign_in(idp, cli, email)["AuthenticationResult"]
    idp.admin_delete_user(UserPoolId=api_pool.pool_id, Username=email)
    with raises_api_error("UserNotFoundException", "User does not exist."):
        idp.admin_get_user(UserPoolId=api_pool.pool_id, Username=email)
    with raises_api_error("NotAuthorizedException"):
        idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cli,
                          AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
    info = requests.get(f"{api_pool.url}/oauth2/userInfo", timeout=10,
                        headers={"Authorization": f"Bearer {tokens['AccessToken']}"})
    assert info.status_code == 401


def test_admin_add_user_to_group_shows_in_new_tokens(api_pool, idp, cli):
    email = new_email("grouped")
    api_pool.create_user(email, PASSWORD)
    idp.admin_add_user_to_group(UserPoolId=api_pool.pool_id, Username=email, GroupName="demo-users")
    assert claims(password_sign_in(idp, cli, email)["AuthenticationResult"]["AccessToken"])["cognito:groups"] == [
        "demo-users"]
    with raises_api_error("ResourceNotFoundException", "Group not found."):
        idp.admin_add_user_to_group(UserPoolId=api_pool.pool_id, Username=email, GroupName="no-such-group")


@pytest.mark.parametrize("operation", ["admin_get_user", "admin_delete_user", "admin_confirm_sign_up",
                                       "admin_user_global_sign_out"])
def test_admin_operations_say_when_a_user_does_not_exist(api_pool, idp, operation):
    with raises_api_error("UserNotFoundException", "User does not exist."):
        getattr(idp, operation)(UserPoolId=api_pool.pool_id, Username=new_email("nobody"))


def test_admin_operations_on_another_pool_are_not_found(idp):
    with raises_api_error("ResourceNotFoundException", "User pool us-east-1_Nope does not exist."):
        idp.admin_get_user(UserPoolId="us-east-1_Nope", Username="someone@example.com")


# -- ListUsers -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def listed(api_pool, idp) -> tuple[str, list[str]]:
    """Five users sharing an email prefix, the middle one unconfirmed."""
    prefix = new_email("listed").split("@")[0]
    emails = [f"{prefix}-{i}@example.com" for i in range(5)]
    for i, email in enumerate(emails):
        api_pool.create_user(email, PASSWORD, status="UNCONFIRMED" if i == 2 else "CONFIRMED")
    return prefix, emails


def emails_of(users: list[dict]) -> list[str]:
    return [next(a["Value"] for a in user["Attributes"] if a["Name"] == "email") for user in users]


def test_list_users_filters_by_email_exactly_or_by_prefix(api_pool, idp, listed):
    prefix, emails = listed
    exact = idp.list_users(UserPoolId=api_pool.pool_id, Filter=f'email = "{emails[1].upper()}"')["Users"]
    assert emails_of(exact) == [emails[1]]
    assert emails_of(idp.list_users(UserPoolId=api_pool.pool_id, Filter=f'email ^= "{prefix}"')["Users"]) == emails
    by_username = idp.list_users(UserPoolId=api_pool.pool_id, Filter=f'username = "{exact[0]["Username"]}"')
    assert emails_of(by_username["Users"]) == [emails[1]]
    unconfirmed = idp.list_users(UserPoolId=api_pool.pool_id, Filter='cognito:user_status = "UNCONFIRMED"')
    assert emails[2] in emails_of(unconfirmed["Users"]) and emails[0] not in emails_of(unconfirmed["Users"])


def test_list_users_pages_through_everyone_once(api_pool, idp, listed):
    prefix, emails = listed
    seen, token, pages = [], None, 0
    while True:
        page = idp.list_users(UserPoolId=api_pool.pool_id, Limit=2, Filter=f'email ^= "{prefix}"',
                              **({"PaginationToken": token} if token else {}))
        seen += emails_of(page["Users"])
        pages += 1
        token = page.get("PaginationToken")
        if not token:
            break
    assert (seen, pages) == (emails, 3)


def test_list_users_returns_only_the_attributes_asked_for(api_pool, idp, listed):
    _, emails = listed
    users = idp.list_users(UserPoolId=api_pool.pool_id, Filter=f'email = "{emails[0]}"',
                           AttributesToGet=["email"])["Users"]
    assert users[0]["Attributes"] == [{"Name": "email", "Value": emails[0]}]


def test_list_users_with_boto3s_paginator(api_pool, idp, listed):
    prefix, emails = listed
    pages = idp.get_paginator("list_users").paginate(UserPoolId=api_pool.pool_id, Filter=f'email ^= "{prefix}"',
                                                     PaginationConfig={"PageSize": 2})
    assert [email for page in pages for email in emails_of(page["Users"])] == emails


@pytest.mark.parametrize(("call", "message"), [
    ({"Filter": "email = unquoted"}, "Error while parsing filter."),
    ({"Filter": 'email = "a" and name = "b"'}, "Error while parsing filter."),
    ({"Filter": 'custom:team = "x"'}, "Invalid search attribute: custom:team"),
    ({"Limit": 61}, None),
    ({"PaginationToken": "not-a-token"}, "Invalid pagination token"),
])
def test_list_users_refuses_bad_parameters(api_pool, idp, call, message):
    with raises_api_error("InvalidParameterException", message):
        idp.list_users(UserPoolId=api_pool.pool_id, **call)


# -- persistence -----------------------------------------------------------------------------------------------
def test_a_restart_keeps_users_made_through_the_api_and_their_refresh_tokens(tmp_path):
    first = start_local_cognito(tmp_path)
    email = new_email("kept")
    idp = cognito_idp(first)
    try:
        cli = first.clients["cli"].client_id
        idp.sign_up(ClientId=cli, Username=email, Password=PASSWORD)
        idp.confirm_sign_up(ClientId=cli, Username=email, ConfirmationCode=latest_code(first, email))
        refresh = password_sign_in(idp, cli, email)["AuthenticationResult"]["RefreshToken"]
    finally:
        idp.close()
        first.stop()
    second = start_local_cognito(tmp_path)  # on another port: refresh tokens do not depend on the issuer's origin
    try:
        idp = cognito_idp(second)
        assert "AuthenticationResult" in password_sign_in(idp, cli, email)
        assert idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cli,
                                 AuthParameters={"REFRESH_TOKEN": refresh})["AuthenticationResult"]["IdToken"]
        assert latest_message(second, email)["subject"] == "Your verification code"  # the outbox too
    finally:
        idp.close()
        second.stop()
