"""The pre token generation trigger (V2_0), run from the template's inline Lambda code.

The deployment template's trigger adds `weatherapi/read` to the cli client's access tokens, so the weather API
accepts tokens from the password flow; other clients' tokens are unchanged. A test template's trigger shows the
event it receives (in a claim) and uses every override the V2_0 response has.
"""

from __future__ import annotations

import os
import textwrap

import pytest
import requests
import yaml

from tests.fixtures.local_cognito import start_local_cognito
from tests.fixtures.weather_api import WeatherApiServer
from tests.local_cognito.accounts_support import (
    PASSWORD,
    claims,
    cognito_idp,
    new_email,
    password_sign_in,
    raises_api_error,
)
from tests.local_cognito.conftest import WEB_SCOPE, Browser, make_code_flow, token_request
from local_cognito import DEFAULT_TEMPLATE, pre_token_generation
from local_cognito.template import CloudFormationLoader, TemplateError, load_pool_config
from webapp.weather_api.settings import ApiSettings

ADMIN = "aws.cognito.signin.user.admin"
TRIGGER_RESOURCES = ("PreTokenGenerationFunction", "PreTokenGenerationRole", "PreTokenGenerationPermission")
INSPECTING_HANDLER = textwrap.dedent("""\
    import os


    def handler(event, context):
        email = event["request"]["userAttributes"].get("email", "")
        if email.startswith("fail-"):
            raise RuntimeError("boom")
        if email.startswith("bad-"):
            return {"response": {"claimsAndScopeOverrideDetails": ["not", "an", "object"]}}
        seen = {
            "version": event["version"], "source": event["triggerSource"], "pool": event["userPoolId"],
            "user": event["userName"], "client": event["callerContext"]["clientId"],
            "scopes": event["request"]["scopes"], "status": event["request"]["userAttributes"]["cognito:user_status"],
            "groups": event["request"]["groupConfiguration"]["groupsToOverride"],
            "env_pool": os.environ["POOL_ID"], "env_web": os.environ["WEB_CLIENT_ID"], "context": context.function_name,
        }
        event["response"]["claimsAndScopeOverrideDetails"] = {
            "idTokenGeneration": {
                "claimsToAddOrOverride": {"seen": seen, "email": "changed@example.com", "sub": "forged"},
                "claimsToSuppress": ["name", "iss"],
            },
            "accessTokenGeneration": {
                "claimsToAddOrOverride": {"tenant": {"id": 7, "tags": ["a", "b"]}, "gone": "x", "client_id": "forged"},
                "claimsToSuppress": ["gone"],
                "scopesToAdd": ["weatherapi/read", "extra/scope"],
                "scopesToSuppress": ["extra/scope"],
            },
            "groupOverrideDetails": {"groupsToOverride": ["from-trigger"]},
        }
        return event
""")


def template_document() -> dict:
    return yaml.load(DEFAULT_TEMPLATE.read_text(), Loader=CloudFormationLoader)  # noqa: S506 (a SafeLoader)


def write_template(directory, document: dict) -> str:
    path = directory / "template.yaml"
    path.write_text(yaml.safe_dump(document))
    return str(path)


def without_trigger(document: dict) -> dict:
    for name in TRIGGER_RESOURCES:
        del document["Resources"][name]
    del document["Resources"]["UserPool"]["Properties"]["LambdaConfig"]
    return document


def with_handler(document: dict, code: str, **variables) -> dict:
    function = document["Resources"]["PreTokenGenerationFunction"]["Properties"]
    function["Code"]["ZipFile"] = code
    function["Environment"]["Variables"] = variables
    return document


@pytest.fixture(scope="module")
def plain_pool(tmp_path_factory):
    """The deployment template without its trigger."""
    directory = tmp_path_factory.mktemp("plain-pool")
    handle = start_local_cognito(directory / "state", template=write_template(directory,
                                                                             without_trigger(template_document())))
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def inspected_pool(tmp_path_factory):
    directory = tmp_path_factory.mktemp("inspected-pool")
    document = with_handler(template_document(), INSPECTING_HANDLER, POOL_ID={"Ref": "UserPool"},
                            WEB_CLIENT_ID={"Ref": "WebClient"})
    handle = start_local_cognito(directory / "state", template=write_template(directory, document))
    yield handle
    handle.stop()


def api_trusting(pool, *clients: str) -> WeatherApiServer:
    client_ids = ",".join(pool.clients[name].client_id for name in clients)
    return WeatherApiServer(ApiSettings.from_env({**pool.env_for_api(), "WEATHER_API_CLIENT_IDS": client_ids}))


