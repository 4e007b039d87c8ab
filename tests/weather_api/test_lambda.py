"""The weather API as a Lambda function behind an API Gateway HTTP API (`webapp.weather_api.aws_lambda.handler`).

Each test invokes the handler as Lambda would, with payload format 2.0 events built to AWS's documented shape
("Working with AWS Lambda proxy integrations for HTTP APIs"), carrying real tokens from the local Cognito: users'
from the Hosted UI code flow (web client) and the password flow (cli client), a machine's from client credentials.

What these tests cannot show: the gateway's own answers. A route with the JWT authorizer refuses a missing,
malformed, expired or foreign token with 401 `{"message":"Unauthorized"}`, and a token without the route's scope
with 403 `{"message":"Forbidden"}`, in AWS, before the function runs (docs/deployment.md shows how to see them). Here the
events are the ones the gateway lets through, and the ones a misconfigured route would.
"""

from __future__ import annotations

import base64
import json
import runpy
import secrets
import time
import uuid
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import parse_qsl

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from tests.fixtures.webapp import fill_login_form

HANDLER_MODULE = "webapp.weather_api.aws_lambda"
#: Every variable the API reads: a cold start sees exactly the function's environment, nothing from the test run.
API_VARIABLES = ("COGNITO_REGION", "COGNITO_USER_POOL_ID", "COGNITO_ISSUER", "COGNITO_METADATA_URL",
                 "WEATHER_API_CLIENT_IDS", "WEATHER_API_SCOPE", "WEATHER_API_TRUST_AUTHORIZER",
                 "WEATHER_API_CORS_ORIGINS", "HTTP_TIMEOUT")
API_HOST = "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
WEB_CALLBACK = "http://localhost:5000/callback"  # registered for the web client by deploy/cognito.yaml
PASSWORD = "Lambda-Weather-9!"
SPA = "https://spa.example.com"
INVALID_TOKEN = 'Bearer realm="weatherapi", error="invalid_token"'
INSUFFICIENT_SCOPE = 'Bearer realm="weatherapi", error="insufficient_scope", scope="weatherapi/read"'


# --- Lambda, as far as the function can tell -----------------------------------------------------------------


def cold_start(env: dict[str, str]):
    """A new execution environment: Lambda imports the handler's module once, with the function's environment
    variables, and every later (warm) invocation in that environment calls the `handler` it found."""
    with pytest.MonkeyPatch.context() as patch:
        for name in API_VARIABLES:
            patch.delenv(name, raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        return runpy.run_module(HANDLER_MODULE)["handler"]


def http_api_event(path: str = "/weatherforecast", *, token: str | None = None, query: str = "",
                   method: str = "GET", headers: dict[str, str] | None = None,
                   claims: dict[str, str] | None = None) -> dict:
    """An HTTP API event, payload format 2.0, as AWS documents it: header names in lower case, the raw path and
    query, and the request context; `claims` adds `requestContext.authorizer.jwt`, which the gateway fills in
    when the route has a JWT authorizer and the token passed it."""
    now = time.time()
    headers = {"host": API_HOST, "user-agent": "pytest", "x-forwarded-for": "192.0.2.10",
               "x-forwarded-port": "443", "x-forwarded-proto": "https",
               **({"authorization": f"Bearer {token}"} if token else {}),
               **{name.lower(): value for name, value in (headers or {}).items()}}
    route = f"{method} {path}"
    event = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": API_HOST.split(".")[0],
            "domainName": API_HOST,
            "domainPrefix": API_HOST.split(".")[0],
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.10",
                     "userAgent": "pytest"},
            "requestId": base64.b64encode(secrets.token_bytes(10)).decode(),
            "routeKey": route,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = dict(parse_qsl(query))
    if claims is not None:
        scopes = claims.get("scope", "").split()
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": scopes or None}}
    return event


def gateway_claims(token: str, **changes) -> dict[str, str]:
    """The claims a JWT authorizer hands the function for `token`: every value a string, numbers in decimal and
    arrays as "[a b]" (observed API Gateway behaviour), with `changes` applied first."""
    payload = {**json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "==")), **changes}
    return {name: f"[{' '.join(value)}]" if isinstance(value, list) else value if isinstance(value, str)
            else json.dumps(value) for name, value in payload.items()}


