"""JSON API: the pool's configuration as the template made it: the pool, its app clients, resource servers and
domain (`DescribeUserPool`, `ListUserPools`, `DescribeUserPoolClient`, `UpdateUserPoolClient`,
`ListUserPoolClients`, `DescribeResourceServer`, `ListResourceServers`, `DescribeUserPoolDomain`).

One process serves one pool, so `ListUserPools` lists exactly it. What the template does not set is reported
with Cognito's defaults for a new pool.
"""

from __future__ import annotations

from typing import Any

from local_cognito.accounts import STANDARD_ATTRIBUTES
from local_cognito.api_errors import InvalidParameter, ResourceNotFound
from local_cognito.clients import AppClient, ClientSettings, ClientSettingsError
from local_cognito.json_api import ApiError, check_pool, find_client, operations, paginate, required
from local_cognito.template import ResourceServer

ACCOUNT_ID = "000000000000"  # what `AWS::AccountId` resolves to in the template
# Copied into DescribeUserPool when the template has them (CloudFormation and the API share these names).
POOL_PROPERTIES = ("Policies", "LambdaConfig", "AutoVerifiedAttributes", "AliasAttributes", "UsernameAttributes",
                   "VerificationMessageTemplate", "UserAttributeUpdateSettings", "DeviceConfiguration",
                   "EmailConfiguration", "AdminCreateUserConfig", "UserPoolAddOns", "UsernameConfiguration",
                   "AccountRecoverySetting", "DeletionProtection", "UserPoolTags")
# The data types of the standard attributes that are not strings.
NON_STRING_ATTRIBUTES = {"email_verified": "Boolean", "phone_number_verified": "Boolean", "updated_at": "Number"}


def describe_client(pool, client: AppClient) -> dict[str, Any]:
    created, modified = pool.store.client_dates(client.client_id)
    description = {"UserPoolId": pool.pool_id, "ClientId": client.client_id, **client.settings.to_api()}
    if client.client_secret:
        description["ClientSecret"] = client.client_secret
    description.update(CreationDate=created, LastModifiedDate=modified)
    return description


def pool_dates(pool) -> tuple[float, float]:
    """The pool was created with its first client; it changed when a client last did."""
    dates = [pool.store.client_dates(client.client_id) for client in pool.store.clients()]
    return min(created for created, _ in dates), max(modified for _, modified in dates)


def schema(pool) -> list[dict[str, Any]]:
    """The standard attributes, `sub` first, with what the template's Schema says about them."""
    declared = {entry.get("Name"): entry for entry in pool.config.properties.get("Schema") or ()
                if isinstance(entry, dict)}
    attributes = []
    for name in ["sub", *sorted(STANDARD_ATTRIBUTES)]:
        entry = declared.get(name, {})
        attributes.append({
            "Name": name, "AttributeDataType": NON_STRING_ATTRIBUTES.get(name, "String"),
            "DeveloperOnlyAttribute": False, "Mutable": name != "sub" and bool(entry.get("Mutable", True)),
            "Required": name == "sub" or bool(entry.get("Required", False)),
        })
    return attributes


@operations.register("DescribeUserPool", signed=True)
def describe_user_pool(pool, body: dict[str, Any]) -> dict[str, Any]:
    """From the template: policies, MFA configuration, schema, sign-in attributes, triggers, tier."""
    check_pool(pool, body)
    created, modified = pool_dates(pool)
    config = pool.config
    description: dict[str, Any] = {
        "Id": pool.pool_id, "Name": config.name, "Status": "Enabled", "CreationDate": created,
        "LastModifiedDate": modified, "SchemaAttributes": schema(pool), "MfaConfiguration": config.mfa_configuration,
        "EstimatedNumberOfUsers": len(pool.store.users()),
        "Arn": f"arn:aws:cognito-idp:{pool.region}:{ACCOUNT_ID}:userpool/{pool.pool_id}",
        "UserPoolTier": config.tier,
    }
    description.update({name: config.properties[name] for name in POOL_PROPERTIES if name in config.properties})
    if config.domain_prefix:
        description["Domain"] = config.domain_prefix
    return {"UserPool": description}


