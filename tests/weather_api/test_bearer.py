"""Who may call the weather API, and what everyone else sees (RFC 6750 §3), through a real server on loopback."""

from __future__ import annotations

import http.client
import logging
from urllib.parse import urlsplit

import pytest

from tests.idp import CLIENT_ID, MACHINE_CLIENT_ID, SCOPE, b64json, make_key, sign_hs256, stranger_key

MISSING = 'Bearer realm="weatherapi"'
INVALID_TOKEN = 'Bearer realm="weatherapi", error="invalid_token"'
INVALID_REQUEST = 'Bearer realm="weatherapi", error="invalid_request"'
INSUFFICIENT_SCOPE = 'Bearer realm="weatherapi", error="insufficient_scope", scope="weatherapi/read"'


def assert_error(response, status: int, challenge: str | None, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers.get("WWW-Authenticate") == challenge
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json()["error"] == error


# --- who gets in ---------------------------------------------------------------------------------------------


def test_user_access_token_gets_the_forecast(api, idp):
    response = api.get(token=idp.access_token())
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    days = response.json()
    assert len(days) == 5 and list(days[0]) == ["date", "temperatureC", "temperatureF", "summary"]


def test_machine_client_credentials_token_gets_the_forecast(api, idp):
    assert api.get(token=idp.machine_token()).status_code == 200


def test_a_token_just_issued_by_a_clock_a_little_ahead_is_accepted(api, idp):
    """The web app calls the API right after a refresh: to an API clock two seconds slow, iat is in the future."""
    ahead = idp.claims("access")["iat"] + 2
    assert api.get(token=idp.access_token(iat=ahead, nbf=ahead)).status_code == 200


def test_scheme_name_is_case_insensitive(api, idp):
    assert api.get(headers={"Authorization": f"bearer  {idp.access_token()}"}).status_code == 200


# --- no credentials ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "", "Basic dXNlcjpwYXNz", "Negotiate abc", "Bearertoken"])
def test_no_credentials_get_a_challenge_without_an_error_code(api, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    assert_error(api.get(headers=headers), 401, MISSING, "unauthorized")


def test_credentials_are_checked_before_the_city(api):
    assert_error(api.get("/weatherforecast?city=atlantis"), 401, MISSING, "unauthorized")


# --- invalid tokens: one answer for all ----------------------------------------------------------------------


def forged_tokens(idp) -> dict[str, str]:
    key = idp.key
    claims = idp.claims("access")
    return {
        "expired": idp.access_token(iat=claims["iat"] - 7200, exp=claims["iat"] - 60),
        "not-yet-valid": idp.access_token(nbf=claims["iat"] + 600),
        "issued-in-the-future": idp.access_token(iat=claims["iat"] + 600),
        "forged-signature": idp.token(claims, key=stranger_key(key.kid)),
        "wrong-issuer": idp.access_token(iss=idp.issuer + "x"),
        "id-token": idp.id_token(scope=SCOPE, client_id=CLIENT_ID),
        "client-not-allowed": idp.access_token(client_id="strangerclient"),
        "client-only-in-aud": idp.access_token(client_id=None, aud=CLIENT_ID),
        "alg-none": f"{b64json({'kid': key.kid, 'alg': 'none'})}.{b64json(claims)}.",
        "hs256-with-public-key": sign_hs256({"kid": key.kid, "alg": "HS256"}, claims, key.as_pem(private=False)),
        "jku-header": idp.token(claims, header={"kid": key.kid, "alg": "RS256", "jku": f"{idp.url}/evil"}),
        "unknown-kid": idp.token(claims, key=stranger_key("unknown")),
        "exp-as-string": idp.access_token(exp=str(claims["exp"])),
        "scope-as-list": idp.access_token(scope=[SCOPE]),
        "token-use-as-list": idp.access_token(token_use=["access"]),
        "garbage": "not-a-jwt",
        "three-garbage-parts": "a.b.c",
        "oversized": idp.access_token(padding="x" * 9000),
    }


KINDS = [
    "expired", "not-yet-valid", "issued-in-the-future", "forged-signature", "wrong-issuer", "id-token",
    "client-not-allowed", "client-only-in-aud", "alg-none", "hs256-with-public-key", "jku-header", "unknown-kid",
    "exp-as-string", "scope-as-list", "token-use-as-list", "garbage", "three-garbage-parts", "oversized",
]


@pytest.mark.parametrize("kind", KINDS)
def test_invalid_tokens_get_invalid_token(api, idp, kind):
    token = forged_tokens(idp)[kind]
    response = api.get(token=token)
    assert_error(response, 401, INVALID_TOKEN, "invalid_token")
    for part in [token, *token.split(".")]:
        assert len(part) < 8 or part not in response.text + str(response.headers)


def test_every_invalid_token_gets_the_same_answer(api, idp):
    """No detail that tells an attacker which check failed."""
    answers = {(r.status_code, r.headers["WWW-Authenticate"], r.text)
               for r in (api.get(token=token) for token in forged_tokens(idp).values())}
    assert len(answers) == 1


def test_the_jku_header_is_never_followed(api, idp):
    claims = idp.claims("access")
    api.get(token=idp.token(claims, header={"kid": "attacker", "alg": "RS256", "jku": f"{idp.url}/evil"}))
    assert idp.hits["/evil"] == 0


def test_huge_authorization_header_is_refused_without_a_server_error(api, idp):
    response = api.get(headers={"Authorization": "Bearer " + "A" * 60_000})
    assert response.status_code in (401, 431), response.status_code
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"] == INVALID_TOKEN


# --- scope ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["openid email", "weatherapi/read2", "weatherapi/reader", "xweatherapi/read",
                                   "weatherapi/write", None])