# -- the deployment template's trigger -------------------------------------------------------------------------
def test_the_cli_clients_tokens_carry_weatherapi_read_and_the_api_accepts_them(local_cognito):
    idp = cognito_idp(local_cognito)
    cli = local_cognito.clients["cli"].client_id
    result = password_sign_in(idp, cli, local_cognito.demo_user.email, local_cognito.demo_user.password)
    tokens = result["AuthenticationResult"]
    assert claims(tokens["AccessToken"])["scope"] == f"{ADMIN} weatherapi/read"
    refreshed = idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cli,
                                  AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})["AuthenticationResult"]
    assert claims(refreshed["AccessToken"])["scope"] == f"{ADMIN} weatherapi/read"
    grant = token_request(local_cognito, "cli", grant_type="refresh_token", refresh_token=tokens["RefreshToken"])
    assert claims(grant.json()["access_token"])["scope"] == f"{ADMIN} weatherapi/read"

    api = api_trusting(local_cognito, "web", "machine", "cli")
    try:
        response = api.get(token=tokens["AccessToken"])
        assert response.status_code == 200 and response.json()
    finally:
        api.stop()


def test_the_web_clients_tokens_are_unchanged(signed_in_tokens):
    assert claims(signed_in_tokens["access_token"])["scope"].split() == WEB_SCOPE.split()


def test_the_trigger_leaves_no_environment_variable_behind(local_cognito):
    password_sign_in(cognito_idp(local_cognito), local_cognito.clients["cli"].client_id,
                     local_cognito.demo_user.email, local_cognito.demo_user.password)
    assert "CLI_CLIENT_ID" not in os.environ and "CLI_SCOPES" not in os.environ


def test_without_the_trigger_api_tokens_have_the_plain_scope_and_the_api_refuses_them(plain_pool):
    result = password_sign_in(cognito_idp(plain_pool), plain_pool.clients["cli"].client_id,
                              plain_pool.demo_user.email, plain_pool.demo_user.password)
    token = result["AuthenticationResult"]["AccessToken"]
    assert claims(token)["scope"] == ADMIN
    api = api_trusting(plain_pool, "cli")
    try:
        response = api.get(token=token)
        assert response.status_code == 403 and 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    finally:
        api.stop()


# -- the event and every override -----------------------------------------------------------------------------
def test_the_handler_gets_a_v2_event_and_its_overrides_are_applied(inspected_pool):
    email = new_email("inspected")
    inspected_pool.create_user(email, PASSWORD, groups=("testers",), name="Ada")
    cli = inspected_pool.clients["cli"].client_id
    tokens = password_sign_in(cognito_idp(inspected_pool), cli, email)["AuthenticationResult"]
    identity, access = claims(tokens["IdToken"]), claims(tokens["AccessToken"])
    user = inspected_pool.store.find_user(email)
    assert identity["seen"] == {
        "version": "2", "source": "TokenGeneration_Authentication", "pool": inspected_pool.pool_id,
        "user": user.username, "client": cli, "scopes": [ADMIN], "status": "CONFIRMED", "groups": ["testers"],
        "env_pool": inspected_pool.pool_id, "env_web": inspected_pool.clients["web"].client_id,
        "context": "local-pre-token-generation"}
    assert identity["email"] == "changed@example.com" and "name" not in identity
    assert identity["sub"] == user.sub and identity["iss"] == inspected_pool.issuer  # reserved claims stay
    assert access["tenant"] == {"id": 7, "tags": ["a", "b"]} and "gone" not in access
    assert access["client_id"] == cli
    assert access["scope"] == f"{ADMIN} weatherapi/read"
    assert identity["cognito:groups"] == access["cognito:groups"] == ["from-trigger"]


def test_each_way_of_getting_tokens_names_its_trigger_source(inspected_pool):
    email = new_email("sources")
    inspected_pool.create_user(email, PASSWORD)
    idp = cognito_idp(inspected_pool)
    cli = inspected_pool.clients["cli"].client_id
    tokens = password_sign_in(idp, cli, email)["AuthenticationResult"]
    refreshed = idp.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cli,
                                  AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})["AuthenticationResult"]
    assert claims(refreshed["IdToken"])["seen"]["source"] == "TokenGeneration_RefreshTokens"

    invited = new_email("invited")
    idp.admin_create_user(UserPoolId=inspected_pool.pool_id, Username=invited, TemporaryPassword="Temp-0rary!pw",
                          MessageAction="SUPPRESS")
    session = password_sign_in(idp, cli, invited, "Temp-0rary!pw")["Session"]
    changed = idp.respond_to_auth_challenge(ClientId=cli, ChallengeName="NEW_PASSWORD_REQUIRED", Session=session,
                                            ChallengeResponses={"USERNAME": invited, "NEW_PASSWORD": PASSWORD})
    assert claims(changed["AuthenticationResult"]["IdToken"])["seen"]["source"] == \
        "TokenGeneration_NewPasswordChallenge"

    endpoints = requests.get(f"{inspected_pool.issuer}/.well-known/openid-configuration", timeout=10).json()
    flow = make_code_flow(inspected_pool, endpoints)
    hosted = flow.fetch_token(Browser(inspected_pool.url).sign_in(flow.authorization_url()[0], email, PASSWORD))
    seen = claims(hosted["id_token"])["seen"]
    assert seen["source"] == "TokenGeneration_HostedAuth" and seen["scopes"] == WEB_SCOPE.split()
    again = token_request(inspected_pool, grant_type="refresh_token", refresh_token=hosted["refresh_token"]).json()
    assert claims(again["id_token"])["seen"]["source"] == "TokenGeneration_RefreshTokens"


