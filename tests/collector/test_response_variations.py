"""Response shapes the emulator never produces: SDK models built with ``from_map``.

A canned transport stands in for :class:`ApiCaller`; the SDK's own response models parse
every body, so the collector sees exactly what the SDK would hand it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from alibabacloud_ims20190815 import models as ims
from alibabacloud_ram20150501 import models as ram

from auditor.collector.account import read_password_policy, read_root, read_root_activity
from auditor.collector.context import RunContext
from auditor.collector.credential_report import ReportKey, ReportRow
from auditor.collector.directory import read_policies, read_roles
from auditor.collector.errors import ApiError
from auditor.collector.report_fetch import CredentialReport, _download
from auditor.collector.users import ListedUser, list_users, users_from_report
from auditor.sections import Section

Reply = dict[str, Any] | Exception | Callable[[Any], dict[str, Any]]

BODIES: dict[str, Any] = {
    "ims:ListUsers": ims.ListUsersResponseBody,
    "ims:ListAccessKeys": ims.ListAccessKeysResponseBody,
    "ims:GetAccessKeyLastUsed": ims.GetAccessKeyLastUsedResponseBody,
    "ims:GetLoginProfile": ims.GetLoginProfileResponseBody,
    "ims:GetUserMFAInfo": ims.GetUserMFAInfoResponseBody,
    "ims:GetCredentialReport": ims.GetCredentialReportResponseBody,
    "ims:GetPasswordPolicy": ims.GetPasswordPolicyResponseBody,
    "ims:GetAccountSecurityPracticeReport": ims.GetAccountSecurityPracticeReportResponseBody,
    "ims:GetAccountMFAInfo": ims.GetAccountMFAInfoResponseBody,
    "ram:ListPolicies": ram.ListPoliciesResponseBody,
    "ram:GetPolicy": ram.GetPolicyResponseBody,
    "ram:ListEntitiesForPolicy": ram.ListEntitiesForPolicyResponseBody,
    "ram:ListRoles": ram.ListRolesResponseBody,
    "ram:GetRole": ram.GetRoleResponseBody,
}


class CannedApi:
    """``call(action, request)`` -> the SDK body model of the next canned reply."""

    def __init__(self, replies: dict[str, list[Reply] | Reply]) -> None:
        self._replies = {k: v if isinstance(v, list) else [v] for k, v in replies.items()}
        self.calls: list[tuple[str, Any]] = []

    def call(self, action: str, request: Any = None) -> Any:
        self.calls.append((action, request))
        queue = self._replies[action]
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if callable(reply) and not isinstance(reply, type):
            reply = reply(request)
        if isinstance(reply, Exception):
            raise reply
        return BODIES[action]().from_map(reply)


def context(replies: dict[str, list[Reply] | Reply]) -> RunContext:
    return RunContext(CannedApi(replies), max_workers=1, on_progress=None)  # type: ignore[arg-type]


def issues(ctx: RunContext) -> list[tuple[Section, str, str, str]]:
    return [(i.section, i.action, i.code, i.permission) for i in ctx.issues]


def gaps(ctx: RunContext) -> dict[str, tuple[str, ...]]:
    """"<type> <name>" -> the facts the issues say are missing (per-resource issues only)."""
    found: dict[str, tuple[str, ...]] = {}
    for issue in ctx.issues:
        if issue.resource is not None:
            key = f"{issue.resource.type} {issue.resource.name}"
            found[key] = tuple(sorted({*found.get(key, ()), *issue.facts}))
    return found


def denied(action: str) -> ApiError:
    return ApiError(action, "NoPermission", "You are not authorized to do this action.")


def gone(action: str) -> ApiError:
    return ApiError(action, "EntityNotExist.User.AccessKey", "The access key does not exist.")


def test_truncated_page_without_marker_is_an_error_not_a_partial_list() -> None:
    page = {"IsTruncated": True, "Users": {"User": [
        {"UserPrincipalName": "a@x.onaliyun.com", "CreateDate": "2025-01-01T00:00:00Z"}]}}
    with pytest.raises(ApiError, match="no new Marker") as info:
        list_users(context({"ims:ListUsers": page}))
    assert info.value.code == "IncompleteResponse"


def test_string_is_truncated_and_missing_wrappers() -> None:
    first = {"IsTruncated": "true", "Marker": "m1", "Users": {"User": [
        {"UserPrincipalName": "a@x.onaliyun.com", "CreateDate": "2025-01-01T00:00:00.5+08:00"}]}}
    ctx = context({"ims:ListUsers": [first, {"IsTruncated": "false"}]})  # no Users wrapper
    (user,) = list_users(ctx)
    assert user.created_at == datetime(2024, 12, 31, 16, 0, 0, 500000, tzinfo=timezone.utc)
    assert [r.marker for _, r in ctx.api.calls] == [None, "m1"]  # type: ignore[attr-defined]


def test_credential_report_truncated_without_token_is_invalid() -> None:
    page = {"Content": base64.b64encode(b"user\n<root>").decode(), "IsTruncated": "true"}
    with pytest.raises(ApiError) as info:
        _download(context({"ims:GetCredentialReport": page}))
    assert info.value.code == "InvalidReport"


def row(user: str, **overrides: Any) -> ReportRow:
    values: dict[str, Any] = {
        "user": user, "created_at": None, "last_logon": None, "last_logon_known": True,
        "password_exist": False, "password_active": None, "mfa_active": False, "keys": (),
    }
    return ReportRow(**(values | overrides))


def test_unreadable_root_logon_is_unknown_not_never() -> None:
    ctx = context({})
    assert read_root_activity(ctx, row("<root>", last_logon_known=False)) is None
    assert issues(ctx) == [
        (Section.ROOT_ACTIVITY, "ims:GetCredentialReport", "IncompleteResponse", "")
    ]


def test_root_key_count_is_not_zero_when_report_key_columns_are_missing() -> None:
    ctx = context({
        "ims:GetAccountSecurityPracticeReport": denied("ims:GetAccountSecurityPracticeReport"),
        "ims:GetAccountMFAInfo": {"IsMFAEnable": "true"},
    })
    root = read_root(ctx, row("<root>", keys=None))
    assert root is not None and (root.access_key_count, root.mfa_bound) == (None, True)
    assert issues(ctx) == [
        (Section.ROOT, "ims:GetAccountSecurityPracticeReport", "NoPermission",
         "ram:GetAccountSecurityPracticeReport"),
        (Section.ROOT, "ims:GetCredentialReport", "IncompleteResponse", ""),
    ]
    assert all(i.kind == "missing" for i in ctx.issues)
    assert "AccessKey count" in ctx.issues[1].message


def test_root_facts_absent_from_every_answer_are_unknown_not_zero() -> None:
    """Answers without the fields (or a negative count) state nothing: no fact, not 0/False."""
    practice = {"AccountSecurityPracticeInfo": {"AccountSecurityPracticeUserInfo": {
        "RootWithAccessKey": -1, "SubUser": 3}}}
    ctx = context({
        "ims:GetAccountSecurityPracticeReport": practice,
        "ims:GetAccountMFAInfo": {"RequestId": "r"},
    })
    assert read_root(ctx, row("<root>", keys=None, mfa_active=None)) is None
    assert [(i.action, i.code, i.kind) for i in ctx.issues] == [
        ("ims:GetAccountSecurityPracticeReport", "IncompleteResponse", "missing"),
        ("ims:GetCredentialReport", "IncompleteResponse", "missing"),
        ("ims:GetAccountMFAInfo", "IncompleteResponse", "missing"),
    ]
    assert "AccessKey count or MFA state" in ctx.issues[0].message


def test_root_facts_prefer_the_live_apis_over_the_report_row() -> None:
    practice = {"AccountSecurityPracticeInfo": {"AccountSecurityPracticeUserInfo": {
        "RootWithAccessKey": 0, "BindMfa": False}}}
    ctx = context({
        "ims:GetAccountSecurityPracticeReport": practice,
        "ims:GetAccountMFAInfo": {"IsMFAEnable": True},
    })
    key = ReportKey(active=False, last_rotated=None, last_used=None)
    root = read_root(ctx, row("<root>", mfa_active=False, keys=(key,)))
    assert root is not None
    assert (root.access_key_count, root.access_key_count_from) == (
        0, "ims:GetAccountSecurityPracticeReport")
    assert (root.mfa_bound, root.mfa_bound_from) == (True, "ims:GetAccountMFAInfo")
    assert ctx.issues == []


def test_password_policy_missing_field_is_none_not_zero() -> None:
    policy = {
        "MinimumPasswordLength": "14", "RequireUppercaseCharacters": "true",
        "RequireLowercaseCharacters": True, "RequireNumbers": True, "RequireSymbols": True,
        "PasswordReusePrevention": 5, "MaxLoginAttemps": 5, "HardExpire": False,
        "MinimumPasswordDifferentCharacter": 4, "PasswordNotContainUserName": True,
    }  # no MaxPasswordAge: 0 would mean "never expires", a CIS v2 pass
    ctx = context({"ims:GetPasswordPolicy": {"PasswordPolicy": policy}})
    read = read_password_policy(ctx)
    assert read is not None
    assert (read.max_age_days, read.minimum_length, read.require_uppercase) == (None, 14, True)
    (issue,) = ctx.issues
    assert (issue.section, issue.action, issue.code, issue.kind) == (
        Section.PASSWORD_POLICY, "ims:GetPasswordPolicy", "IncompleteResponse", "degraded"
    )
    assert issue.message == "no readable value for MaxPasswordAge"
    full = context({"ims:GetPasswordPolicy": {"PasswordPolicy": policy | {"MaxPasswordAge": "90"}}})
    read = read_password_policy(full)
    assert read is not None and (read.max_age_days, read.require_uppercase) == (90, True)
    assert full.issues == []


def test_password_policy_unreadable_values_are_named_in_one_issue() -> None:
    policy = {"MinimumPasswordLength": "n/a", "HardExpire": "maybe", "MaxPasswordAge": 0}
    ctx = context({"ims:GetPasswordPolicy": {"PasswordPolicy": policy}})
    read = read_password_policy(ctx)
    assert read is not None and read.max_age_days == 0
    assert (read.minimum_length, read.hard_expire, read.require_symbols) == (None, None, None)
    (issue,) = ctx.issues
    assert issue.kind == "degraded"
    assert "MinimumPasswordLength" in issue.message and "HardExpire" in issue.message


@pytest.mark.parametrize("body", [{}, {"PasswordPolicy": {}}])
def test_password_policy_without_any_field_is_missing(body: dict[str, Any]) -> None:
    ctx = context({"ims:GetPasswordPolicy": body})
    assert read_password_policy(ctx) is None
    ((section, _, code, _),) = issues(ctx)
    assert (section, code) == (Section.PASSWORD_POLICY, "IncompleteResponse")
    assert [i.kind for i in ctx.issues] == ["missing"]


def test_role_session_duration_is_never_defaulted() -> None:
    listed = {"Roles": {"Role": [
        {"RoleName": "a", "MaxSessionDuration": 43200}, {"RoleName": "b"}]}}

    def get_role(request: Any) -> dict[str, Any]:
        return {"Role": {"RoleName": request.role_name, "AssumeRolePolicyDocument": "{}"}}

    ctx = context({"ram:ListRoles": listed, "ram:GetRole": get_role})
    roles = read_roles(ctx)
    assert roles is not None
    # Role b stays (its other checks still run) but its details are recorded as unknown,
    # so its session-duration result is UNKNOWN rather than a defaulted, compliant 3600 s.
    assert [r.name for r in roles] == ["a", "b"]
    assert roles[0].max_session_duration == 43200
    assert issues(ctx) == [(Section.ROLES, "ram:GetRole", "IncompleteResponse", "")]
    assert gaps(ctx) == {"role b": ("details",)}


POLICIES = {"Policies": {"Policy": [
    {"PolicyName": "AdministratorAccess", "PolicyType": "System"},  # no AttachmentCount
    {"PolicyName": "ReadOnlyAccess", "PolicyType": "System"},
    {"PolicyName": "mine", "PolicyType": "Custom", "AttachmentCount": "1"},
]}}
ADMIN = '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'


def entities(request: Any) -> dict[str, Any]:
    users = [{"UserName": "alice"}] if request.policy_name != "ReadOnlyAccess" else []
    return {"Users": {"User": users}}


def test_policy_without_attachment_count_is_checked_for_attachments() -> None:
    ctx = context({
        "ram:ListPolicies": POLICIES,
        "ram:ListEntitiesForPolicy": entities,
        "ram:GetPolicy": {"Policy": {"PolicyDocument": "N/A"},
                          "DefaultPolicyVersion": {"PolicyDocument": ADMIN}},
    })
    policies = read_policies(ctx)
    assert policies is not None and ctx.issues == []
    assert [(p.name, p.attachment_count, [a.principal_name for a in p.attachments])
            for p in policies] == [("AdministratorAccess", 1, ["alice"]), ("mine", 1, ["alice"])]
    assert all(p.document is not None for p in policies)


def test_denied_or_incomplete_policy_reads_leave_those_policies_facts_unknown() -> None:
    ctx = context({
        "ram:ListPolicies": POLICIES,
        "ram:ListEntitiesForPolicy": denied("ram:ListEntitiesForPolicy"),
        "ram:GetPolicy": {"Policy": {"PolicyDocument": "N/A"}},  # no DefaultPolicyVersion
    })
    policies = read_policies(ctx)
    assert policies is not None
    # Every policy that may be attached is kept, none with a document or attachments that
    # would read as known: the missing facts are issues about each policy.
    assert sorted(p.name for p in policies) == ["AdministratorAccess", "ReadOnlyAccess", "mine"]
    assert all(p.document is None and not p.attachments for p in policies)
    assert gaps(ctx) == {
        "policy AdministratorAccess": ("attachments", "document"),
        "policy ReadOnlyAccess": ("attachments", "document"),
        "policy mine": ("attachments", "document"),
    }
    assert sorted(set(issues(ctx))) == [
        (Section.POLICIES, "ram:GetPolicy", "IncompleteResponse", ""),
        (Section.POLICIES, "ram:ListEntitiesForPolicy", "NoPermission",
         "ram:ListEntitiesForPolicy"),
    ]


ALICE = ListedUser(
    id="1", name="alice", principal_name="alice@x.onaliyun.com", display_name="",
    comments="", created_at=datetime(2024, 1, 1, tzinfo=timezone.utc), last_login_at=None,
)
T1, T2 = "2025-01-01T00:00:00Z", "2025-06-01T00:00:00Z"


def report_for(**overrides: Any) -> CredentialReport:
    from auditor.collector.credential_report import ReportKey

    keys = (
        ReportKey(True, datetime(2025, 1, 1, tzinfo=timezone.utc), None),
        ReportKey(True, datetime(2025, 1, 1, tzinfo=timezone.utc),
                  datetime(2026, 1, 1, tzinfo=timezone.utc)),
    )
    fields = {"keys": keys, "password_exist": True, "password_active": True} | overrides
    return CredentialReport(rows=(row(ALICE.principal_name, **fields),), generated_at=None)


def keys_reply(*keys: tuple[str, str, str | None]) -> dict[str, Any]:
    return {"AccessKeys": {"AccessKey": [
        {"AccessKeyId": i, "CreateDate": c, "Status": s} for i, c, s in keys]}}


def test_keys_with_the_same_creation_time_read_last_use_directly() -> None:
    def last_used(request: Any) -> dict[str, Any]:
        when = {"K1": "-", "K2": "2026-02-02T00:00:00Z"}[request.user_access_key_id]
        return {"AccessKeyLastUsed": {"LastUsedDate": when}}

    ctx = context({
        "ims:ListAccessKeys": keys_reply(("K1", T1, "Active"), ("K2", T1, "Active")),
        "ims:GetAccessKeyLastUsed": last_used,
    })
    (user,) = users_from_report(ctx, [ALICE], report_for())
    assert {k.id: k.last_used_at for k in user.access_keys} == {
        "K1": None, "K2": datetime(2026, 2, 2, tzinfo=timezone.utc)
    }
    assert user.console_access and ctx.issues == []


def test_key_deleted_before_its_last_use_is_read_is_skipped() -> None:
    ctx = context({
        "ims:ListAccessKeys": keys_reply(("K1", T1, "Active"), ("K3", T2, "Inactive")),
        "ims:GetAccessKeyLastUsed": gone("ims:GetAccessKeyLastUsed"),
    })
    report = report_for(keys=report_for().rows[0].keys[:1])  # K3 is newer than the report
    (user,) = users_from_report(ctx, [ALICE], report)
    assert [k.id for k in user.access_keys] == ["K1"] and ctx.issues == []


def test_unknown_key_status_is_an_issue_not_inactive() -> None:
    ctx = context({"ims:ListAccessKeys": keys_reply(("K1", T1, None))})
    report = report_for(keys=report_for().rows[0].keys[:1])
    (alice,) = users_from_report(ctx, [ALICE], report)
    assert alice.access_keys == ()  # unknown, not "no key": the issue says so
    assert issues(ctx) == [(Section.USERS, "ims:ListAccessKeys", "IncompleteResponse", "")]
    assert gaps(ctx) == {"user alice": ("access_keys",)}


def test_incomplete_report_row_is_read_per_user() -> None:
    ctx = context({
        "ims:GetLoginProfile": {"LoginProfile": {"Status": "Active"}},
        "ims:GetUserMFAInfo": {"IsMFAEnable": "true"},
        "ims:ListAccessKeys": keys_reply(),
    })
    (user,) = users_from_report(ctx, [ALICE], report_for(mfa_active=None))
    assert (user.console_access, user.mfa_bound, user.access_keys) == (True, True, ())
    assert sorted(a for a, _ in ctx.api.calls) == [  # type: ignore[attr-defined]
        "ims:GetLoginProfile", "ims:GetUserMFAInfo", "ims:ListAccessKeys"
    ]