def invoke(handler, event: dict) -> tuple[int, dict, object]:
    """The status, headers and JSON body of the function's answer, which must be a payload 2.0 response."""
    context = SimpleNamespace(function_name="weather-api", aws_request_id=str(uuid.uuid4()))
    response = handler(event, context)
    assert set(response) == {"statusCode", "headers", "cookies", "body", "isBase64Encoded"}, response
    assert response["isBase64Encoded"] is False and response["cookies"] == []
    return response["statusCode"], response["headers"], json.loads(response["body"] or "null")


def assert_refused(answer, status: int, challenge: str, error: str) -> None:
    code, headers, body = answer
    assert (code, headers.get("www-authenticate"), body["error"]) == (status, challenge, error), answer
    assert headers["content-type"] == "application/json" and headers["cache-control"] == "no-store"


def assert_forecast(answer) -> None:
    code, headers, body = answer
    assert code == 200, answer
    assert headers["content-type"] == "application/json" and headers["cache-control"] == "no-store"
    assert len(body) == 5 and list(body[0]) == ["date", "temperatureC", "temperatureF", "summary"]


# --- tokens from the local Cognito ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tokens:
    web_user: str  # Hosted UI sign-in, authorization code + PKCE, web client, with weatherapi/read
    cli_user: str  # USER_PASSWORD_AUTH through the JSON API, cli client (the trigger adds weatherapi/read)
    cli_id_token: str
    machine: str  # client credentials, machine client
    web_user_without_scope: str  # the code flow without weatherapi/read
    expired: str  # a machine token issued two hours ago


def code_flow_access_token(local_cognito, email: str, scope: str) -> str:
    web = local_cognito.clients["web"]
    oauth = OAuth2Session(web.client_id, web.client_secret, scope=scope, redirect_uri=WEB_CALLBACK,
                          code_challenge_method="S256")
    verifier = secrets.token_urlsafe(48)
    url, _ = oauth.create_authorization_url(f"{local_cognito.url}/oauth2/authorize", code_verifier=verifier)
    browser = requests.Session()
    method, action, data = fill_login_form(browser.get(url, timeout=10), email, PASSWORD)
    callback = browser.request(method, action, data=data, allow_redirects=False, timeout=10).headers["Location"]
    return oauth.fetch_token(f"{local_cognito.url}/oauth2/token", authorization_response=callback,
                             code_verifier=verifier)["access_token"]


def machine_token(local_cognito) -> str:
    machine = local_cognito.clients["machine"]
    response = requests.post(f"{local_cognito.url}/oauth2/token", auth=(machine.client_id, machine.client_secret),
                             data={"grant_type": "client_credentials", "scope": "weatherapi/read"}, timeout=10)
    response.raise_for_status()
    return response.json()["access_token"]


@pytest.fixture(scope="module")
def tokens(local_cognito) -> Tokens:
    email = f"lambda-{uuid.uuid4().hex[:10]}@example.com"
    local_cognito.create_user(email, PASSWORD)
    signed_in = local_cognito.boto3_client().initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH", ClientId=local_cognito.clients["cli"].client_id,
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]
    with local_cognito.clock.moved(-7200):
        expired = machine_token(local_cognito)
    return Tokens(
        web_user=code_flow_access_token(local_cognito, email, "openid email weatherapi/read"),
        cli_user=signed_in["AccessToken"],
        cli_id_token=signed_in["IdToken"],
        machine=machine_token(local_cognito),
        web_user_without_scope=code_flow_access_token(local_cognito, email, "openid email"),
        expired=expired,
    )


@pytest.fixture(scope="module")
def verifying(local_cognito):
    """The function as deployed by default: it verifies every token itself."""
    return cold_start(local_cognito.env_for_api())


@pytest.fixture(scope="module")
def trusting(local_cognito):
    """The function with WEATHER_API_TRUST_AUTHORIZER=1: it takes the claims the JWT authorizer validated."""
    return cold_start({**local_cognito.env_for_api(), "WEATHER_API_TRUST_AUTHORIZER": "1"})


