"""JSON API groups: `CreateGroup`, `GetGroup`, `UpdateGroup`, `DeleteGroup`, `ListGroups`, `ListUsersInGroup`,
`AdminAddUserToGroup`, `AdminRemoveUserFromGroup`, `AdminListGroupsForUser`.

A user's groups are in their tokens' `cognito:groups`, lowest `Precedence` first (groups without one last, then
by name), from the next token issued on: tokens already issued keep the groups they were issued with.
"""

from __future__ import annotations

import re
from typing import Any

from local_cognito import accounts
from local_cognito.api_errors import GroupExists, ResourceNotFound, validation_error
from local_cognito.json_api import check_pool, operations, paginate, required
from local_cognito.json_api_admin import admin_user
from local_cognito.store import GroupRecord

LIST_LIMIT = 60
# Cognito's pattern is [\p{L}\p{M}\p{S}\p{N}\p{P}]+ (letters, marks, symbols, numbers, punctuation: no spaces).
GROUP_NAME = re.compile(r"[^\s\x00-\x1f\x7f]{1,128}")
# The API model's pattern for an ARN.
ROLE_ARN = re.compile(r"arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?"
                      r"(:[\w+=/,.@-]+)?")
MAX_PRECEDENCE = 2**31 - 1
MAX_DESCRIPTION = 2048


def describe_group(pool, group: GroupRecord) -> dict[str, Any]:
    description: dict[str, Any] = {"GroupName": group.name, "UserPoolId": pool.pool_id,
                                   "Description": group.description, "LastModifiedDate": group.modified,
                                   "CreationDate": group.created}
    if group.precedence is not None:
        description["Precedence"] = group.precedence
    if group.role_arn:
        description["RoleArn"] = group.role_arn
    return description


def group_name(body: dict[str, Any]) -> str:
    name = required(body, "GroupName")
    if not isinstance(name, str) or not GROUP_NAME.fullmatch(name):
        raise validation_error("groupName", name, r"Member must satisfy regular expression pattern: [\p{L}\p{M}"
                                                  r"\p{S}\p{N}\p{P}]+")
    return name


def existing_group(pool, body: dict[str, Any]) -> GroupRecord:
    check_pool(pool, body)
    group = pool.store.group(group_name(body))
    if group is None:
        raise ResourceNotFound("Group not found.")
    return group


def group_settings(body: dict[str, Any], current: GroupRecord | None = None) -> tuple[str, int | None, str | None]:
    """Description, precedence and role from the request; what it leaves out keeps its current value."""
    description = body.get("Description", current.description if current else "")
    precedence = body.get("Precedence", current.precedence if current else None)
    role_arn = body.get("RoleArn", current.role_arn if current else None)
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise validation_error("description", description, f"Member must have length less than or equal to "
                                                           f"{MAX_DESCRIPTION}")
    if precedence is not None and (not isinstance(precedence, int) or isinstance(precedence, bool)
                                   or not 0 <= precedence <= MAX_PRECEDENCE):
        raise validation_error("precedence", precedence, "Member must have value greater than or equal to 0")
    if role_arn is not None and (not isinstance(role_arn, str) or not ROLE_ARN.fullmatch(role_arn)):
        raise validation_error("roleArn", role_arn, f"Member must satisfy regular expression pattern: "
                                                    f"{ROLE_ARN.pattern}")
    return description, precedence, role_arn


@operations.register("CreateGroup", signed=True)
def create_group(pool, body: dict[str, Any]) -> dict[str, Any]:
    """A new group; `GroupExistsException` if the name is taken."""
    check_pool(pool, body)
    name = group_name(body)
    if not pool.store.ensure_group(name, *group_settings(body)):
        raise GroupExists(f"A group with the name {name} already exists.")
    return {"Group": describe_group(pool, pool.store.group(name))}


@operations.register("GetGroup", signed=True)
def get_group(pool, body: dict[str, Any]) -> dict[str, Any]:
    """A group's description, precedence and role."""
    return {"Group": describe_group(pool, existing_group(pool, body))}


@operations.register("UpdateGroup", signed=True)
def update_group(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Changes what the request names (description, precedence, role) and keeps the rest."""
    group = existing_group(pool, body)
    pool.store.update_group(group.name, *group_settings(body, group))
    return {"Group": describe_group(pool, pool.store.group(group.name) or group)}


@operations.register("DeleteGroup", signed=True)
def delete_group(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Removes the group and every membership in it."""
    pool.store.delete_group(existing_group(pool, body).name)
    return {}


@operations.register("ListGroups", signed=True)
def list_groups(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Every group, by name, `Limit` (at most 60) at a time."""
    check_pool(pool, body)
    return paginate(pool.store.groups(), body, "Groups", lambda group: describe_group(pool, group),
                    limit_member="Limit", maximum=LIST_LIMIT)


@operations.register("ListUsersInGroup", signed=True)
def list_users_in_group(pool, body: dict[str, Any]) -> dict[str, Any]:
    """The group's members, in creation order, `Limit` (at most 60) at a time."""
    group = existing_group(pool, body)
    return paginate(pool.store.group_members(group.name), body, "Users", accounts.user_record, limit_member="Limit",
                    maximum=LIST_LIMIT)


@operations.register("AdminListGroupsForUser", signed=True)
def admin_list_groups_for_user(pool, body: dict[str, Any]) -> dict[str, Any]:
    """The user's groups, in `cognito:groups` order (precedence)."""
    user = admin_user(pool, body)
    groups = [group for group in map(pool.store.group, user.groups) if group is not None]
    return paginate(groups, body, "Groups", lambda group: describe_group(pool, group), limit_member="Limit",
                    maximum=LIST_LIMIT)


@operations.register("AdminAddUserToGroup", signed=True)
def admin_add_user_to_group(pool, body: dict[str, Any]) -> dict[str, Any]:
    """Membership shows in `cognito:groups` of the next tokens issued."""
    user = admin_user(pool, body)
    pool.store.add_to_group(user.sub, existing_group(pool, body).name)
    return {}


@operations.register("AdminRemoveUserFromGroup", signed=True)
def admin_remove_user_from_group(pool, body: dict[str, Any]) -> dict[str, Any]:
    """The next tokens issued no longer name the group."""
    user = admin_user(pool, body)
    pool.store.remove_from_group(user.sub, existing_group(pool, body).name)
    return {}
