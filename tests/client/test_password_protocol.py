"""The password flow's requests and answers, against a scripted JSON API: what the local Cognito's clients do not
exercise (a client with a secret, challenges the client cannot answer, malformed answers). The flows themselves
run against the local Cognito in test_password_flow.py."""

from __future__ import annotations

import io
import json

import pytest
from joserfc import jws
from joserfc.jwk import OctKey

from webapp.client.errors import CommandError, SignInError, UnreachableError, UsageError
from webapp.client.password import PasswordTokens, secret_hash
from webapp.client.terminal import Terminal
from webapp.client.token_cache import TokenCache
from webapp.client.settings import PasswordClient
from webapp.environment import Issuer

EMAIL = "alice@example.com"
SECRET = "s3cr3t0123456789abcdefghij"  # Cognito client secrets are 24 to 64 word characters
SESSION = "AYABeC-session-from-cognito-0123456789"


def access_token(username: str) -> str:
    return jws.serialize_compact({"alg": "HS256"}, json.dumps({"username": username}), OctKey.generate_key(256))


def result(username: str = "uuid-alice", refresh: str | None = "refresh-1") -> dict:
    body = {"AccessToken": access_token(username), "ExpiresIn": 3600, "TokenType": "Bearer", "IdToken": "id"}
    if refresh:
        body["RefreshToken"] = refresh
    return {"AuthenticationResult": body, "ChallengeParameters": {}}


@pytest.fixture
def make_tokens(scripted, tmp_path):
    def make(stdin: str = "", secret: str | None = SECRET, clock=None) -> PasswordTokens:
        issuer = f"{scripted.url}/us-east-1_Scripted"
        client = PasswordClient(Issuer(issuer, issuer + "/.well-known/openid-configuration"), "cli-id", secret)
        cache = TokenCache(tmp_path / "cache", **({"clock": clock} if clock else {}))
        return PasswordTokens(client, EMAIL, cache, Terminal(io.StringIO(stdin), io.StringIO()), timeout=5)

    return make


def sent(scripted) -> list[dict]:
    return [request["json"] for request in scripted.requests]


def test_sign_in_with_a_secret_hash_unsigned(scripted, make_tokens):
    scripted.then(result())
    token = make_tokens("pw\n").token()
    (request,) = scripted.requests
    assert request["headers"]["X-Amz-Target"] == "AWSCognitoIdentityProviderService.InitiateAuth"
    assert "Authorization" not in request["headers"]  # unsigned: no AWS credentials needed or sent
    assert request["json"] == {
        "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "cli-id",
        "AuthParameters": {"USERNAME": EMAIL, "PASSWORD": "pw", "SECRET_HASH": secret_hash(EMAIL, "cli-id", SECRET)},
    }
    assert token.refresh_token == "refresh-1" and token.username == "uuid-alice"


def test_refresh_hashes_cognitos_name_for_the_user(scripted, make_tokens):
    clock = type("Clock", (), {"now": 1000.0, "__call__": lambda self: self.now})()
    tokens = make_tokens("pw\n", clock=clock)
    scripted.then(result()).then(result(refresh=None))
    first = tokens.token()
    clock.now += 3600
    second = tokens.token()
    assert sent(scripted)[1] == {
        "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": "cli-id",
        "AuthParameters": {"REFRESH_TOKEN": "refresh-1", "SECRET_HASH": secret_hash("uuid-alice", "cli-id", SECRET)},
    }
    assert second.access_token != first.access_token and second.refresh_token == "refresh-1"


def test_new_password_required_answers_as_cognitos_user_name(scripted, make_tokens):
    scripted.then({"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": SESSION,
                   "ChallengeParameters": {"USER_ID_FOR_SRP": "uuid-alice", "requiredAttributes": "[]",
                                           "userAttributes": "{}"}})
    scripted.then(result())
    make_tokens("temporary\nBrand-new-1\n").token()
    assert sent(scripted)[1] == {
        "ClientId": "cli-id", "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": SESSION,
        "ChallengeResponses": {"USERNAME": "uuid-alice", "NEW_PASSWORD": "Brand-new-1",
                               "SECRET_HASH": secret_hash("uuid-alice", "cli-id", SECRET)},
    }
    assert scripted.requests[1]["headers"]["X-Amz-Target"].endswith(".RespondToAuthChallenge")


