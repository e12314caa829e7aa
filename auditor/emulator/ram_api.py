"""RAM 2015-05-01 read APIs: users, groups, policies, roles, credentials, account settings."""

from __future__ import annotations

import json
from typing import Any

from auditor.emulator.account import Attachment, PolicyInfo
from auditor.emulator.context import Call, Handler, registrar
from auditor.emulator.errors import invalid, not_found
from auditor.emulator.paging import paginate
from auditor.emulator.world import AccessKeySpec, GroupSpec, RoleSpec, UserSpec

VERSION = "2015-05-01"
ACTIONS: dict[str, Handler] = {}
action = registrar(ACTIONS)


def _user(call: Call, user: UserSpec, *, last_login: bool = False) -> dict[str, Any]:
    account = call.account
    body = {
        "UserName": user.name, "UserId": account.user_id(user), "DisplayName": user.display_name,
        "Comments": user.comments, "Email": user.email, "MobilePhone": "",
        "CreateDate": account.time(user.created), "UpdateDate": account.time(user.created),
    }
    if last_login and user.last_login:
        body["LastLoginDate"] = account.time(user.last_login)
    return body


def group_body(call: Call, group: GroupSpec) -> dict[str, Any]:
    created = call.account.time(group.created)
    return {"GroupName": group.name, "GroupId": call.account.group_id(group),
            "Comments": group.comments, "CreateDate": created, "UpdateDate": created}


def _role(call: Call, role: RoleSpec) -> dict[str, Any]:
    account = call.account
    created = account.time(role.created)
    return {"RoleName": role.name, "RoleId": account.role_id(role),
            "Arn": account.arn("role", role.name), "Description": role.description,
            "MaxSessionDuration": role.max_session_duration, "AllowConsoleLogin": False,
            "CreateDate": created, "UpdateDate": created}


def _policy(policy: PolicyInfo, attachment_count: int) -> dict[str, Any]:
    return {"PolicyName": policy.name, "PolicyType": policy.type,
            "Description": policy.description, "DefaultVersion": policy.default_version,
            "AttachmentCount": attachment_count, "CreateDate": policy.created,
            "UpdateDate": policy.created}


def _policy_type(call: Call, *, required: bool = True) -> str | None:
    policy_type = call.require("PolicyType") if required else call.get("PolicyType")
    if policy_type not in (None, "System", "Custom"):
        raise invalid("PolicyType", f"{policy_type!r} is not System or Custom")
    return policy_type


def _version(policy: PolicyInfo, version: tuple[str, str, str]) -> dict[str, Any]:
    version_id, document, created = version
    return {"VersionId": version_id, "IsDefaultVersion": version_id == policy.default_version,
            "PolicyDocument": document, "CreateDate": created}


def _attached(call: Call, attachments: list[Attachment]) -> dict[str, Any]:
    rows = []
    for attachment in attachments:
        policy = call.account.policy(attachment.policy.name, attachment.policy.type)
        rows.append({"PolicyName": policy.name, "PolicyType": policy.type,
                     "Description": policy.description, "DefaultVersion": policy.default_version,
                     "AttachDate": attachment.attach_date})
    return {"Policies": {"Policy": rows}}


# -- users and groups ------------------------------------------------------------------
@action("ListUsers")
def list_users(call: Call) -> dict[str, Any]:
    page, paging = paginate(list(call.account.users.values()), call.params, 100, 1000)
    return {"Users": {"User": [_user(call, u) for u in page]}, **paging}


@action("GetUser")
def get_user(call: Call) -> dict[str, Any]:
    user = call.account.user(call.require("UserName"))
    return {"User": _user(call, user, last_login=True)}


@action("ListGroups")
def list_groups(call: Call) -> dict[str, Any]:
    page, paging = paginate(list(call.account.groups.values()), call.params, 100, 100)
    return {"Groups": {"Group": [group_body(call, g) for g in page]}, **paging}


@action("GetGroup")
def get_group(call: Call) -> dict[str, Any]:
    return {"Group": group_body(call, call.account.group(call.require("GroupName")))}


def join_date(call: Call, user: UserSpec, group: GroupSpec) -> str:
    return max(call.account.time(user.created), call.account.time(group.created))


@action("ListGroupsForUser")
def list_groups_for_user(call: Call) -> dict[str, Any]:
    user = call.account.user(call.require("UserName"))
    groups = [call.account.group(name) for name in user.groups]
    rows = [{"GroupName": g.name, "GroupId": call.account.group_id(g), "Comments": g.comments,
             "JoinDate": join_date(call, user, g)} for g in groups]
    return {"Groups": {"Group": rows}}


