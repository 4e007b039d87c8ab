"""`deploy/weather-api.yaml`: it passes cfn-lint, the SAM transform (aws-sam-translator, as CloudFormation runs it)
turns it into a valid CloudFormation template, and that template puts the API's routes behind the pool's JWT
authorizer the way the function and the pool expect."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import boto3
import pytest
from cfnlint.api import lint, lint_file
from cfnlint.decode import decode_str
from samtranslator.public.parser import Parser
from samtranslator.public.translator import Translator

from webapp.forecast import DEFAULT_API_SCOPE
from webapp.weather_api import create_app
from webapp.weather_api.settings import ApiSettings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "weather-api.yaml"
POOL_TEMPLATE = ROOT / "deploy" / "cognito.yaml"
PARAMETERS = {
    "Issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyZ",
    "WebClientId": "1example23456789web0000000",
    "MachineClientId": "1example23456789machine000",
    "CliClientId": "1example23456789cli0000000",
}


def load(path: Path) -> dict:
    template, problems = decode_str(path.read_text())
    assert not problems, problems
    return template


def transform(template: dict, **parameters: str) -> dict:
    """What CloudFormation's AWS::Serverless transform makes of the template after `sam deploy` has uploaded the
    function's code to S3 (the transform takes only an S3 location)."""
    template["Resources"]["WeatherApiFunction"]["Properties"]["CodeUri"] = "s3://artifacts/weather-api.zip"
    translator = Translator({}, Parser(), boto_session=boto3.Session(region_name="eu-west-1"))
    return translator.translate(template, parameter_values={**PARAMETERS, **parameters})


def resolve(value, parameters: dict[str, str]):
    """`Ref` to a parameter and `Fn::Join`, the intrinsics the function's environment uses."""
    if isinstance(value, dict) and "Ref" in value:
        return parameters[value["Ref"]]
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(resolve(part, parameters) for part in parts)
    return value


@pytest.fixture(scope="module")
def stack() -> dict:
    return transform(load(TEMPLATE))


def resources_of_type(stack: dict, kind: str) -> dict:
    return {name: resource for name, resource in stack["Resources"].items() if resource["Type"] == kind}


def test_the_template_passes_cfn_lint():
    assert [str(match) for match in lint_file(TEMPLATE)] == []


def test_the_transformed_template_passes_cfn_lint(stack):
    """cfn-lint checks a SAM template's own resources only loosely; the CloudFormation they become, fully."""
    assert [str(match) for match in lint(json.dumps(stack))] == []


def test_cfn_lint_would_catch_a_broken_template(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(TEMPLATE.read_text().replace("MemorySize: 512", "MemorySize: 64", 1))
    assert any("64 is less than the minimum" in str(match) for match in lint_file(broken))
    runtime = transform(load(TEMPLATE))
    runtime["Resources"]["WeatherApiFunction"]["Properties"]["Runtime"] = "python2.7"
    assert any("python2.7" in str(match) for match in lint(json.dumps(runtime)))


def test_the_parameters_are_the_pool_stacks_outputs():
    """`sam deploy` takes the pool stack's outputs under their own names (docs/deployment.md: the weather API on Lambda)."""
    assert set(PARAMETERS) <= set(load(POOL_TEMPLATE)["Outputs"]) & set(load(TEMPLATE)["Parameters"])


def test_the_forecast_route_needs_a_token_with_the_scope_from_an_allowed_client(stack):
    (api,) = resources_of_type(stack, "AWS::ApiGatewayV2::Api").values()
    body = api["Properties"]["Body"]
    authorizer = body["components"]["securitySchemes"]["CognitoJwt"]["x-amazon-apigateway-authorizer"]
    assert authorizer == {
        "type": "jwt",
        "identitySource": "$request.header.Authorization",
        "jwtConfiguration": {"issuer": {"Ref": "Issuer"}, "audience": [
            {"Ref": "WebClientId"}, {"Ref": "MachineClientId"}, {"Ref": "CliClientId"}]},
    }
    assert body["paths"]["/weatherforecast"]["get"]["security"] == [{"CognitoJwt": [DEFAULT_API_SCOPE]}]
    assert load(POOL_TEMPLATE)["Resources"]["WeatherApiResourceServer"]["Properties"]["Identifier"] + "/read" == \
        DEFAULT_API_SCOPE


def test_every_route_of_the_app_is_served_and_only_the_forecast_needs_a_token(stack):
    (api,) = resources_of_type(stack, "AWS::ApiGatewayV2::Api").values()
    paths = api["Properties"]["Body"]["paths"]
    app = create_app(ApiSettings.from_env({"COGNITO_ISSUER": PARAMETERS["Issuer"], "WEATHER_API_CLIENT_IDS": "a"}))
    assert set(paths) == {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    for path, methods in paths.items():
        assert set(methods) == {"get"}
        integration = methods["get"]["x-amazon-apigateway-integration"]
        assert (integration["type"], integration["payloadFormatVersion"]) == ("aws_proxy", "2.0")
        assert ("security" in methods["get"]) == (path == "/weatherforecast")


def test_the_function_runs_the_handler_with_settings_the_api_accepts(stack):
    (function,) = resources_of_type(stack, "AWS::Lambda::Function").values()
    properties = function["Properties"]
    module, _, name = properties["Handler"].rpartition(".")
    assert (module, name) == ("webapp.weather_api.aws_lambda", "handler")
    assert importlib.util.find_spec(module) is not None
    env = {key: resolve(value, {**PARAMETERS, "TrustAuthorizer": "1"})
           for key, value in properties["Environment"]["Variables"].items()}
    settings = ApiSettings.from_env(env)
    assert settings.issuer.issuer == PARAMETERS["Issuer"]
    assert settings.client_ids == (PARAMETERS["WebClientId"], PARAMETERS["MachineClientId"],
                                   PARAMETERS["CliClientId"])
    assert settings.trust_authorizer


def test_cors_comes_from_the_allowed_origins_parameter():
    origins = "https://spa.example.com,http://localhost:3000"
    stack = transform(load(TEMPLATE), AllowedOrigins=origins)
    (api,) = resources_of_type(stack, "AWS::ApiGatewayV2::Api").values()
    condition, cors, otherwise = api["Properties"]["Body"]["x-amazon-apigateway-cors"]["Fn::If"]
    assert stack["Conditions"][condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AllowedOrigins"}, ""]}]}
    assert cors == {"allowOrigins": {"Fn::Split": [",", origins]}, "allowHeaders": ["authorization"],
                    "allowMethods": ["GET", "OPTIONS"], "exposeHeaders": ["www-authenticate"], "maxAge": 600}
    assert otherwise == {"Ref": "AWS::NoValue"}


@pytest.mark.parametrize(("value", "accepted"), [
    ("", True), ("https://spa.example.com", True), ("https://spa.example.com,http://localhost:3000", True),
    ("https://spa.example.com/", False), ("spa.example.com", False), ("https://a.example, https://b.example", False),
])
def test_the_allowed_origins_parameter_takes_origins_only(value, accepted):
    pattern = load(TEMPLATE)["Parameters"]["AllowedOrigins"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) == accepted


def test_the_output_is_the_apis_url(stack):
    assert stack["Outputs"]["WeatherApiUrl"]["Value"] == {
        "Fn::Sub": "https://${WeatherApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
