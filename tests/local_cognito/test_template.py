"""`deploy/cognito.yaml`: it passes cfn-lint, and the local pool reads everything it needs from it."""

from __future__ import annotations

import pytest
from cfnlint.api import lint_file

from local_cognito import DEFAULT_TEMPLATE
from local_cognito.template import TemplateError, load_pool_config


def test_the_deployment_template_passes_cfn_lint():
    assert [str(match) for match in lint_file(DEFAULT_TEMPLATE)] == []


def test_cfn_lint_would_catch_a_broken_template(tmp_path):
    """The lint test above can fail: a property CloudFormation does not know is reported."""
    broken = tmp_path / "broken.yaml"
    broken.write_text(DEFAULT_TEMPLATE.read_text().replace("GenerateSecret: true", "GenerateSecrets: true", 1))
    assert any("GenerateSecrets" in str(match) for match in lint_file(broken))


def test_the_template_describes_the_pool_and_its_clients():
    config = load_pool_config(DEFAULT_TEMPLATE)
    assert config.name == "local-users"
    assert config.username_attributes == ("email",) and not config.case_sensitive
    assert config.auto_verified_attributes == ("email",) and config.allow_self_sign_up
    assert config.password_policy.minimum_length == 8
    assert config.custom_scopes == {"weatherapi/read"}
    assert config.domain_prefix == "cognito-weather-demo"
    assert [g.name for g in config.groups] == ["demo-users"]
    web, machine, cli = config.clients["web"], config.clients["machine"], config.clients["cli"]
    assert web.generate_secret and web.allowed_oauth_flows == ("code",)
    assert web.allowed_oauth_scopes == ("openid", "email", "profile", "aws.cognito.signin.user.admin",
                                        "weatherapi/read")
    assert web.callback_urls == ("http://localhost:5000/callback",)  # !Sub with a parameter default
    assert web.logout_urls == ("http://localhost:5000/signed-out",)
    assert (web.access_token_seconds, web.id_token_seconds, web.refresh_token_seconds) == (3600, 3600, 30 * 86400)
    assert web.enable_token_revocation and not web.refresh_token_rotation
    assert machine.allowed_oauth_flows == ("client_credentials",) and machine.generate_secret
    assert machine.allowed_oauth_scopes == ("weatherapi/read",)
    assert not cli.generate_secret and not cli.allowed_oauth_flows
    assert set(cli.explicit_auth_flows) == {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
                                            "ALLOW_REFRESH_TOKEN_AUTH"}
    assert set(web.explicit_auth_flows) == {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert (config.mfa_configuration, config.enabled_mfas) == ("OPTIONAL", ("SOFTWARE_TOKEN_MFA",))
    assert config.totp_mfa


def test_parameters_take_the_place_of_their_defaults_and_unknown_ones_are_refused():
    config = load_pool_config(DEFAULT_TEMPLATE, parameters={"WebAppBaseUrl": "http://localhost:8080"})
    assert config.clients["web"].callback_urls == ("http://localhost:8080/callback",)
    assert config.clients["web"].logout_urls == ("http://localhost:8080/signed-out",)
    assert config.domain_prefix == "cognito-weather-demo"  # the other parameter keeps its default
    with pytest.raises(TemplateError, match="the template has no parameter WebAppBaseURL"):
        load_pool_config(DEFAULT_TEMPLATE, parameters={"WebAppBaseURL": "http://localhost:8080"})


def test_short_form_tags_parse(tmp_path):
    template = tmp_path / "pool.yaml"
    template.write_text("""
Parameters:
  Base: {Type: String, Default: "https://app.example"}
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: !Join ["-", [!Ref "AWS::StackName", pool]]
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !GetAtt Pool.Arn
      ClientName: !Sub "${AWS::Region}-client"
      AllowedOAuthFlowsUserPoolClient: true
      AllowedOAuthFlows: [code]
      AllowedOAuthScopes: [openid]
      CallbackURLs: [!Sub "${Base}/cb", !Sub ["${Url}/other", {Url: !Ref Base}]]
      RefreshTokenRotation: {Feature: ENABLED, RetryGracePeriodSeconds: 30}
""")
    config = load_pool_config(template, region="eu-west-1", stack_name="demo")
    client = config.clients["eu-west-1-client"]
    assert config.name == "demo-pool"
    assert client.callback_urls == ("https://app.example/cb", "https://app.example/other")
    assert client.refresh_token_rotation and client.retry_grace_period_seconds == 30
    assert (client.access_token_seconds, client.refresh_token_seconds) == (3600, 30 * 86400)


@pytest.mark.parametrize(("resources", "message"), [
    ("", "exactly one AWS::Cognito::UserPool"),
    ("""
  C:
    Type: AWS::Cognito::UserPoolClient
    Properties: {ClientName: c, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: [code],
                 AllowedOAuthScopes: [openid], CallbackURLs: ["http://app.example/cb"]}""", "http is only allowed"),
    ("""
  C:
    Type: AWS::Cognito::UserPoolClient
    Properties: {ClientName: c, GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true,
                 AllowedOAuthFlows: [client_credentials, code], CallbackURLs: ["https://a.example/cb"]}""",
     "client_credentials flow can not be selected along with code"),
    ("""
  C:
    Type: AWS::Cognito::UserPoolClient
    Properties: {ClientName: c, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: [code],
                 AllowedOAuthScopes: [nope/read], CallbackURLs: ["https://a.example/cb"]}""",
     "Invalid scope requested: nope/read"),
    ("""
  C:
    Type: AWS::Cognito::UserPoolClient
    Properties: {ClientName: !FindInMap [a, b, c]}""", "cannot resolve Fn::FindInMap"),
])
def test_templates_the_local_pool_cannot_run_are_refused_with_a_reason(tmp_path, resources, message):
    template = tmp_path / "pool.yaml"
    pool = "" if not resources else "\n  P:\n    Type: AWS::Cognito::UserPool"
    template.write_text(f"Resources:{pool}{resources or ' {}'}\n")
    with pytest.raises(TemplateError, match=message):
        load_pool_config(template)


def test_an_unreadable_template_is_refused(tmp_path):
    (tmp_path / "bad.yaml").write_text("Resources: [unclosed")
    with pytest.raises(TemplateError, match="cannot read the template"):
        load_pool_config(tmp_path / "bad.yaml")
    with pytest.raises(TemplateError, match="cannot read the template"):
        load_pool_config(tmp_path / "missing.yaml")