@operations.register("ListUserPools", signed=True)
def list_user_pools(pool, body: dict[str, Any]) -> dict[str, Any]:
    """The one pool this server runs."""
    required(body, "MaxResults")
    created, modified = pool_dates(pool)
    return paginate([pool], body, "UserPools", lambda p: {
        "Id": p.pool_id, "Name": p.config.name, "LambdaConfig": p.config.lambda_config, "Status": "Enabled",
        "CreationDate": created, "LastModifiedDate": modified}, maximum=60)


@operations.register("DescribeUserPoolClient", signed=True)
def describe_user_pool_client(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Settings, secret and dates of an app client."""
    check_pool(pool, body)
    return {"UserPoolClient": describe_client(pool, find_client(pool, required(body, "ClientId")))}


@operations.register("UpdateUserPoolClient", signed=True)
def update_user_pool_client(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Replaces the client's settings; as in AWS, an omitted setting goes back to its default."""
    check_pool(pool, body)
    client = find_client(pool, required(body, "ClientId"))
    try:
        settings = ClientSettings.from_properties(body, default_name=client.name,
                                                  generate_secret=bool(client.client_secret))
        settings.validate(pool.config.custom_scopes)
    except ClientSettingsError as error:
        raise ApiError(error.code, str(error)) from None
    except (TypeError, ValueError, AttributeError):
        raise InvalidParameter("The client settings have the wrong types.") from None
    if settings.name != client.name and pool.store.client_by_name(settings.name):
        raise InvalidParameter(f"A client named {settings.name} already exists.")
    pool.store.update_client_settings(client.client_id, settings)
    return {"UserPoolClient": describe_client(pool, find_client(pool, client.client_id))}


@operations.register("ListUserPoolClients", signed=True)
def list_user_pool_clients(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Id and name of each app client, in creation order."""
    check_pool(pool, body)
    return paginate(pool.store.clients(), body, "UserPoolClients", lambda client: {
        "ClientId": client.client_id, "UserPoolId": pool.pool_id, "ClientName": client.name}, maximum=60)


def describe_resource_server(pool, server: ResourceServer) -> dict[str, Any]:
    return {"UserPoolId": pool.pool_id, "Identifier": server.identifier, "Name": server.name, "Scopes": [
        {"ScopeName": name, "ScopeDescription": description}
        for name, description in zip(server.scope_names, server.scope_descriptions)]}


@operations.register("DescribeResourceServer", signed=True)
def describe_resource_server_operation(pool, body: dict[str, Any]) -> dict[str, Any]:
    """A resource server of the template, with its scopes."""
    check_pool(pool, body)
    identifier = required(body, "Identifier")
    server = next((s for s in pool.config.resource_servers if s.identifier == identifier), None)
    if server is None:
        raise ResourceNotFound(f"Resource server {identifier} does not exist.")
    return {"ResourceServer": describe_resource_server(pool, server)}


@operations.register("ListResourceServers", signed=True)
def list_resource_servers(pool, body: dict[str, Any]) -> dict[str, Any]:
    """The template's resource servers, with their scopes."""
    check_pool(pool, body)
    return paginate(pool.config.resource_servers, body, "ResourceServers",
                    lambda server: describe_resource_server(pool, server), maximum=50)


@operations.register("DescribeUserPoolDomain", signed=True)
def describe_user_pool_domain(pool, body: dict[str, Any]) -> dict[str, Any]:
    """The template's Hosted UI domain prefix (served here at the server's own URL); any other: an empty answer."""
    domain = required(body, "Domain")
    if domain != pool.config.domain_prefix:
        return {"DomainDescription": {}}  # what Cognito answers for a domain that does not exist
    return {"DomainDescription": {
        "UserPoolId": pool.pool_id, "AWSAccountId": ACCOUNT_ID, "Domain": domain, "Version": "1", "Status": "ACTIVE",
        "CloudFrontDistribution": pool.base_url.split("://", 1)[-1], "ManagedLoginVersion": 1}}
