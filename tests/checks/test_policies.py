"""Custom-policy checks."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.check import Check
from auditor.findings import Status
from auditor.snapshot import Policy, PolicyAttachment
from auditor.testing import assert_by_prefix, make_snapshot, run_check, statuses
from checks.policies import (
    PolicyCustomUnused,
    PolicyNoAllowNotAction,
    PolicyNoFullAdmin,
    PolicyNoPrivilegeEscalation,
    PolicySensitiveActionsConditioned,
)

ALL_CHECKS = (
    PolicyNoFullAdmin,
    PolicyNoAllowNotAction,
    PolicyNoPrivilegeEscalation,
    PolicyCustomUnused,
    PolicySensitiveActionsConditioned,
)


def policy(
    name: str, *statements: dict[str, Any], attached_to: tuple[tuple[str, str], ...] = ()
) -> Policy:
    return Policy(
        name=name,
        type="Custom",
        default_version="v1",
        document={"Version": "1", "Statement": list(statements)},
        attachment_count=len(attached_to),
        attachments=tuple(
            PolicyAttachment(principal_type=kind, principal_name=who)  # type: ignore[arg-type]
            for kind, who in attached_to
        ),
    )


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_policy_no_full_admin() -> None:
    snap = make_snapshot(
        policies=[
            policy("fail_star", allow("*"), attached_to=(("user", "alice"), ("group", "ops"))),
            policy("fail_star_colon_star", allow("*:*")),
            policy("pass_service_wide", allow("ecs:*")),
            policy("pass_not_action", {"Effect": "Allow", "NotAction": "ram:*", "Resource": "*"}),
            policy("pass_star_on_one_bucket", allow("*", "acs:oss:*:*:bucket/logs")),
            policy("pass_deny_all", {"Effect": "Deny", "Action": "*", "Resource": "*"}),
            # System policies are not this check's business, even AdministratorAccess.
            Policy(name="AdministratorAccess", type="System", attachment_count=1),
        ]
    )
    findings = run_check(PolicyNoFullAdmin, snap)
    assert_by_prefix(findings)
    assert "AdministratorAccess" not in statuses(findings)
    messages = {f.resource.name: f.message for f in findings}
    assert "attached to user alice, group ops" in messages["fail_star"]
    assert "not attached to anything" in messages["fail_star_colon_star"]


def test_policy_no_allow_not_action() -> None:
    snap = make_snapshot(
        policies=[
            policy("fail_not_action", {"Effect": "Allow", "NotAction": "ram:*", "Resource": "*"}),
            policy(
                "fail_not_resource",
                {"Effect": "Allow", "Action": "oss:*", "NotResource": "acs:oss:*:*:secret/*"},
            ),
            policy("pass_deny_not_action", {"Effect": "Deny", "NotAction": "ecs:*",
                                            "Resource": "*"}),
            policy("pass_plain", allow("ecs:Describe*")),
        ]
    )
    findings = run_check(PolicyNoAllowNotAction, snap)
    assert_by_prefix(findings)
    messages = {f.resource.name: f.message for f in findings}
    assert "NotResource" in messages["fail_not_resource"]


@pytest.mark.parametrize(
    "action",
    [
        "ram:CreatePolicyVersion",
        "ram:SetDefaultPolicyVersion",
        "ram:AttachPolicyToUser",
        "ram:AttachPolicyToGroup",
        "ram:AttachPolicyToRole",
        "ram:CreateAccessKey",
        "ram:CreateLoginProfile",
        "ram:UpdateLoginProfile",
        "ram:AddUserToGroup",
        "ram:UpdateRole",
        "ram:*",
    ],
)
def test_policy_no_privilege_escalation_each_action(action: str) -> None:
    snap = make_snapshot(policies=[policy("fail_escalates", allow(action))])
    (finding,) = run_check(PolicyNoPrivilegeEscalation, snap)
    assert finding.status is Status.FAIL
    assert action in finding.message


def test_policy_no_privilege_escalation() -> None:
    snap = make_snapshot(
        policies=[
            policy("fail_attach_on_all_users", allow("ram:AttachPolicyToUser",
                                                     "acs:ram:*:*:user/*")),
            policy("fail_create_role_and_assume", allow(["ram:CreateRole", "sts:AssumeRole"])),
            policy("pass_create_role_only", allow("ram:CreateRole")),
            policy("pass_one_user", allow("ram:CreateAccessKey", "acs:ram::1:user/ci-bot")),
            policy("pass_read_only", allow(["ram:Get*", "ram:List*"])),
            policy("admin_is_skipped", allow("*")),
        ]
    )
    findings = run_check(PolicyNoPrivilegeEscalation, snap)
    assert_by_prefix(findings)
    assert "admin_is_skipped" not in statuses(findings)


def test_policy_no_privilege_escalation_respects_unconditioned_deny() -> None:
    fence = {"Effect": "Deny", "Resource": "*", "Action": [
        "ram:AttachPolicyTo*", "ram:CreatePolicyVersion", "ram:SetDefaultPolicyVersion",
        "ram:CreateAccessKey", "ram:CreateLoginProfile", "ram:UpdateLoginProfile",
        "ram:AddUserToGroup", "ram:UpdateRole"]}
    partial = {"Effect": "Deny", "Resource": "*", "Action": "ram:AttachPolicyTo*"}
    conditioned = {**fence, "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}
    snap = make_snapshot(
        policies=[
            policy("pass_ram_admin_fenced_by_deny", allow("ram:*"), fence),
            policy("fail_ram_star_partly_denied", allow("ram:*"), partial),
            policy("fail_deny_only_under_condition", allow("ram:*"), conditioned),
        ]
    )
    findings = run_check(PolicyNoPrivilegeEscalation, snap)
    assert_by_prefix(findings)
    messages = {f.resource.name: f.message for f in findings}
    partly = messages["fail_ram_star_partly_denied"]
    assert "ram:* except denied actions" in partly and "ram:CreateAccessKey" in partly
    assert "AttachPolicyTo" not in partly
    assert "through ram:* on" in messages["fail_deny_only_under_condition"]


def test_policy_custom_unused() -> None:
    snap = make_snapshot(
        policies=[
            policy("fail_orphan", allow("ecs:Describe*")),
            policy("pass_used", allow("ecs:Describe*"), attached_to=(("role", "app"),)),
            Policy(name="AliyunECSReadOnlyAccess", type="System", attachment_count=1),
        ]
    )
    assert_by_prefix(run_check(PolicyCustomUnused, snap))


def deny_outside(action: str) -> dict[str, Any]:
    """Deny ``action`` on everything from outside the office network."""
    return {"Effect": "Deny", "Action": action, "Resource": "*",
            "Condition": {"NotIpAddress": {"acs:SourceIp": ["203.0.113.0/24"]}}}


def test_policy_sensitive_actions_conditioned() -> None:
    ip_only = {"IpAddress": {"acs:SourceIp": ["203.0.113.0/24"]}}
    snap = make_snapshot(
        policies=[
            policy("fail_write_everywhere", allow(["ecs:Describe*", "ecs:DeleteInstance"])),
            policy("fail_not_action", {"Effect": "Allow", "NotAction": "ram:*",
                                       "Resource": "*"}),
            policy("pass_conditioned", allow("ecs:*", Condition=ip_only)),
            policy("pass_read_only", allow(["ecs:Describe*", "oss:Get*", "rds:List*"])),
            policy("pass_scoped", allow("oss:PutObject", "acs:oss:*:*:uploads/*")),
            # A conditioned Deny covering the grant conditions it (deny outside the office).
            policy("pass_deny_guard", allow("ecs:*"), deny_outside("*")),
            policy("pass_deny_guard_service", allow("ecs:Start*"), deny_outside("ecs:*")),
            policy("fail_deny_guard_other_service", allow("ecs:*"), deny_outside("oss:*")),
            policy("fail_deny_guard_unconditioned", allow("ecs:*"), {**deny_outside("*"),
                                                                     "Condition": {}}),
            policy("fail_deny_guard_scoped", allow("ecs:*"), {**deny_outside("*"),
                                                              "Resource": "acs:ecs:*:*:*"}),
            policy("fail_deny_guard_not_action", {"Effect": "Allow", "NotAction": "ram:*",
                                                  "Resource": "*"}, deny_outside("N*:*")),
        ]
    )
    findings = run_check(PolicySensitiveActionsConditioned, snap)
    assert_by_prefix(findings)
    messages = {f.resource.name: f.message for f in findings}
    assert "ecs:DeleteInstance" in messages["fail_write_everywhere"]
    assert "Describe" not in messages["fail_write_everywhere"]


@pytest.mark.parametrize("check", ALL_CHECKS)
def test_unreadable_document_is_unknown(check: type[Check]) -> None:
    broken = Policy(name="broken", type="Custom", document_text="{not json", document=None)
    snap = make_snapshot(policies=[broken])
    findings = run_check(check, snap)
    if check is PolicyCustomUnused:  # needs no document
        assert [f.status for f in findings] == [Status.FAIL]
    else:
        assert [f.status for f in findings] == [Status.UNKNOWN]
        assert "not valid JSON" in findings[0].message


@pytest.mark.parametrize("check", ALL_CHECKS)
def test_no_custom_policy_is_not_applicable(check: type[Check]) -> None:
    snap = make_snapshot(policies=[Policy(name="ReadOnlyAccess", type="System")])
    (finding,) = run_check(check, snap)
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.resource.type == "account"


def _catalogue_cases() -> list:
    """Cases for tests/checks/test_catalogue_cases.py: resources named for their status."""
    from auditor.testing import Case

    not_action = {"Effect": "Allow", "NotAction": "ram:*", "Resource": "*"}
    broken = Policy(name="unknown_broken", type="Custom", document_text="{not json",
                    document=None)
    only_system = make_snapshot(alias="na_no_custom_policy",
                                policies=[Policy(name="ReadOnlyAccess", type="System")])
    cases = [Case(check, only_system) for check in ALL_CHECKS]
    cases += [Case(check, make_snapshot(policies=[broken]))
              for check in ALL_CHECKS if check is not PolicyCustomUnused]
    return [
        *cases,
        Case(PolicyNoFullAdmin, make_snapshot(policies=[
            policy("fail_star", allow("*"), attached_to=(("user", "alice"),)),
            policy("fail_star_colon_star", allow("*:*")),
            policy("pass_service_wide", allow("ecs:*")),
            policy("pass_star_on_one_bucket", allow("*", "acs:oss:*:*:bucket/logs")),
            policy("pass_deny_all", {"Effect": "Deny", "Action": "*", "Resource": "*"}),
            Policy(name="AdministratorAccess", type="System", attachment_count=1),
        ])),
        Case(PolicyNoAllowNotAction, make_snapshot(policies=[
            policy("fail_not_action", not_action),
            policy("fail_not_resource",
                   {"Effect": "Allow", "Action": "oss:*", "NotResource": "acs:oss:*:*:secret/*"}),
            policy("pass_deny_not_action",
                   {"Effect": "Deny", "NotAction": "ecs:*", "Resource": "*"}),
            policy("pass_plain", allow("ecs:Describe*")),
        ])),
        Case(PolicyNoPrivilegeEscalation, make_snapshot(policies=[
            policy("fail_attach_on_all_users",
                   allow("ram:AttachPolicyToUser", "acs:ram:*:*:user/*")),
            policy("fail_create_role_and_assume", allow(["ram:CreateRole", "sts:AssumeRole"])),
            policy("pass_create_role_only", allow("ram:CreateRole")),
            policy("pass_one_user", allow("ram:CreateAccessKey", "acs:ram::1:user/ci-bot")),
            policy("pass_read_only", allow(["ram:Get*", "ram:List*"])),
            policy("admin_is_skipped", allow("*")),
        ])),
        Case(PolicyCustomUnused, make_snapshot(policies=[
            policy("fail_orphan", allow("ecs:Describe*")),
            policy("pass_used", allow("ecs:Describe*"), attached_to=(("role", "app"),)),
            Policy(name="AliyunECSReadOnlyAccess", type="System", attachment_count=1),
        ])),
        Case(PolicySensitiveActionsConditioned, make_snapshot(policies=[
            policy("fail_write_everywhere", allow(["ecs:Describe*", "ecs:DeleteInstance"])),
            policy("fail_not_action", not_action),
            policy("pass_conditioned", allow(
                "ecs:*", Condition={"IpAddress": {"acs:SourceIp": ["203.0.113.0/24"]}})),
            policy("pass_read_only", allow(["ecs:Describe*", "oss:Get*", "rds:List*"])),
            policy("pass_scoped", allow("oss:PutObject", "acs:oss:*:*:uploads/*")),
            policy("pass_deny_guard", allow("ecs:*"), deny_outside("*")),
            policy("fail_deny_guard_other_service", allow("ecs:*"), deny_outside("oss:*")),
        ])),
    ]


CASES = _catalogue_cases()