def test_token_without_the_scope_gets_insufficient_scope(api, idp, scope):
    response = api.get(token=idp.access_token(scope=scope))
    assert_error(response, 403, INSUFFICIENT_SCOPE, "insufficient_scope")
    assert response.json()["scope"] == SCOPE


def test_machine_token_without_the_scope(api, idp):
    assert_error(api.get(token=idp.machine_token(scope="weatherapi/write")), 403, INSUFFICIENT_SCOPE,
                 "insufficient_scope")


# --- malformed requests --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Bearer ", "Bearer a b", "Bearer tok@en", "Bearer =abc", 'Bearer "abc"', "Bearer a,Bearer b"],
    ids=["no-token", "blank-token", "two-words", "bad-character", "leading-equals", "quoted", "comma-joined"],
)
def test_malformed_authorization_header_is_invalid_request(api, authorization):
    assert_error(api.get(headers={"Authorization": authorization}), 400, INVALID_REQUEST, "invalid_request")


def test_token_in_the_query_string_is_refused(api, idp):
    response = api.get("/weatherforecast", params={"access_token": idp.access_token()})
    assert_error(response, 400, INVALID_REQUEST, "invalid_request")


def test_two_credentials_header_and_query(api, idp):
    token = idp.access_token()
    response = api.get("/weatherforecast", token=token, params={"access_token": token})
    assert_error(response, 400, INVALID_REQUEST, "invalid_request")


def test_two_authorization_headers(api, idp):
    """Sent raw: HTTP clients merge or refuse duplicate headers, attackers do not."""
    token = idp.access_token()
    parts = urlsplit(api.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.putrequest("GET", "/weatherforecast")
        connection.putheader("Authorization", f"Bearer {token}")
        connection.putheader("Authorization", f"Bearer {idp.machine_token()}")
        connection.endheaders()
        response = connection.getresponse()
        body = response.read().decode()
    finally:
        connection.close()
    assert response.status == 400, body
    assert response.getheader("WWW-Authenticate") == INVALID_REQUEST


# --- Cognito (or its keys) unreachable -----------------------------------------------------------------------


def test_api_starts_while_cognito_is_down_and_recovers(idp, make_api):
    idp.respond(idp.metadata_path, "down", status=503)
    api = make_api()
    assert api.get("/healthz").status_code == 200
    assert_error(api.get(token=idp.access_token()), 503, None, "temporarily_unavailable")
    idp.answers.clear()
    assert api.get(token=idp.access_token()).status_code == 200


def test_discovery_is_fetched_once(idp, make_api):
    api = make_api()
    assert idp.hits[idp.metadata_path] == 0, "discovery must wait for the first request that needs it"
    for _ in range(3):
        assert api.get(token=idp.access_token()).status_code == 200
    assert idp.hits[idp.metadata_path] == 1


def test_discovery_naming_another_issuer_is_not_trusted(idp, make_api):
    idp.respond(idp.metadata_path, {**idp.discovery(), "issuer": "https://elsewhere.example/pool"})
    assert_error(make_api().get(token=idp.access_token()), 503, None, "temporarily_unavailable")


def test_cached_keys_keep_working_while_the_jwks_is_down(idp, make_api):
    api = make_api()
    assert api.get(token=idp.access_token()).status_code == 200
    idp.respond(idp.jwks_path, "down", status=503)
    assert api.get(token=idp.access_token()).status_code == 200
    rotated = make_key("rotated")
    assert_error(api.get(token=idp.token(idp.claims("access"), key=rotated)), 503, None, "temporarily_unavailable")


def test_jwks_down_and_nothing_cached(idp, make_api):
    idp.respond(idp.jwks_path, "down", status=503)
    assert_error(make_api().get(token=idp.access_token()), 503, None, "temporarily_unavailable")


def test_rotated_key_is_picked_up(idp, make_api):
    api = make_api()
    assert api.get(token=idp.access_token()).status_code == 200
    rotated = make_key("rotated")
    idp.published.append(rotated)
    assert api.get(token=idp.token(idp.claims("access"), key=rotated)).status_code == 200


def test_only_allowed_clients(idp, make_api):
    api = make_api(client_ids=(MACHINE_CLIENT_ID,))
    assert api.get(token=idp.machine_token()).status_code == 200
    assert_error(api.get(token=idp.access_token()), 401, INVALID_TOKEN, "invalid_token")


def test_tokens_never_reach_the_logs(idp, make_api, caplog):
    caplog.set_level(logging.DEBUG)
    api = make_api()
    tokens = [idp.access_token(), idp.access_token(scope="openid"), *forged_tokens(idp).values()]
    for token in tokens:
        api.get(token=token)
    idp.respond(idp.jwks_path, "down", status=503)
    tokens.append(idp.token(idp.claims("access"), key=stranger_key("rotated")))
    assert api.get(token=tokens[-1]).status_code == 503
    assert "bearer token refused: JwtExpiredError" in caplog.text, "refusals are logged, by class"
    for token in tokens:
        for part in [token, *token.split(".")]:
            assert len(part) < 8 or part not in caplog.text