def test_no_secret_no_hash(scripted, make_tokens):
    scripted.then(result())
    token = make_tokens("pw\n", secret=None).token()
    assert "SECRET_HASH" not in sent(scripted)[0]["AuthParameters"]
    assert token.username is None


def test_required_attributes_cannot_be_given_here(scripted, make_tokens):
    scripted.then({"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "s",
                   "ChallengeParameters": {"requiredAttributes": '["userAttributes.name"]'}})
    with pytest.raises(SignInError, match="needs these attributes before the password can be set: name"):
        make_tokens("temporary\nnew\n").token()


def test_mfa_is_not_for_this_command(scripted, make_tokens):
    scripted.then({"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "s", "ChallengeParameters": {}})
    with pytest.raises(SignInError, match="asks for SOFTWARE_TOKEN_MFA, which this command cannot answer"):
        make_tokens("pw\n").token()


def test_cognito_errors_keep_their_message(scripted, make_tokens):
    scripted.then({"__type": "NotAuthorizedException", "message": "Incorrect username or password."}, 400)
    with pytest.raises(SignInError, match=r"^Incorrect username or password\.$") as excinfo:
        make_tokens("pw\n").token()
    assert excinfo.value.code == "NotAuthorizedException"


@pytest.mark.parametrize("body", [{}, {"AuthenticationResult": {"AccessToken": "x"}},
                                  {"AuthenticationResult": {"AccessToken": 1, "ExpiresIn": 3600}}])
def test_an_answer_without_usable_tokens(scripted, make_tokens, body):
    scripted.then(body)
    with pytest.raises(UnreachableError, match="without"):
        make_tokens("pw\n").token()


@pytest.mark.parametrize(
    "answers",
    [
        [[]],  # botocore's parser fails on a JSON array
        [{"AuthenticationResult": []}],
    ],
)
def test_answers_that_are_not_cognitos(scripted, make_tokens, answers):
    for answer in answers:
        scripted.then(answer)
    with pytest.raises(UnreachableError, match="(does not answer like Cognito's JSON API|without tokens)"):
        make_tokens("pw\nnew\n").token()


def test_values_botocore_refuses_before_sending(scripted, make_tokens):
    scripted.then({"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "short", "ChallengeParameters": {}})
    with pytest.raises(UsageError, match=r"respond_to_auth_challenge request \(Session not valid\)"):
        make_tokens("pw\nnew\n").token()
    scripted.then(result()).then({})
    tokens = make_tokens("pw\n", secret="too-short")
    tokens.token()  # InitiateAuth carries the secret only inside SECRET_HASH
    with pytest.raises(CommandError, match=r"removed, but .*\(ClientSecret not valid\).*CLI_CLIENT_SECRET") as excinfo:
        tokens.forget()
    assert "too-short" not in str(excinfo.value)


def test_no_password_no_request(scripted, make_tokens):
    with pytest.raises(UsageError, match="No password"):
        make_tokens("").token()
    assert scripted.requests == []


def test_forget_revokes_the_refresh_token_with_the_clients_secret(scripted, make_tokens):
    tokens = make_tokens("pw\n")
    scripted.then(result()).then({})
    tokens.token()
    tokens.forget()
    assert scripted.requests[1]["headers"]["X-Amz-Target"].endswith(".RevokeToken")
    assert sent(scripted)[1] == {"Token": "refresh-1", "ClientId": "cli-id", "ClientSecret": SECRET}
    tokens.forget()  # nothing cached any more: nothing to revoke
    assert len(scripted.requests) == 2


def test_forget_says_when_the_revocation_failed(scripted, make_tokens, tmp_path):
    tokens = make_tokens("pw\n")
    scripted.then(result()).then({"__type": "UnsupportedOperationException", "message": "Revocation is off."}, 400)
    tokens.token()
    with pytest.raises(CommandError, match="The cached tokens are removed, but the refresh token was not revoked: "
                                           r"Cognito refused the request \(UnsupportedOperationException"):
        tokens.forget()
    assert list((tmp_path / "cache").iterdir()) == []
