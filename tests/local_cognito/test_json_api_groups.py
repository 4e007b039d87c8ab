"""Groups through boto3: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups, ListUsersInGroup,
AdminListGroupsForUser, AdminAddUserToGroup, AdminRemoveUserFromGroup; tokens name the groups in precedence order."""

from __future__ import annotations

import uuid

from tests.local_cognito.accounts_support import claims, confirmed_user, password_sign_in, raises_api_error


def group_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_group_lifecycle(api_pool, idp):
    pool_id, name = api_pool.pool_id, group_name("editors")
    created = idp.create_group(UserPoolId=pool_id, GroupName=name, Description="People who edit", Precedence=3,
                               RoleArn="arn:aws:iam::000000000000:role/editors")["Group"]
    assert (created["GroupName"], created["Precedence"], created["UserPoolId"]) == (name, 3, pool_id)
    with raises_api_error("GroupExistsException", f"A group with the name {name} already exists."):
        idp.create_group(UserPoolId=pool_id, GroupName=name)
    updated = idp.update_group(UserPoolId=pool_id, GroupName=name, Precedence=1)["Group"]
    assert (updated["Description"], updated["Precedence"], updated["RoleArn"]) == (
        "People who edit", 1, "arn:aws:iam::000000000000:role/editors")
    assert idp.get_group(UserPoolId=pool_id, GroupName=name)["Group"] == updated
    idp.delete_group(UserPoolId=pool_id, GroupName=name)
    with raises_api_error("ResourceNotFoundException", "Group not found."):
        idp.get_group(UserPoolId=pool_id, GroupName=name)


def test_list_groups_pages_through_every_group(api_pool, idp):
    for _ in range(3):
        idp.create_group(UserPoolId=api_pool.pool_id, GroupName=group_name("listed"))
    everyone = [g["GroupName"] for g in idp.list_groups(UserPoolId=api_pool.pool_id)["Groups"]]
    paged = [g["GroupName"] for page in idp.get_paginator("list_groups").paginate(
        UserPoolId=api_pool.pool_id, PaginationConfig={"PageSize": 2}) for g in page["Groups"]]
    assert paged == everyone == sorted(everyone) and "demo-users" in everyone


def test_memberships_show_in_listings_and_in_tokens_by_precedence(api_pool, idp, cli):
    pool_id, email = api_pool.pool_id, confirmed_user(api_pool, "member")
    low, high, none = group_name("low"), group_name("high"), group_name("none")
    idp.create_group(UserPoolId=pool_id, GroupName=low, Precedence=10)
    idp.create_group(UserPoolId=pool_id, GroupName=high, Precedence=0)
    idp.create_group(UserPoolId=pool_id, GroupName=none)
    for group in (none, low, high):
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group)
    assert claims(password_sign_in(idp, cli, email)["AuthenticationResult"]["IdToken"])["cognito:groups"] == [
        high, low, none]
    assert [g["GroupName"] for g in idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=email)["Groups"]] \
        == [high, low, none]
    members = idp.list_users_in_group(UserPoolId=pool_id, GroupName=low)["Users"]
    assert [m["Username"] for m in members] == [api_pool.store.find_user(email).sub]
    idp.admin_remove_user_from_group(UserPoolId=pool_id, Username=email, GroupName=high)
    idp.update_group(UserPoolId=pool_id, GroupName=none, Precedence=5)
    assert claims(password_sign_in(idp, cli, email)["AuthenticationResult"]["AccessToken"])["cognito:groups"] == [
        none, low]
    assert idp.list_users_in_group(UserPoolId=pool_id, GroupName=high)["Users"] == []


def test_group_operations_refuse_unknown_groups_and_bad_values(api_pool, idp):
    email = confirmed_user(api_pool, "nogroup")
    with raises_api_error("ResourceNotFoundException", "Group not found."):
        idp.admin_remove_user_from_group(UserPoolId=api_pool.pool_id, Username=email, GroupName="no-such-group")
    with raises_api_error("ResourceNotFoundException", "Group not found."):
        idp.list_users_in_group(UserPoolId=api_pool.pool_id, GroupName="no-such-group")
    with raises_api_error("InvalidParameterException"):
        idp.create_group(UserPoolId=api_pool.pool_id, GroupName="has space")
    with raises_api_error("InvalidParameterException"):
        idp.create_group(UserPoolId=api_pool.pool_id, GroupName=group_name("bad"),
                         RoleArn="not an ARN, but long enough")