@action("ListUsersForGroup")
def list_users_for_group(call: Call) -> dict[str, Any]:
    group = call.account.group(call.require("GroupName"))
    page, paging = paginate(call.account.members[group.name], call.params, 100, 1000)
    rows = [{"UserName": u.name, "DisplayName": u.display_name,
             "JoinDate": join_date(call, u, group)} for u in page]
    return {"Users": {"User": rows}, **paging}


# -- policies ------------------------------------------------------------------------------
@action("ListPolicies")
def list_policies(call: Call) -> dict[str, Any]:
    policy_type = _policy_type(call, required=False)
    account = call.account
    policies = [p for p in account.policies.values() if policy_type in (None, p.type)]
    page, paging = paginate(policies, call.params, 100, 1000)
    rows = [_policy(p, len(account.attachments_to(p))) for p in page]
    return {"Policies": {"Policy": rows}, **paging}


@action("GetPolicy")
def get_policy(call: Call) -> dict[str, Any]:
    policy = call.account.policy(call.require("PolicyName"), str(_policy_type(call)))
    body = _policy(policy, len(call.account.attachments_to(policy)))
    body["PolicyDocument"] = "N/A"  # deprecated field; documented as answering N/A
    default = next(v for v in policy.versions if v[0] == policy.default_version)
    return {"Policy": body, "DefaultPolicyVersion": _version(policy, default)}


@action("GetPolicyVersion")
def get_policy_version(call: Call) -> dict[str, Any]:
    policy = call.account.policy(call.require("PolicyName"), str(_policy_type(call)))
    version_id = call.require("VersionId")
    for version in policy.versions:
        if version[0] == version_id:
            return {"PolicyVersion": _version(policy, version)}
    raise not_found("PolicyVersion", f"{policy.name}:{version_id}")


@action("ListPolicyVersions")
def list_policy_versions(call: Call) -> dict[str, Any]:
    policy = call.account.policy(call.require("PolicyName"), str(_policy_type(call)))
    return {"PolicyVersions": {"PolicyVersion": [_version(policy, v) for v in policy.versions]}}


@action("ListPoliciesForUser")
def list_policies_for_user(call: Call) -> dict[str, Any]:
    user = call.account.user(call.require("UserName"))
    return _attached(call, call.account.attachments_of("User", user.name))


@action("ListPoliciesForGroup")
def list_policies_for_group(call: Call) -> dict[str, Any]:
    group = call.account.group(call.require("GroupName"))
    return _attached(call, call.account.attachments_of("Group", group.name))


@action("ListPoliciesForRole")
def list_policies_for_role(call: Call) -> dict[str, Any]:
    role = call.account.role(call.require("RoleName"))
    return _attached(call, call.account.attachments_of("Role", role.name))


@action("ListEntitiesForPolicy")
def list_entities_for_policy(call: Call) -> dict[str, Any]:
    account = call.account
    policy = account.policy(call.require("PolicyName"), str(_policy_type(call)))
    users, groups, roles = [], [], []
    for attachment in account.attachments_to(policy):
        if attachment.kind == "User":
            user = account.users[attachment.principal]
            users.append({"UserName": user.name, "UserId": account.user_id(user),
                          "DisplayName": user.display_name, "AttachDate": attachment.attach_date})
        elif attachment.kind == "Group":
            group = account.groups[attachment.principal]
            groups.append({"GroupName": group.name, "Comments": group.comments,
                           "AttachDate": attachment.attach_date})
        else:
            role = account.roles[attachment.principal]
            roles.append({"RoleName": role.name, "RoleId": account.role_id(role),
                          "Arn": account.arn("role", role.name), "Description": role.description,
                          "AttachDate": attachment.attach_date})
    return {"Users": {"User": users}, "Groups": {"Group": groups}, "Roles": {"Role": roles}}


# -- roles ---------------------------------------------------------------------------------
@action("ListRoles")
def list_roles(call: Call) -> dict[str, Any]:
    page, paging = paginate(list(call.account.roles.values()), call.params, 100, 1000)
    return {"Roles": {"Role": [_role(call, r) for r in page]}, **paging}


@action("GetRole")
def get_role(call: Call) -> dict[str, Any]:
    role = call.account.role(call.require("RoleName"))
    body = _role(call, role)
    body["AssumeRolePolicyDocument"] = json.dumps(role.trust_policy)
    body["IsServiceLinkedRole"] = role.service_linked
    body["RolePrincipalName"] = f"{role.name}@role.{call.account.alias}.onaliyunservice.com"
    return {"Role": body}


