"""IMS 2019-08-15 read APIs: users by principal name, account-level reports and settings, SSO."""

from __future__ import annotations

import base64
from typing import Any

import auditor.emulator.ram_api as ram_api
from auditor.emulator.context import Call, Handler, registrar
from auditor.emulator.errors import ApiError, invalid, not_found
from auditor.emulator.paging import paginate
from auditor.emulator.world import UserSpec, resolve_time

VERSION = "2019-08-15"
ACTIONS: dict[str, Handler] = {}
action = registrar(ACTIONS)
_OLD_KEY_DAYS = 90


def _user(call: Call, user: UserSpec) -> dict[str, Any]:
    account = call.account
    body = {
        "UserPrincipalName": account.upn(user), "UserId": account.user_id(user),
        "DisplayName": user.display_name, "Comments": user.comments, "Email": user.email,
        "MobilePhone": "", "ProvisionType": "Manual", "Status": user.status,
        "CreateDate": account.time(user.created), "UpdateDate": account.time(user.created),
    }
    if user.last_login:
        body["LastLoginDate"] = account.time(user.last_login)
    return body


def _principal(call: Call) -> UserSpec:
    return call.account.user_by_upn(call.require("UserPrincipalName"))


_STATUSES = frozenset({"active", "freeze"})


def _listed(call: Call) -> list[UserSpec]:
    """The users a ListUsers/ListUserBasicInfos ``Status`` selects.

    ``active`` (the default), ``freeze`` or ``active,freeze``; with a ``Tag`` filter both
    states are listed (the emulator keeps no user tags, so Tag itself filters nothing).
    """
    users = list(call.account.users.values())
    if any(name.startswith("Tag.") for name in call.params):
        return users
    raw = call.get("Status") or "active"
    wanted = {part.strip() for part in raw.split(",")}
    if not wanted <= _STATUSES:
        raise invalid("Status", f"{raw!r}: use active, freeze or active,freeze")
    return [u for u in users if u.status in wanted]


# -- users and groups ------------------------------------------------------------------
@action("ListUsers")
def list_users(call: Call) -> dict[str, Any]:
    page, paging = paginate(_listed(call), call.params, 1000, 1000)
    return {"Users": {"User": [_user(call, u) for u in page]}, **paging}


@action("GetUser")
def get_user(call: Call) -> dict[str, Any]:
    account = call.account
    given = [n for n in ("UserPrincipalName", "UserId", "UserAccessKeyId") if call.get(n)]
    if len(given) != 1:
        raise ApiError("InvalidParameter", 400,
                       "Specify exactly one of UserPrincipalName, UserId and UserAccessKeyId.")
    if given[0] == "UserPrincipalName":
        user = _principal(call)
    elif given[0] == "UserId":
        user = account.user_by_id(call.require("UserId"))
    else:
        owner = account.key_owner(call.require("UserAccessKeyId"))
        if owner is None or owner[0] is None:
            raise not_found("User", call.require("UserAccessKeyId"))
        user = owner[0]
    body = {**_user(call, user), "UserName": user.name}
    del body["Status"]  # ListUsers reports Status; GetUser does not
    return {"User": body}


@action("ListUserBasicInfos")
def list_user_basic_infos(call: Call) -> dict[str, Any]:
    page, paging = paginate(_listed(call), call.params, 100, 1000)
    rows = [{"UserPrincipalName": call.account.upn(u), "UserId": call.account.user_id(u),
             "DisplayName": u.display_name, "Status": u.status} for u in page]
    return {"UserBasicInfos": {"UserBasicInfo": rows}, **paging}


@action("ListGroups")
def list_groups(call: Call) -> dict[str, Any]:
    page, paging = paginate(list(call.account.groups.values()), call.params, 100, 100)
    rows = [{**ram_api.group_body(call, g), "DisplayName": g.name} for g in page]
    return {"Groups": {"Group": rows}, **paging}


@action("GetGroup")
def get_group(call: Call) -> dict[str, Any]:
    group = call.account.group(call.require("GroupName"))
    return {"Group": {**ram_api.group_body(call, group), "DisplayName": group.name}}