def without_cli(local_cognito) -> dict[str, str]:
    """A function whose allow-list is narrower than the gateway's audience: no cli client."""
    clients = local_cognito.clients
    return {**local_cognito.env_for_api(),
            "WEATHER_API_CLIENT_IDS": f"{clients['web'].client_id},{clients['machine'].client_id}"}


# --- the function verifies tokens itself (the default) -------------------------------------------------------


@pytest.mark.parametrize("kind", ["web_user", "cli_user", "machine"])
def test_user_and_machine_tokens_get_the_forecast(verifying, tokens, kind):
    assert_forecast(invoke(verifying, http_api_event(token=getattr(tokens, kind), query="city=tokyo")))


def test_the_same_forecast_as_from_gunicorn(verifying, tokens, weather_api):
    """The same code: the Lambda answer equals the one the API serves over HTTP."""
    _, _, body = invoke(verifying, http_api_event(token=tokens.machine, query="city=reykjavik"))
    assert body == weather_api.get(token=tokens.machine, params={"city": "reykjavik"}).json()


@pytest.mark.parametrize("kind", ["cli_id_token", "expired"])
def test_id_tokens_and_expired_tokens_get_invalid_token(verifying, tokens, kind):
    assert_refused(invoke(verifying, http_api_event(token=getattr(tokens, kind))), 401, INVALID_TOKEN,
                   "invalid_token")


def test_a_tampered_token_gets_invalid_token(verifying, tokens):
    header, payload, signature = tokens.cli_user.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "sub": str(uuid.uuid4())}).encode()).rstrip(b"=")
    assert_refused(invoke(verifying, http_api_event(token=f"{header}.{forged.decode()}.{signature}")), 401,
                   INVALID_TOKEN, "invalid_token")


def test_a_token_without_the_scope_gets_insufficient_scope(verifying, tokens):
    assert_refused(invoke(verifying, http_api_event(token=tokens.web_user_without_scope)), 403, INSUFFICIENT_SCOPE,
                   "insufficient_scope")


def test_a_client_the_function_does_not_allow_gets_invalid_token(local_cognito, tokens):
    handler = cold_start(without_cli(local_cognito))
    assert_forecast(invoke(handler, http_api_event(token=tokens.web_user)))
    assert_refused(invoke(handler, http_api_event(token=tokens.cli_user)), 401, INVALID_TOKEN, "invalid_token")


def test_no_token_gets_the_challenge(verifying):
    """What a route without the authorizer lets through: the function still refuses it."""
    assert_refused(invoke(verifying, http_api_event()), 401, 'Bearer realm="weatherapi"', "unauthorized")


def test_the_authorizer_claims_are_not_what_the_default_function_trusts(verifying, tokens):
    """Defence in depth: claims in the event vouch for nothing while the function checks tokens itself."""
    good_claims = gateway_claims(tokens.cli_user)
    header, _, signature = tokens.cli_user.split(".")
    assert_refused(invoke(verifying, http_api_event(token=f"{header}.e30.{signature}", claims=good_claims)), 401,
                   INVALID_TOKEN, "invalid_token")
    assert_refused(invoke(verifying, http_api_event(claims=good_claims)), 401, 'Bearer realm="weatherapi"',
                   "unauthorized")


def test_the_routes_that_need_no_token(verifying):
    code, _, health = invoke(verifying, http_api_event("/healthz"))
    assert (code, health) == (200, {"status": "ok"})
    code, _, document = invoke(verifying, http_api_event("/openapi.json"))
    assert code == 200
    assert document["paths"]["/weatherforecast"]["get"]["security"] == [{"cognito": ["weatherapi/read"]}]


# --- cold start, warm invocations -------------------------------------------------------------------------------


def test_keys_are_fetched_at_the_first_invocation_of_an_environment_and_reused_by_warm_ones(local_cognito, tokens):
    documents = (f"/{local_cognito.pool_id}/.well-known/openid-configuration",
                 f"/{local_cognito.pool_id}/.well-known/jwks.json")

    def fetched() -> tuple[int, ...]:
        return tuple(local_cognito.hits[path] for path in documents)

    before = fetched()
    handler = cold_start(local_cognito.env_for_api())
    assert fetched() == before, "the environment must start without Cognito (nothing fetched at import)"
    assert_forecast(invoke(handler, http_api_event(token=tokens.cli_user)))  # the cold invocation
    assert fetched() == (before[0] + 1, before[1] + 1)
    for token in (tokens.machine, tokens.web_user, tokens.cli_user):  # warm: other tokens, the same keys
        assert_forecast(invoke(handler, http_api_event(token=token)))
    assert fetched() == (before[0] + 1, before[1] + 1)
    assert_forecast(invoke(cold_start(local_cognito.env_for_api()), http_api_event(token=tokens.machine)))
    assert fetched() == (before[0] + 2, before[1] + 2), "a new environment starts cold"