# -- account settings ----------------------------------------------------------------------
@action("GetPasswordPolicy")
def get_password_policy(call: Call) -> dict[str, Any]:
    p = call.account.world.password_policy
    return {"PasswordPolicy": {
        "MinimumPasswordLength": p.minimum_password_length,
        "RequireUppercaseCharacters": p.require_uppercase_characters,
        "RequireLowercaseCharacters": p.require_lowercase_characters,
        "RequireNumbers": p.require_numbers, "RequireSymbols": p.require_symbols,
        "PasswordReusePrevention": p.password_reuse_prevention,
        "MaxPasswordAge": p.max_password_age, "MaxLoginAttemps": p.max_login_attemps,
        "HardExpiry": p.hard_expire,
    }}


@action("GetSecurityPreference")
def get_security_preference(call: Call) -> dict[str, Any]:
    s = call.account.world.security_preference
    return {"SecurityPreference": {
        "AccessKeyPreference": {"AllowUserToManageAccessKeys": s.allow_user_to_manage_access_keys},
        "LoginProfilePreference": {
            "AllowUserToChangePassword": s.allow_user_to_change_password,
            "EnableSaveMFATicket": s.enable_save_mfa_ticket,
            "LoginNetworkMasks": s.login_network_masks,
            "LoginSessionDuration": s.login_session_duration,
        },
        "MFAPreference": {"AllowUserToManageMFADevices": s.allow_user_to_manage_mfa_devices},
        "PublicKeyPreference": {"AllowUserToManagePublicKeys": False},
    }}


@action("GetAccountAlias")
def get_account_alias(call: Call) -> dict[str, Any]:
    return {"AccountAlias": call.account.alias}


# -- credentials -----------------------------------------------------------------------------
def _keys_of(call: Call, user_name: str | None) -> list[AccessKeySpec]:
    """The keys of ``user_name``, or of the caller itself when no user is named."""
    if user_name:
        return list(call.account.user(user_name).access_keys)
    if call.caller.user is not None:
        return list(call.caller.user.access_keys)
    return list(call.account.world.root.access_keys)


@action("ListAccessKeys")
def list_access_keys(call: Call) -> dict[str, Any]:
    keys = _keys_of(call, call.get("UserName"))
    rows = [{"AccessKeyId": k.id, "Status": k.status, "CreateDate": call.account.time(k.created)}
            for k in keys]
    return {"AccessKeys": {"AccessKey": rows}}


@action("GetAccessKeyLastUsed")
def get_access_key_last_used(call: Call) -> dict[str, Any]:
    key_id = call.require("UserAccessKeyId")
    key = next((k for k in _keys_of(call, call.get("UserName")) if k.id == key_id), None)
    if key is None:
        raise not_found("User.AccessKey", key_id)
    used = call.account.opt_time(key.last_used)
    return {"AccessKeyLastUsed": {"LastUsedDate": used} if used else {}}


@action("GetLoginProfile")
def get_login_profile(call: Call) -> dict[str, Any]:
    user = call.account.user(call.require("UserName"))
    profile = user.login_profile
    if profile is None:
        raise not_found("User.LoginProfile", user.name)
    return {"LoginProfile": {
        "UserName": user.name, "MFABindRequired": profile.mfa_bind_required,
        "PasswordResetRequired": profile.password_reset_required,
        "CreateDate": call.account.time(profile.created or user.created),
    }}


def mfa_serial(call: Call, user: UserSpec) -> str:
    return f"acs:ram::{call.account.id}:mfa/{user.name}"


@action("GetUserMFAInfo")
def get_user_mfa_info(call: Call) -> dict[str, Any]:
    user = call.account.user(call.require("UserName"))
    if user.mfa_device is None:
        raise not_found("User.MFADevice", user.name)
    return {"MFADevice": {"SerialNumber": mfa_serial(call, user), "Type": user.mfa_device.type}}


def virtual_mfa_users(call: Call) -> list[UserSpec]:
    return [u for u in call.account.users.values()
            if u.mfa_device is not None and u.mfa_device.type == "VMFA"]


def mfa_activate_date(call: Call, user: UserSpec) -> str:
    assert user.mfa_device is not None
    return call.account.time(user.mfa_device.activated or user.created)


@action("ListVirtualMFADevices")
def list_virtual_mfa_devices(call: Call) -> dict[str, Any]:
    rows = [{"SerialNumber": mfa_serial(call, u), "ActivateDate": mfa_activate_date(call, u),
             "User": {"UserName": u.name, "UserId": call.account.user_id(u),
                      "DisplayName": u.display_name}}
            for u in virtual_mfa_users(call)]
    return {"VirtualMFADevices": {"VirtualMFADevice": rows}}