@action("ListGroupsForUser")
def list_groups_for_user(call: Call) -> dict[str, Any]:
    user = _principal(call)
    groups = [call.account.group(name) for name in user.groups]
    rows = [{"GroupName": g.name, "GroupId": call.account.group_id(g), "DisplayName": g.name,
             "Comments": g.comments, "JoinDate": ram_api.join_date(call, user, g)}
            for g in groups]
    return {"Groups": {"Group": rows}}


@action("ListUsersForGroup")
def list_users_for_group(call: Call) -> dict[str, Any]:
    group = call.account.group(call.require("GroupName"))
    page, paging = paginate(call.account.members[group.name], call.params, 100, 100)
    rows = [{"UserPrincipalName": call.account.upn(u), "UserId": call.account.user_id(u),
             "DisplayName": u.display_name, "JoinDate": ram_api.join_date(call, u, group)}
            for u in page]
    return {"Users": {"User": rows}, **paging}


# -- credentials -----------------------------------------------------------------------
@action("ListAccessKeys")
def list_access_keys(call: Call) -> dict[str, Any]:
    upn = call.get("UserPrincipalName")
    if upn:
        keys = list(call.account.user_by_upn(upn).access_keys)
    elif call.caller.user is not None:
        keys = list(call.caller.user.access_keys)
    else:
        keys = list(call.account.world.root.access_keys)
    rows = []
    for key in keys:
        created = call.account.time(key.created)
        rows.append({"AccessKeyId": key.id, "Status": key.status, "CreateDate": created,
                     "UpdateDate": created})
    return {"AccessKeys": {"AccessKey": rows}}


@action("GetAccessKeyLastUsed")
def get_access_key_last_used(call: Call) -> dict[str, Any]:
    key_id = call.require("UserAccessKeyId")
    owner = call.account.key_owner(key_id)
    upn = call.get("UserPrincipalName")
    if owner is None or (upn and (owner[0] is None or call.account.upn(owner[0]) != upn)):
        raise not_found("User.AccessKey", key_id)
    used = call.account.opt_time(owner[1].last_used)
    return {"AccessKeyLastUsed": {"LastUsedDate": used, "ServiceName": "ecs"} if used else {}}


@action("GetLoginProfile")
def get_login_profile(call: Call) -> dict[str, Any]:
    user = _principal(call)
    profile = user.login_profile
    if profile is None:
        raise not_found("User.LoginProfile", call.account.upn(user))
    body = {
        "UserPrincipalName": call.account.upn(user), "Status": profile.status,
        "MFABindRequired": profile.mfa_bind_required,
        "PasswordResetRequired": profile.password_reset_required,
        "UpdateDate": call.account.time(profile.created or user.created),
    }
    if user.last_login:
        body["LastLoginTime"] = call.account.time(user.last_login)
    return {"LoginProfile": body}


@action("GetUserMFAInfo")
def get_user_mfa_info(call: Call) -> dict[str, Any]:
    user = _principal(call)
    if user.mfa_device is None:
        raise not_found("User.MFADevice", call.account.upn(user))
    device = {"SerialNumber": ram_api.mfa_serial(call, user), "Type": user.mfa_device.type}
    return {"IsMFAEnable": True, "MFADevice": device}


@action("ListVirtualMFADevices")
def list_virtual_mfa_devices(call: Call) -> dict[str, Any]:
    page, paging = paginate(ram_api.virtual_mfa_users(call), call.params, 100, 100)
    rows = [{"SerialNumber": ram_api.mfa_serial(call, u),
             "ActivateDate": ram_api.mfa_activate_date(call, u),
             "User": {"UserPrincipalName": call.account.upn(u),
                      "UserId": call.account.user_id(u), "DisplayName": u.display_name}}
            for u in page]
    return {"VirtualMFADevices": {"VirtualMFADevice": rows}, **paging}


# -- account settings ----------------------------------------------------------------------
@action("GetPasswordPolicy")
def get_password_policy(call: Call) -> dict[str, Any]:
    p = call.account.world.password_policy
    ram = ram_api.get_password_policy(call)["PasswordPolicy"]
    del ram["HardExpiry"]
    return {"PasswordPolicy": {
        **ram, "HardExpire": p.hard_expire, "InitialPasswordAge": p.initial_password_age,
        "MinimumPasswordDifferentCharacter": p.minimum_password_different_character,
        "PasswordNotContainUserName": p.password_not_contain_user_name,
        "InterceptRiskPasswordOnApi": False,
    }}


