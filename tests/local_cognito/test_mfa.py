"""TOTP MFA through boto3, with pyotp as the authenticator app: AssociateSoftwareToken, VerifySoftwareToken,
SetUserMFAPreference, AdminSetUserMFAPreference, the SOFTWARE_TOKEN_MFA challenge (each code once) and, in a pool
with MFA ON, the MFA_SETUP challenge."""

from __future__ import annotations

import pytest

from tests.local_cognito.accounts_support import (
    PASSWORD,
    claims,
    cognito_idp,
    confirmed_user,
    password_sign_in,
    raises_api_error,
    totp_code,
    with_totp,
)
from local_cognito.accounts import secret_hash


def answer_code(idp, client_id: str, challenge: dict, code: str, **extra) -> dict:
    return idp.respond_to_auth_challenge(
        ClientId=client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": challenge["ChallengeParameters"]["USER_ID_FOR_SRP"],
                            "SOFTWARE_TOKEN_MFA_CODE": code, **extra})


def test_turning_totp_on_makes_sign_in_ask_for_the_code(api_pool, idp, cli):
    email = confirmed_user(api_pool, "totp")
    secret, access = with_totp(api_pool, idp, cli, email)
    assert len(secret) == 32
    user = idp.get_user(AccessToken=access)
    assert (user["UserMFASettingList"], user["PreferredMfaSetting"]) == (["SOFTWARE_TOKEN_MFA"], "SOFTWARE_TOKEN_MFA")
    challenge = password_sign_in(idp, cli, email)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and "AuthenticationResult" not in challenge
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == api_pool.store.find_user(email).sub
    tokens = answer_code(idp, cli, challenge, totp_code(api_pool, secret, 1))["AuthenticationResult"]
    assert claims(tokens["IdToken"])["email"] == email and tokens["RefreshToken"]


def test_a_wrong_code_can_be_corrected_but_a_used_code_never_works_again(api_pool, idp, cli):
    email = confirmed_user(api_pool, "totp-codes")
    secret, _ = with_totp(api_pool, idp, cli, email)
    challenge = password_sign_in(idp, cli, email)
    code = totp_code(api_pool, secret, 1)
    with raises_api_error("CodeMismatchException", "Invalid code received for user"):
        answer_code(idp, cli, challenge, f"{(int(code) + 1) % 10**6:06d}")
    assert answer_code(idp, cli, challenge, code)["AuthenticationResult"]  # the same Session, corrected
    again = password_sign_in(idp, cli, email)
    with raises_api_error("CodeMismatchException", "Invalid code received for user"):
        answer_code(idp, cli, again, code)  # still within its 30 seconds, but spent
    with api_pool.clock.moved(30):
        assert answer_code(idp, cli, again, totp_code(api_pool, secret, 1))["AuthenticationResult"]


def test_five_wrong_codes_end_the_session(api_pool, idp, cli):
    email = confirmed_user(api_pool, "totp-guess")
    secret, _ = with_totp(api_pool, idp, cli, email)
    challenge = password_sign_in(idp, cli, email)
    wrong = f"{(int(totp_code(api_pool, secret, 1)) + 500) % 10**6:06d}"
    for _ in range(4):
        with raises_api_error("CodeMismatchException"):
            answer_code(idp, cli, challenge, wrong)
    with raises_api_error("NotAuthorizedException", "Invalid session for the user, session is expired."):
        answer_code(idp, cli, challenge, wrong)
    with raises_api_error("NotAuthorizedException", "Invalid session for the user, session is expired."):
        answer_code(idp, cli, challenge, totp_code(api_pool, secret, 1))


def test_verifying_with_a_wrong_code_or_enabling_unverified_is_refused(api_pool, idp, cli):
    email = confirmed_user(api_pool, "totp-unverified")
    access = password_sign_in(idp, cli, email)["AuthenticationResult"]["AccessToken"]
    with raises_api_error("InvalidParameterException", "User has not verified software token mfa"):
        idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True})
    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    with raises_api_error("EnableSoftwareTokenMFAException", "Code mismatch"):
        idp.verify_software_token(AccessToken=access, UserCode=f"{(int(totp_code(api_pool, secret)) + 1) % 10**6:06d}")
    assert idp.verify_software_token(AccessToken=access, UserCode=totp_code(api_pool, secret),
                                     FriendlyDeviceName="phone")["Status"] == "SUCCESS"
    assert "UserMFASettingList" not in idp.get_user(AccessToken=access)  # verified, not yet enabled
    assert password_sign_in(idp, cli, email)["AuthenticationResult"]  # OPTIONAL: not asked until enabled


def test_switching_totp_off_again(api_pool, idp, cli):
    email = confirmed_user(api_pool, "totp-off")
    _, access = with_totp(api_pool, idp, cli, email)
    idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": False,
                                                                               "PreferredMfa": False})
    assert "UserMFASettingList" not in idp.get_user(AccessToken=access)
    assert password_sign_in(idp, cli, email)["AuthenticationResult"]