def test_a_failing_handler_fails_the_sign_in_as_cognito_reports_it(inspected_pool):
    email = new_email("fail")
    inspected_pool.create_user(email, PASSWORD)
    idp = cognito_idp(inspected_pool)
    with raises_api_error("UserLambdaValidationException", "PreTokenGeneration failed with error boom."):
        password_sign_in(idp, inspected_pool.clients["cli"].client_id, email)
    endpoints = requests.get(f"{inspected_pool.issuer}/.well-known/openid-configuration", timeout=10).json()
    flow = make_code_flow(inspected_pool, endpoints)
    callback = Browser(inspected_pool.url).sign_in(flow.authorization_url()[0], email, PASSWORD)
    code = callback.split("code=", 1)[1].split("&", 1)[0]
    exchange = token_request(inspected_pool, grant_type="authorization_code", code=code,
                             redirect_uri=flow.session.redirect_uri, code_verifier=flow.code_verifier)
    assert (exchange.status_code, exchange.json()) == (400, {"error": "invalid_request"})


def test_a_malformed_response_is_an_invalid_lambda_response(inspected_pool):
    email = new_email("bad")
    inspected_pool.create_user(email, PASSWORD)
    with raises_api_error("InvalidLambdaResponseException"):
        password_sign_in(cognito_idp(inspected_pool), inspected_pool.clients["cli"].client_id, email)


# -- what the local pool can and cannot emulate ----------------------------------------------------------------
def lambda_config(**changes) -> dict:
    document = template_document()
    config = document["Resources"]["UserPool"]["Properties"]["LambdaConfig"]["PreTokenGenerationConfig"]
    config.update(changes)
    return document


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: lambda_config(LambdaVersion="V1_0"), "emulates LambdaVersion V2_0, not V1_0"),
    (lambda d: lambda_config(LambdaVersion="V3_0"), "emulates LambdaVersion V2_0, not V3_0"),
    (lambda d: lambda_config(LambdaArn="arn:aws:lambda:us-east-1:1:function:elsewhere"), "is not a function of"),
    (lambda d: {**d, "Resources": {**d["Resources"], "UserPool": {**d["Resources"]["UserPool"], "Properties": {
        **d["Resources"]["UserPool"]["Properties"], "UserPoolTier": "LITE"}}}}, "needs UserPoolTier ESSENTIALS"),
    (lambda d: {**d, "Resources": {**d["Resources"], "UserPool": {**d["Resources"]["UserPool"], "Properties": {
        **d["Resources"]["UserPool"]["Properties"], "LambdaConfig": {
            **d["Resources"]["UserPool"]["Properties"]["LambdaConfig"], "PreSignUp": "arn:x"}}}}},
     "does not run these Lambda triggers: PreSignUp"),
])
def test_what_the_local_pool_cannot_run_is_a_clear_template_error(tmp_path, change, message):
    config = load_pool_config(write_template(tmp_path, change(template_document())))
    with pytest.raises(TemplateError, match=message):
        pre_token_generation.load(config)


@pytest.mark.parametrize(("properties", "message"), [
    ({"Runtime": "nodejs20.x"}, "only Python functions"),
    ({"Code": {"S3Bucket": "b", "S3Key": "k"}}, "only inline Code.ZipFile"),
    ({"Handler": "app.handler"}, "Handler must be index.<function>"),
])
def test_only_inline_python_functions_run(properties, message):
    base = {"Runtime": "python3.12", "Handler": "index.handler", "Code": {"ZipFile": "def handler(e, c): return e"}}
    with pytest.raises(TemplateError, match=message):
        pre_token_generation.InlineFunction.from_template("Function", {**base, **properties})


def test_a_getatt_arn_designates_the_function_too(tmp_path):
    document = lambda_config(LambdaArn={"Fn::GetAtt": ["PreTokenGenerationFunction", "Arn"]})
    function, version = pre_token_generation.load(load_pool_config(write_template(tmp_path, document)))
    assert (function.logical_id, version) == ("PreTokenGenerationFunction", "V2_0")