@action("GetSecurityPreference")
def get_security_preference(call: Call) -> dict[str, Any]:
    s = call.account.world.security_preference
    return {"SecurityPreference": {
        "AccessKeyPreference": {
            "AllowUserToManageAccessKeys": s.allow_user_to_manage_access_keys,
            "AllowUserToManageServiceCredentials": False,
        },
        "LoginProfilePreference": {
            "AllowUserToChangePassword": s.allow_user_to_change_password,
            "AllowUserToLoginWithPasskey": True,
            "EnableSaveMFATicket": s.enable_save_mfa_ticket,
            "LoginNetworkMasks": s.login_network_masks,
            "LoginSessionDuration": s.login_session_duration,
            "MFAOperationForLogin": s.mfa_operation_for_login,
            "OperationForRiskLogin": s.operation_for_risk_login,
        },
        "MFAPreference": {"AllowUserToManageMFADevices": s.allow_user_to_manage_mfa_devices},
        "MaxIdleDays": {"MaxIdleDaysForAccessKeys": s.max_idle_days_for_access_keys,
                        "MaxIdleDaysForUsers": s.max_idle_days_for_users},
        "PersonalInfoPreference": {"AllowUserToManagePersonalDingTalk": True},
        "VerificationPreference": {"VerificationTypes": ["sms", "email"]},
    }}


@action("GetDefaultDomain")
def get_default_domain(call: Call) -> dict[str, Any]:
    return {"DefaultDomainName": call.account.domain}


# -- SSO -----------------------------------------------------------------------------------
@action("GetUserSsoSettings")
def get_user_sso_settings(call: Call) -> dict[str, Any]:
    sso = call.account.world.sso
    return {"UserSsoSettings": {
        "SsoEnabled": sso.enabled, "AuthnSignAlgo": sso.authn_sign_algo,
        "AuxiliaryDomain": sso.auxiliary_domain, "MetadataDocument": sso.metadata_document,
        "SsoLoginWithDomain": False,
    }}


def _saml(call: Call, name: str) -> dict[str, Any]:
    spec = next((p for p in call.account.world.saml_providers if p.name == name), None)
    if spec is None:
        raise not_found("SAMLProvider", name)
    created = call.account.time(spec.created)
    return {"SAMLProviderName": spec.name, "Arn": call.account.arn("saml-provider", spec.name),
            "Description": spec.description, "CreateDate": created, "UpdateDate": created}


@action("ListSAMLProviders")
def list_saml_providers(call: Call) -> dict[str, Any]:
    names = [p.name for p in call.account.world.saml_providers]
    page, paging = paginate(names, call.params, 100, 100)
    return {"SAMLProviders": {"SAMLProvider": [_saml(call, n) for n in page]}, **paging}


@action("GetSAMLProvider")
def get_saml_provider(call: Call) -> dict[str, Any]:
    body = _saml(call, call.require("SAMLProviderName"))
    spec = next(p for p in call.account.world.saml_providers if p.name == body["SAMLProviderName"])
    metadata = (f'<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" '
                f'entityID="https://idp.example.com/{spec.name}"/>')
    body["AuthnSignAlgo"] = spec.authn_sign_algo
    body["EncodedSAMLMetadataDocument"] = base64.b64encode(metadata.encode()).decode()
    return {"SAMLProvider": body}


def _oidc(call: Call, name: str) -> dict[str, Any]:
    spec = next((p for p in call.account.world.oidc_providers if p.name == name), None)
    if spec is None:
        raise not_found("OIDCProvider", name)
    created = call.account.time(spec.created)
    return {"OIDCProviderName": spec.name, "Arn": call.account.arn("oidc-provider", spec.name),
            "IssuerUrl": spec.issuer_url, "ClientIds": ",".join(spec.client_ids),
            "Fingerprints": ",".join(spec.fingerprints), "Description": spec.description,
            "IssuanceLimitTime": 12, "CreateDate": created, "UpdateDate": created,
            "GmtCreate": created, "GmtModified": created}


