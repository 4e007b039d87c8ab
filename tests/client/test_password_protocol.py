"""The password flow's requests and answers, against a scripted JSON API: what the local Cognito's clients do not
exercise (a client with a secret, challenges the client cannot answer, malformed answers). The flows themselves
run against the local Cognito in test_password_flow.py."""

from __future__ import annotations

import io
import json
import logging

import pytest
from joserfc import jws
from joserfc.jwk import OctKey

from tests.servers import free_port
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
        [[]],  # not a JSON object
        [{"AuthenticationResult": []}],
    ],
)
def test_answers_that_are_not_cognitos(scripted, make_tokens, answers):
    for answer in answers:
        scripted.then(answer)
    with pytest.raises(UnreachableError, match="(does not answer like Cognito's JSON API|without tokens)"):
        make_tokens("pw\nnew\n").token()


def test_values_cognito_would_refuse_are_not_sent(scripted, make_tokens):
    """What the API model's minimum lengths refuse (a Session too short to be Cognito's, a client secret shorter
    than Cognito's 24 characters) is refused here: the request never reaches Cognito, and the values are not shown."""
    scripted.then({"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "short", "ChallengeParameters": {}})
    with pytest.raises(UsageError, match=r"RespondToAuthChallenge request \(Session not valid\)"):
        make_tokens("pw\nnew\n").token()
    assert len(scripted.requests) == 1
    scripted.answer("[]")
    scripted.then({"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": 10**30, "ChallengeParameters": {}})
    with pytest.raises(UsageError, match=r"\(Session not valid\)"):
        make_tokens("pw\nnew\n").token()
    assert len(scripted.requests) == 1
    scripted.answer("[]")
    scripted.then(result()).then({})
    tokens = make_tokens("pw\n", secret="too-short")
    tokens.token()  # InitiateAuth carries the secret only inside SECRET_HASH
    with pytest.raises(CommandError, match=r"removed, but .*\(ClientSecret not valid\).*CLI_CLIENT_SECRET") as excinfo:
        tokens.forget()
    assert "too-short" not in str(excinfo.value)
    assert len(scripted.requests) == 1


@pytest.mark.parametrize("body", [
    {"__type": "com.amazonaws.cognito.identity.idp.model#NotAuthorizedException",
     "message": "Incorrect username or password."},
    {"__type": "NotAuthorizedException:http://internal.amazon.com/coral/com.amazonaws.cognito.identity.idp/",
     "Message": "Incorrect username or password."},
])
def test_cognitos_error_names_and_messages_in_every_form_of_the_protocol(scripted, make_tokens, body):
    scripted.then(body, 400)
    with pytest.raises(SignInError, match=r"^Incorrect username or password\.$") as excinfo:
        make_tokens("pw\n").token()
    assert excinfo.value.code == "NotAuthorizedException"


@pytest.mark.parametrize(("status", "body", "reason"), [
    (500, json.dumps({"__type": "InternalErrorException", "message": "down"}), "InternalErrorException"),
    (502, "<html>Bad gateway</html>", "http_502"),
    (400, json.dumps({"message": "no exception name"}), "http_400"),
    (503, json.dumps({"__type": "\x1b]0;owned\x07Throttled\nLine"}), "]0;ownedThrottled Line"),  # no escapes
])
def test_no_usable_answer_is_one_line(scripted, make_tokens, status, body, reason):
    scripted.answer(body, status=status)
    with pytest.raises(UnreachableError, match=rf"^Cannot reach Cognito at {scripted.url}/ \({reason}\)\.$"):
        make_tokens("pw\n").token()
    assert len(scripted.requests) == 1  # no retry: a call Cognito may have seen is not repeated behind our back


def test_an_unreachable_cognito(tmp_path):
    nowhere = f"http://127.0.0.1:{free_port()}"
    client = PasswordClient(Issuer(f"{nowhere}/us-east-1_Gone", f"{nowhere}/us-east-1_Gone/.well-known"), "cli-id")
    tokens = PasswordTokens(client, EMAIL, TokenCache(tmp_path / "cache"),
                            Terminal(io.StringIO("pw\n"), io.StringIO()), timeout=5)
    with pytest.raises(UnreachableError, match=rf"^Cannot reach Cognito at {nowhere}/ \(ConnectionError\)\.$"):
        tokens.token()


@pytest.mark.parametrize("challenge", [
    {"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": SESSION, "ChallengeParameters": ["USER_ID_FOR_SRP"]},
    {"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": SESSION,
     "ChallengeParameters": {"USER_ID_FOR_SRP": 5, "requiredAttributes": 5}},
])
def test_challenge_parameters_that_are_not_strings_are_ignored(scripted, make_tokens, challenge):
    """Cognito's ChallengeParameters are a map of strings: anything else is not used (it would crash the command)."""
    scripted.then(challenge).then(result())
    make_tokens("pw\nBrand-new-1\n").token()
    assert sent(scripted)[1]["ChallengeResponses"] == {
        "USERNAME": EMAIL, "NEW_PASSWORD": "Brand-new-1", "SECRET_HASH": secret_hash(EMAIL, "cli-id", SECRET)}


def test_a_challenge_name_that_is_not_a_string(scripted, make_tokens):
    scripted.then({"ChallengeName": {"name": 7}, "Session": SESSION})
    with pytest.raises(SignInError, match=r"asks for \{'name': 7\}, which this command cannot answer"):
        make_tokens("pw\n").token()


def test_no_password_or_token_in_debug_logs(scripted, make_tokens, caplog):
    """HTTP libraries log at DEBUG (botocore logged whole request bodies): nothing secret may show."""
    caplog.set_level(logging.DEBUG)
    scripted.then(result()).then({})
    tokens = make_tokens("Secret-Pass-1\n")
    token = tokens.token()
    tokens.forget()
    assert len(scripted.requests) == 2 and caplog.text
    for secret in ("Secret-Pass-1", token.access_token, "refresh-1", SECRET, secret_hash(EMAIL, "cli-id", SECRET)):
        assert secret not in caplog.text


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