# --- trusting the JWT authorizer (WEATHER_API_TRUST_AUTHORIZER=1) ------------------------------------------


@pytest.mark.parametrize("kind", ["web_user", "cli_user", "machine"])
def test_trusting_the_authorizer_serves_its_validated_claims_without_fetching_keys(trusting, local_cognito, tokens,
                                                                                  kind):
    before = sum(local_cognito.hits.values())
    token = getattr(tokens, kind)
    assert_forecast(invoke(trusting, http_api_event(token=token, claims=gateway_claims(token))))
    assert sum(local_cognito.hits.values()) == before, "nothing is fetched from the pool"


def test_trusting_the_authorizer_refuses_an_event_without_its_claims(trusting, tokens):
    """A route deployed without the authorizer: even a valid token is refused, as nothing vouched for it."""
    assert_refused(invoke(trusting, http_api_event(token=tokens.machine)), 401, INVALID_TOKEN, "invalid_token")
    assert_refused(invoke(trusting, http_api_event()), 401, 'Bearer realm="weatherapi"', "unauthorized")


def test_trusting_the_authorizer_still_checks_token_use_expiry_and_issuer(trusting, tokens):
    """Claims a gateway passes on a route without scopes (ID tokens), or with a wrong issuer configured."""
    for claims in (gateway_claims(tokens.cli_id_token), gateway_claims(tokens.expired),
                   gateway_claims(tokens.machine, iss="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other")):
        assert_refused(invoke(trusting, http_api_event(token=tokens.machine, claims=claims)), 401, INVALID_TOKEN,
                       "invalid_token")


def test_trusting_the_authorizer_still_checks_the_scope(trusting, tokens):
    claims = gateway_claims(tokens.web_user_without_scope)
    assert_refused(invoke(trusting, http_api_event(token=tokens.web_user_without_scope, claims=claims)), 403,
                   INSUFFICIENT_SCOPE, "insufficient_scope")


def test_trusting_the_authorizer_still_checks_the_client(local_cognito, tokens):
    """The gateway's audience names the cli client; this function's allow-list does not."""
    handler = cold_start({**without_cli(local_cognito), "WEATHER_API_TRUST_AUTHORIZER": "1"})
    assert_forecast(invoke(handler, http_api_event(token=tokens.machine, claims=gateway_claims(tokens.machine))))
    assert_refused(invoke(handler, http_api_event(token=tokens.cli_user, claims=gateway_claims(tokens.cli_user))),
                   401, INVALID_TOKEN, "invalid_token")


@pytest.mark.parametrize("changes", [{"exp": "soon"}, {"token_use": "[access]"}, {"sub": ""}],
                         ids=["exp-not-a-number", "token-use-an-array", "no-subject"])
def test_trusting_the_authorizer_refuses_claims_of_the_wrong_shape(trusting, tokens, changes):
    claims = {**gateway_claims(tokens.machine), **changes}
    assert_refused(invoke(trusting, http_api_event(token=tokens.machine, claims=claims)), 401, INVALID_TOKEN,
                   "invalid_token")


# --- CORS ------------------------------------------------------------------------------------------------------


def test_a_preflight_gets_the_cors_headers_without_a_token(local_cognito):
    handler = cold_start({**local_cognito.env_for_api(), "WEATHER_API_CORS_ORIGINS": SPA})
    code, headers, _ = invoke(handler, http_api_event(method="OPTIONS", headers={
        "Origin": SPA, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}))
    assert code == 200
    assert headers["access-control-allow-origin"] == SPA
    assert headers["access-control-allow-headers"].lower() == "authorization"
    assert "GET" in headers["access-control-allow-methods"]
    assert headers["vary"] == "Origin"