@action("ListOIDCProviders")
def list_oidc_providers(call: Call) -> dict[str, Any]:
    names = [p.name for p in call.account.world.oidc_providers]
    page, paging = paginate(names, call.params, 100, 100)
    return {"OIDCProviders": {"OIDCProvider": [_oidc(call, n) for n in page]}, **paging}


@action("GetOIDCProvider")
def get_oidc_provider(call: Call) -> dict[str, Any]:
    return {"OIDCProvider": _oidc(call, call.require("OIDCProviderName"))}


# -- account-level reports -------------------------------------------------------------------
@action("GenerateCredentialReport")
def generate_credential_report(call: Call) -> dict[str, Any]:
    return {"State": call.report.generate()}


@action("GetCredentialReport")
def get_credential_report(call: Call) -> dict[str, Any]:
    return call.report.page(call.get("MaxItems"), call.get("NextToken"))


@action("GetAccountMFAInfo")
def get_account_mfa_info(call: Call) -> dict[str, Any]:
    return {"IsMFAEnable": call.account.world.root.mfa_bound}


def _password_level(call: Call) -> str:
    p = call.account.world.password_policy
    classes = sum([p.require_uppercase_characters, p.require_lowercase_characters,
                   p.require_numbers, p.require_symbols])
    if p.minimum_password_length >= 12 and classes >= 3:
        return "high"
    return "mid" if p.minimum_password_length >= 10 or classes >= 2 else "low"


@action("GetAccountSecurityPracticeReport")
def get_account_security_practice_report(call: Call) -> dict[str, Any]:
    """Old keys are older than 90 days; unused keys were never used."""
    account = call.account
    users = list(account.users.values())
    old_by_user = [
        [k for k in u.access_keys
         if (account.now - resolve_time(k.created, account.now)).days > _OLD_KEY_DAYS]
        for u in users
    ]
    unused_by_user = [[k for k in u.access_keys if k.last_used is None] for u in users]
    root = account.world.root
    info = {
        "BindMfa": root.mfa_bound, "RootWithAccessKey": len(root.access_keys),
        "SubUser": len(users), "SubUserBindMfa": sum(u.mfa_device is not None for u in users),
        "SubUserPwdLevel": _password_level(call),
        "SubUserWithOldAccessKey": sum(bool(keys) for keys in old_by_user),
        "OldAkNum": sum(len(keys) for keys in old_by_user),
        "SubUserWithUnusedAccessKey": sum(bool(keys) for keys in unused_by_user),
        "UnusedAkNum": sum(len(keys) for keys in unused_by_user),
    }
    score = 100 - 30 * (not root.mfa_bound) - 30 * bool(root.access_keys)
    score -= 10 * (info["SubUserPwdLevel"] == "low") + 10 * bool(info["OldAkNum"])
    return {"AccountSecurityPracticeInfo": {"Score": max(score, 0),
                                            "AccountSecurityPracticeUserInfo": info}}


@action("GetAccountSummary")
def get_account_summary(call: Call) -> dict[str, Any]:
    world = call.account.world
    mfa_users = [u for u in world.users if u.mfa_device is not None]
    return {"SummaryMap": {
        "Users": len(world.users), "UsersQuota": 1000, "Groups": len(world.groups),
        "GroupsQuota": 50, "Roles": len(world.roles), "RolesQuota": 1000,
        "Policies": len(world.policies), "PoliciesQuota": 1500,
        "MFADevices": len(mfa_users), "MFADevicesInUse": len(mfa_users),
        "VirtualMFADevicesQuota": 1000, "AccessKeysPerUserQuota": 2,
        "AccountAccessKeysPerAccountQuota": 5, "AttachedPoliciesPerUserQuota": 5,
        "AttachedPoliciesPerGroupQuota": 5, "AttachedPoliciesPerRoleQuota": 5,
        "AttachedSystemPoliciesPerUserQuota": 20, "AttachedSystemPoliciesPerGroupQuota": 20,
        "AttachedSystemPoliciesPerRoleQuota": 20, "GroupsPerUserQuota": 5,
        "VersionsPerPolicyQuota": 5, "PolicySizeQuota": 6144,
        "AuthorizedClientPerUserQuota": 0, "ConditionsPerAKPolicyQuota": 0,
        "IPItemsPerAKPolicyQuota": 0, "ServiceCredentialsPerUserPerServiceQuota": 0,
    }}
