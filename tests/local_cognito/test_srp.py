"""USER_SRP_AUTH → PASSWORD_VERIFIER, driven by pycognito's SRP client (a port of amazon-cognito-identity-js's),
unchanged: with and without a client secret, a wrong password, an unknown user, a client without the flow."""

from __future__ import annotations

import base64

import pytest
from botocore.config import Config
from pycognito import Cognito
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import SoftwareTokenMFAChallengeException

from local_cognito import srp as srp_math

from tests.fixtures.local_cognito import FAKE_CREDENTIALS
from tests.local_cognito.accounts_support import (
    PASSWORD,
    claims,
    confirmed_user,
    raises_api_error,
    totp_code,
    with_totp,
)

INCORRECT = "Incorrect username or password."


def srp(pool, idp, email: str, password: str = PASSWORD, client: str = "cli") -> AWSSRP:
    info = pool.clients[client]
    return AWSSRP(username=email, password=password, pool_id=pool.pool_id, client_id=info.client_id,
                  client_secret=info.client_secret, client=idp)


@pytest.mark.parametrize("client", ["cli", "admin"])  # without and with a client secret
def test_pycognito_signs_in_with_srp(api_pool, idp, client):
    email = confirmed_user(api_pool, f"srp-{client}")
    tokens = srp(api_pool, idp, email, client=client).authenticate_user()["AuthenticationResult"]
    assert claims(tokens["IdToken"])["email"] == email
    assert claims(tokens["AccessToken"])["client_id"] == api_pool.clients[client].client_id


def test_pycognitos_cognito_class_authenticates_verifies_and_reads_the_user(api_pool):
    """Cognito.authenticate signs in with SRP and verifies the tokens against the pool's JWKS and issuer."""
    email = confirmed_user(api_pool, "srp-cognito", name="Srp")
    user = Cognito(api_pool.pool_id, api_pool.clients["cli"].client_id, username=email,
                   botocore_config=Config(retries={"total_max_attempts": 1}),
                   boto3_client_kwargs={"endpoint_url": api_pool.url, **FAKE_CREDENTIALS})
    user.authenticate(password=PASSWORD)
    assert user.id_claims["email"] == email and user.access_claims["iss"] == api_pool.issuer
    assert user.get_user().name == "Srp"  # GetUser with the access token SRP gave


def test_a_wrong_password_fails_the_proof_and_counts_toward_the_lockout(api_pool, idp):
    email = confirmed_user(api_pool, "srp-wrong")
    with raises_api_error("NotAuthorizedException", INCORRECT):
        srp(api_pool, idp, email, "Wrong-Passw0rd!").authenticate_user()
    failures = api_pool.store._one("SELECT failures FROM password_failures WHERE sub = ?",
                                   api_pool.store.find_user(email).sub)
    assert failures["failures"] == 1


def test_an_unknown_user_looks_like_a_wrong_password(api_pool, idp):
    def challenge(username: str) -> dict:
        return idp.initiate_auth(AuthFlow="USER_SRP_AUTH", ClientId=api_pool.clients["cli"].client_id,
                                 AuthParameters=srp(api_pool, idp, username).get_auth_params())["ChallengeParameters"]

    first, second = challenge("nobody-srp@example.com"), challenge("nobody-srp@example.com")
    assert first["SALT"] == second["SALT"] and first["USER_ID_FOR_SRP"] == second["USER_ID_FOR_SRP"]
    assert len(first["USER_ID_FOR_SRP"]) == 36  # shaped like a real user's (their sub), not the email
    with raises_api_error("NotAuthorizedException", INCORRECT):
        srp(api_pool, idp, "nobody-srp@example.com").authenticate_user()
    with raises_api_error("UserNotFoundException", "User does not exist."):
        srp(api_pool, idp, "nobody-srp@example.com", client="legacy").authenticate_user()


def test_a_client_without_srp_is_refused(api_pool, idp):
    email = confirmed_user(api_pool, "srp-noflow")
    with raises_api_error("InvalidParameterException", "USER_SRP_AUTH flow not enabled for this client"):
        srp(api_pool, idp, email, client="scripted").authenticate_user()


def test_a_secret_block_answers_once(api_pool, idp):
    email = confirmed_user(api_pool, "srp-once")
    client = srp(api_pool, idp, email)
    parameters = client.get_auth_params()
    challenge = idp.initiate_auth(AuthFlow="USER_SRP_AUTH", ClientId=client.client_id, AuthParameters=parameters)
    answer = client.process_challenge(challenge["ChallengeParameters"], parameters)
    ok = idp.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="PASSWORD_VERIFIER",
                                       ChallengeResponses=answer)
    assert ok["AuthenticationResult"]["AccessToken"]
    with raises_api_error("NotAuthorizedException"):
        idp.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="PASSWORD_VERIFIER",
                                      ChallengeResponses=answer)


def test_a_tampered_proof_or_a_bad_srp_a_is_refused(api_pool, idp):
    email = confirmed_user(api_pool, "srp-tamper")
    client = srp(api_pool, idp, email)
    parameters = client.get_auth_params()
    challenge = idp.initiate_auth(AuthFlow="USER_SRP_AUTH", ClientId=client.client_id, AuthParameters=parameters)
    answer = client.process_challenge(challenge["ChallengeParameters"], parameters)
    signature = base64.b64decode(answer["PASSWORD_CLAIM_SIGNATURE"])
    answer["PASSWORD_CLAIM_SIGNATURE"] = base64.b64encode(bytes([signature[0] ^ 1]) + signature[1:]).decode()
    with raises_api_error("NotAuthorizedException", INCORRECT):
        idp.respond_to_auth_challenge(ClientId=client.client_id, ChallengeName="PASSWORD_VERIFIER",
                                      ChallengeResponses=answer)
    for bad in ("0", "zz", f"{srp_math.N:x}", f"{srp_math.N * 2:x}"):
        with raises_api_error("NotAuthorizedException"):
            idp.initiate_auth(AuthFlow="USER_SRP_AUTH", ClientId=client.client_id,
                              AuthParameters={"USERNAME": email, "SRP_A": bad})


def test_srp_leads_to_the_software_token_challenge(api_pool, idp):
    email = confirmed_user(api_pool, "srp-mfa")
    secret, _ = with_totp(api_pool, idp, api_pool.clients["cli"].client_id, email)
    with pytest.raises(SoftwareTokenMFAChallengeException) as raised:
        srp(api_pool, idp, email).authenticate_user()
    challenge = raised.value.get_tokens()
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    tokens = idp.respond_to_auth_challenge(
        ClientId=api_pool.clients["cli"].client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": challenge["ChallengeParameters"]["USER_ID_FOR_SRP"],
                            "SOFTWARE_TOKEN_MFA_CODE": totp_code(api_pool, secret, 1)})
    assert claims(tokens["AuthenticationResult"]["IdToken"])["email"] == email