def test_an_administrator_sets_the_preference(api_pool, idp, cli):
    email = confirmed_user(api_pool, "totp-admin")
    secret, _ = with_totp(api_pool, idp, cli, email)
    idp.admin_set_user_mfa_preference(UserPoolId=api_pool.pool_id, Username=email,
                                      SoftwareTokenMfaSettings={"Enabled": False})
    user = idp.admin_get_user(UserPoolId=api_pool.pool_id, Username=email)
    assert "UserMFASettingList" not in user
    assert password_sign_in(idp, cli, email)["AuthenticationResult"]
    idp.admin_set_user_mfa_preference(UserPoolId=api_pool.pool_id, Username=email,
                                      SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    assert idp.admin_get_user(UserPoolId=api_pool.pool_id, Username=email)["UserMFASettingList"] == [
        "SOFTWARE_TOKEN_MFA"]
    assert password_sign_in(idp, cli, email)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    with raises_api_error("InvalidParameterException"):
        idp.admin_set_user_mfa_preference(UserPoolId=api_pool.pool_id, Username=email,
                                          SMSMfaSettings={"Enabled": True})


def test_the_challenge_answer_of_a_secret_client_needs_its_secret_hash(api_pool, idp):
    email = confirmed_user(api_pool, "totp-secret")
    secret, _ = with_totp(api_pool, idp, api_pool.clients["cli"].client_id, email)
    info = api_pool.clients["admin"]
    challenge = idp.admin_initiate_auth(
        UserPoolId=api_pool.pool_id, ClientId=info.client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD,
                        "SECRET_HASH": secret_hash(info.client_id, info.client_secret, email)})
    code = totp_code(api_pool, secret, 1)
    with raises_api_error("NotAuthorizedException"):
        answer_code(idp, info.client_id, challenge, code)
    username = challenge["ChallengeParameters"]["USER_ID_FOR_SRP"]
    tokens = idp.admin_respond_to_auth_challenge(
        UserPoolId=api_pool.pool_id, ClientId=info.client_id, ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"], ChallengeResponses={
            "USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code,
            "SECRET_HASH": secret_hash(info.client_id, info.client_secret, username)})
    assert tokens["AuthenticationResult"]["AccessToken"]


def test_a_pool_with_mfa_off_offers_no_software_token(tmp_path):
    from tests.fixtures.local_cognito import start_local_cognito

    handle = start_local_cognito(tmp_path / "state", template=off_template(tmp_path))
    try:
        idp = cognito_idp(handle)
        email = confirmed_user(handle, "mfa-off")
        access = password_sign_in(idp, handle.clients["cli"].client_id, email)["AuthenticationResult"]["AccessToken"]
        with raises_api_error("SoftwareTokenMFANotFoundException",
                              "Software Token MFA has not been enabled by the userPool."):
            idp.associate_software_token(AccessToken=access)
    finally:
        handle.stop()


def off_template(directory) -> str:
    import yaml

    from local_cognito import DEFAULT_TEMPLATE
    from local_cognito.template import CloudFormationLoader

    document = yaml.load(DEFAULT_TEMPLATE.read_text(), Loader=CloudFormationLoader)  # noqa: S506
    properties = document["Resources"]["UserPool"]["Properties"]
    del properties["MfaConfiguration"], properties["EnabledMfas"]
    path = directory / "off.yaml"
    path.write_text(yaml.safe_dump(document))
    return str(path)


# -- MfaConfiguration ON: MFA_SETUP ----------------------------------------------------------------------------
@pytest.fixture
def on_idp(mfa_on_pool):
    return cognito_idp(mfa_on_pool)


def test_mfa_on_makes_a_new_user_set_up_an_authenticator_with_the_session(mfa_on_pool, on_idp):
    cli = mfa_on_pool.clients["cli"].client_id
    email = confirmed_user(mfa_on_pool, "setup")
    challenge = password_sign_in(on_idp, cli, email)
    assert challenge["ChallengeName"] == "MFA_SETUP"
    assert challenge["ChallengeParameters"]["MFAS_CAN_SETUP"] == '["SOFTWARE_TOKEN_MFA"]'
    associated = on_idp.associate_software_token(Session=challenge["Session"])
    with raises_api_error("NotAuthorizedException"):  # each Session is used once
        on_idp.associate_software_token(Session=challenge["Session"])
    username = mfa_on_pool.store.find_user(email).sub
    with raises_api_error("NotAuthorizedException"):  # not before the first code is verified
        on_idp.respond_to_auth_challenge(ClientId=cli, ChallengeName="MFA_SETUP", Session=associated["Session"],
                                         ChallengeResponses={"USERNAME": username})
    verified = on_idp.verify_software_token(Session=associated["Session"],
                                            UserCode=totp_code(mfa_on_pool, associated["SecretCode"]))
    assert verified["Status"] == "SUCCESS"
    tokens = on_idp.respond_to_auth_challenge(ClientId=cli, ChallengeName="MFA_SETUP", Session=verified["Session"],
                                              ChallengeResponses={"USERNAME": username})["AuthenticationResult"]
    assert on_idp.get_user(AccessToken=tokens["AccessToken"])["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    again = password_sign_in(on_idp, cli, email)
    assert again["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert answer_code(on_idp, cli, again, totp_code(mfa_on_pool, associated["SecretCode"], 1))[
        "AuthenticationResult"]


def test_mfa_on_asks_for_the_code_even_when_the_user_turned_it_off(mfa_on_pool, on_idp):
    cli = mfa_on_pool.clients["cli"].client_id
    email = confirmed_user(mfa_on_pool, "on-off")
    secret = setup_by_session(mfa_on_pool, on_idp, cli, email)
    on_idp.admin_set_user_mfa_preference(UserPoolId=mfa_on_pool.pool_id, Username=email,
                                         SoftwareTokenMfaSettings={"Enabled": False})
    challenge = password_sign_in(on_idp, cli, email)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert answer_code(on_idp, cli, challenge, totp_code(mfa_on_pool, secret, 1))["AuthenticationResult"]


def setup_by_session(pool, idp, client_id: str, email: str) -> str:
    challenge = password_sign_in(idp, client_id, email)
    associated = idp.associate_software_token(Session=challenge["Session"])
    verified = idp.verify_software_token(Session=associated["Session"],
                                         UserCode=totp_code(pool, associated["SecretCode"]))
    idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="MFA_SETUP", Session=verified["Session"],
                                  ChallengeResponses={"USERNAME": pool.store.find_user(email).sub})
    return associated["SecretCode"]
