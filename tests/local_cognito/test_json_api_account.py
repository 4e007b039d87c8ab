"""The signed-in user's own account through boto3, with their access token: GetUser, UpdateUserAttributes (a new
email is unverified until its code is entered), GetUserAttributeVerificationCode, VerifyUserAttribute,
ChangePassword, DeleteUser."""

from __future__ import annotations

import pytest

from tests.local_cognito.accounts_support import (
    PASSWORD,
    confirmed_user,
    latest_code,
    latest_message,
    new_email,
    password_sign_in,
    raises_api_error,
)

NEW_PASSWORD = "N3w-Passw0rd!"


def access_token(idp, cli: str, email: str, password: str = PASSWORD) -> str:
    return password_sign_in(idp, cli, email, password)["AuthenticationResult"]["AccessToken"]


def attributes(response: dict) -> dict[str, str]:
    return {item["Name"]: item["Value"] for item in response["UserAttributes"]}


def test_get_user_returns_the_username_and_attributes(api_pool, idp, cli):
    email = confirmed_user(api_pool, "getuser", name="Ada")
    user = idp.get_user(AccessToken=access_token(idp, cli, email))
    assert user["Username"] == api_pool.store.find_user(email).sub
    assert attributes(user) == {"email": email, "email_verified": "true", "name": "Ada", "sub": user["Username"]}
    assert "UserMFASettingList" not in user and "PreferredMfaSetting" not in user


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c"])
def test_get_user_refuses_what_is_not_a_live_access_token(idp, token):
    with raises_api_error("NotAuthorizedException", "Invalid Access Token"):
        idp.get_user(AccessToken=token or "x")


def test_get_user_refuses_a_disabled_users_token(api_pool, idp, cli):
    email = confirmed_user(api_pool, "disabled")
    token = access_token(idp, cli, email)
    idp.admin_disable_user(UserPoolId=api_pool.pool_id, Username=email)
    with raises_api_error("NotAuthorizedException", "User is disabled."):
        idp.get_user(AccessToken=token)


def test_a_new_email_is_unverified_until_its_code_is_entered(api_pool, idp, cli):
    email, new = confirmed_user(api_pool, "moving"), new_email("moved")
    token = access_token(idp, cli, email)
    answer = idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "email", "Value": new},
                                                                           {"Name": "name", "Value": "Bo"}])
    assert answer["CodeDeliveryDetailsList"] == [
        {"Destination": "m***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}]
    assert attributes(idp.get_user(AccessToken=token))["email_verified"] == "false"
    assert latest_message(api_pool, new)["subject"] == "Your verification code"
    code = latest_code(api_pool, new)
    with raises_api_error("CodeMismatchException", "Invalid verification code provided, please try again."):
        idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=f"{(int(code) + 1) % 10**6:06d}")
    idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=code)
    user = attributes(idp.get_user(AccessToken=token))
    assert (user["email"], user["email_verified"], user["name"]) == (new, "true", "Bo")
    assert password_sign_in(idp, cli, new)["AuthenticationResult"]  # the new address is the sign-in name


def test_a_verification_code_can_be_asked_for_again(api_pool, idp, cli):
    email = confirmed_user(api_pool, "again", email_verified=False)
    token = access_token(idp, cli, email)
    delivery = idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="email")
    assert delivery["CodeDeliveryDetails"]["AttributeName"] == "email"
    idp.verify_user_attribute(AccessToken=token, AttributeName="email", Code=latest_code(api_pool, email))
    assert attributes(idp.get_user(AccessToken=token))["email_verified"] == "true"
    with raises_api_error("InvalidParameterException"):
        idp.get_user_attribute_verification_code(AccessToken=token, AttributeName="phone_number")


@pytest.mark.parametrize(("changes", "code"), [
    ([{"Name": "email_verified", "Value": "true"}], "NotAuthorizedException"),
    ([{"Name": "sub", "Value": "mine"}], "InvalidParameterException"),
    ([{"Name": "shoe_size", "Value": "44"}], "InvalidParameterException"),
    ([{"Name": "email", "Value": "not-an-email"}], "InvalidParameterException"),
])
def test_users_cannot_write_what_only_verification_or_the_schema_decides(api_pool, idp, cli, changes, code):
    token = access_token(idp, cli, confirmed_user(api_pool, "writes"))
    with raises_api_error(code):
        idp.update_user_attributes(AccessToken=token, UserAttributes=changes)


def test_an_email_another_account_uses_is_refused(api_pool, idp, cli):
    taken, email = confirmed_user(api_pool, "taken"), confirmed_user(api_pool, "taker")
    with raises_api_error("AliasExistsException", "An account with the given email already exists."):
        idp.update_user_attributes(AccessToken=access_token(idp, cli, email),
                                   UserAttributes=[{"Name": "email", "Value": taken.upper()}])


def test_change_password_checks_the_old_one_and_the_policy(api_pool, idp, cli):
    email = confirmed_user(api_pool, "changer")
    token = access_token(idp, cli, email)
    with raises_api_error("NotAuthorizedException", "Incorrect username or password."):
        idp.change_password(AccessToken=token, PreviousPassword="Wrong-Passw0rd!", ProposedPassword=NEW_PASSWORD)
    with raises_api_error("InvalidPasswordException", "Password did not conform with policy: Password not long enough"):
        idp.change_password(AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword="aA1!")
    idp.change_password(AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword=NEW_PASSWORD)
    with raises_api_error("NotAuthorizedException", "Incorrect username or password."):
        password_sign_in(idp, cli, email)
    assert password_sign_in(idp, cli, email, NEW_PASSWORD)["AuthenticationResult"]


def test_delete_user_removes_the_account_and_ends_its_tokens(api_pool, idp, cli):
    email = confirmed_user(api_pool, "leaving")
    tokens = password_sign_in(idp, cli, email)["AuthenticationResult"]
    idp.delete_user(AccessToken=tokens["AccessToken"])
    assert api_pool.store.find_user(email) is None
    with raises_api_error("NotAuthorizedException"):
        idp.get_user(AccessToken=tokens["AccessToken"])
    with raises_api_error("NotAuthorizedException"):
        idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cli,
                          AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})
