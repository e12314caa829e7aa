"""AuditReport fixtures built in code, for the renderer tests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timezone

import pytest

from auditor.findings import Resource, Severity, Status
from auditor.report import (
    Account,
    AppliedWaiver,
    AuditReport,
    BaselineInfo,
    Caller,
    CheckInfo,
    ControlResult,
    FrameworkResult,
    ReportIssue,
    Result,
    Summary,
    Tool,
    WaiverProblem,
    result_uid,
)

ACCOUNT_ID = "1234567890123456"
COLLECTED_AT = datetime(2026, 11, 28, 10, 0, 0, tzinfo=timezone.utc)
DOC = "https://www.alibabacloud.com/help/en/ram/"

CHECKS = {
    "root_mfa_enabled": ("MFA is enabled for the root account", Severity.CRITICAL),
    "user_console_mfa_bound": ("Console users have an MFA device bound", Severity.HIGH),
    "access_key_rotated": ("Active AccessKeys are rotated", Severity.MEDIUM),
    "password_policy_min_length": ("Password policy requires long passwords", Severity.MEDIUM),
    "user_unused_removed": ("Unused RAM users are removed", Severity.LOW),
    "security_preference_users_cannot_manage_keys": (
        "RAM users cannot manage their own AccessKeys", Severity.LOW
    ),
}
COMPLIANCE = {
    "root_mfa_enabled": {"cis-alibaba-v1": ["1.3"], "alibaba-ram-best-practices": ["S6"]},
    "user_console_mfa_bound": {"cis-alibaba-v1": ["1.4"]},
    "access_key_rotated": {"cis-alibaba-v1": ["1.8"]},
    "password_policy_min_length": {"alibaba-ram-best-practices": ["S5"]},
    "user_unused_removed": {},
}


def make_result(
    check_id: str,
    status: Status,
    name: str,
    *,
    resource_type: str = "user",
    resource_id: str | None = None,
    message: str | None = None,
    waiver: AppliedWaiver | None = None,
    change: str | None = None,
    account_id: str = ACCOUNT_ID,
) -> Result:
    title, severity = CHECKS.get(check_id, (f"Check {check_id}", Severity.MEDIUM))
    resource = Resource(type=resource_type, id=resource_id or f"id-{name}", name=name)
    return Result(
        uid=result_uid(check_id, account_id, resource),
        check_id=check_id,
        title=title,
        severity=severity,
        status=status,
        resource=resource,
        message=message or f"{check_id} is {status} for {name}",
        waived=waiver is not None,
        waiver=waiver,
        doc_url=DOC + check_id,
        compliance=COMPLIANCE.get(check_id, {}),
        change=change,  # type: ignore[arg-type]
    )


def check_info(check_id: str, **overrides: object) -> CheckInfo:
    title, severity = CHECKS.get(check_id, (f"Check {check_id}", Severity.MEDIUM))
    fields: dict[str, object] = {
        "id": check_id,
        "title": title,
        "severity": severity,
        "rationale": f"Why {check_id} matters for the account's security posture.",
        "remediation": f"Open the RAM console and fix {check_id} for every listed resource.",
        "remediation_cli": f"aliyun ram Fix{check_id.title().replace('_', '')}",
        "doc_url": DOC + check_id,
        "compliance": COMPLIANCE.get(check_id, {}),
        "params": {"max_days": 90} if check_id == "access_key_rotated" else {},
    }
    fields.update(overrides)
    return CheckInfo.model_validate(fields)


def make_report(
    results: Sequence[Result],
    *,
    issues: Sequence[ReportIssue] = (),
    checks: Sequence[CheckInfo] | None = None,
    frameworks: Sequence[FrameworkResult] = (),
    waiver_problems: Sequence[WaiverProblem] = (),
    baseline: BaselineInfo | None = None,
    alias: str = "acme",
    caller_arn: str = f"acs:ram::{ACCOUNT_ID}:user/auditor",
    collected_at: datetime = COLLECTED_AT,
) -> AuditReport:
    """A consistent report around ``results`` (summary computed, checks derived)."""
    by_status = Counter(str(r.status) for r in results)
    fails = [r for r in results if r.status is Status.FAIL]
    if checks is None:
        checks = [check_info(cid) for cid in dict.fromkeys(r.check_id for r in results)]
    return AuditReport(
        tool=Tool(version="0.1.0"),
        account=Account(
            id=ACCOUNT_ID, alias=alias, caller=Caller(arn=caller_arn, identity_type="RAMUser")
        ),
        collected_at=collected_at,
        credential_report_generated_at=collected_at,
        results=list(results),
        summary=Summary(
            by_status={str(s): by_status.get(str(s), 0) for s in Status},
            by_severity={
                str(s): sum(r.severity is s for r in fails) for s in Severity if s.rank
            },
            unwaived_failures_by_severity={
                str(s): sum(r.severity is s and not r.waived for r in fails)
                for s in Severity
                if s.rank
            },
        ),
        collection_issues=list(issues),
        api_calls={"ListUsers": 1, "GetCredentialReport": 1},
        checks=list(checks),
        frameworks=list(frameworks),
        waiver_problems=list(waiver_problems),
        baseline=baseline,
    )


WAIVER = AppliedWaiver(
    check_id="user_console_mfa_bound",
    resource="break-glass-*",
    reason="Emergency account kept in a safe; MFA device with the CISO",
    owner="security@acme.example",
    expires=date(2027, 3, 31),
)

ISSUE = ReportIssue(
    section="users",
    action="ims:GetCredentialReport",
    code="NoPermission",
    message="You are not authorized to do this action.",
    permission="ram:GetCredentialReport",
    affects=["user_console_mfa_bound"],
)


def cis_framework() -> FrameworkResult:
    return FrameworkResult(
        name="cis-alibaba-v1",
        title="CIS Alibaba Cloud Foundations Benchmark v1",
        controls=[
            ControlResult(
                id="1.3",
                title="Ensure MFA is enabled for the root account",
                doc_url="https://www.cisecurity.org/benchmark/alibaba_cloud",
                check_ids=["root_mfa_enabled"],
                status=Status.FAIL,
            ),
            ControlResult(
                id="1.4",
                title="Ensure MFA is enabled for all RAM users with console access",
                check_ids=["user_console_mfa_bound"],
                status=Status.FAIL,
            ),
            ControlResult(
                id="1.8",
                title="Ensure access keys are rotated every 90 days or less",
                check_ids=["access_key_rotated"],
                status=Status.PASS,
            ),
            ControlResult(
                id="1.9",
                title="Ensure RAM password policy prevents password reuse",
                check_ids=["password_policy_reuse_prevention"],
                status=Status.NOT_APPLICABLE,
                evaluated=False,
            ),
        ],
    )


def typical_results() -> list[Result]:
    """A mixed, complete audit: failures, passes, a waived failure, N/A; no UNKNOWN/ERROR."""
    return [
        make_result("root_mfa_enabled", Status.FAIL, "acme", resource_type="account",
                    resource_id=ACCOUNT_ID, message="No MFA device is bound to the root account.",
                    change="new"),
        make_result("user_console_mfa_bound", Status.FAIL, "alice",
                    message="alice can sign in to the console without MFA.", change="unchanged"),
        make_result("user_console_mfa_bound", Status.FAIL, "break-glass-1", waiver=WAIVER,
                    message="break-glass-1 can sign in to the console without MFA."),
        make_result("user_console_mfa_bound", Status.PASS, "bob",
                    message="bob has an MFA device bound."),
        make_result("access_key_rotated", Status.PASS, "ci-deployer", resource_type="access_key",
                    resource_id="LTAI5tExampleKey01", message="Key is 12 days old."),
        make_result("access_key_rotated", Status.FAIL, "legacy-sync", resource_type="access_key",
                    resource_id="LTAI4tExampleKey02", message="Key is 412 days old (max 90)."),
        make_result("password_policy_min_length", Status.PASS, "acme", resource_type="account",
                    resource_id=ACCOUNT_ID, message="Minimum length is 14."),
        make_result("user_unused_removed", Status.NOT_APPLICABLE, "acme",
                    resource_type="account", resource_id=ACCOUNT_ID,
                    message="No RAM user is older than 90 days."),
    ]


def many_users_results(users: int) -> list[Result]:
    """Per-user rows as a large account produces them: mostly PASS, some FAIL, per check."""
    results = []
    for i in range(users):
        name = f"user-{i:05d}"
        results.append(make_result(
            "user_console_mfa_bound", Status.FAIL if i % 10 == 0 else Status.PASS, name,
            message=f"{name} {'has no' if i % 10 == 0 else 'has an'} MFA device bound."))
        results.append(make_result(
            "access_key_rotated", Status.FAIL if i % 4 == 0 else Status.PASS, name,
            resource_type="access_key", resource_id=f"LTAI5tKey{i:015d}",
            message=f"Created {30 + i % 400} day(s) ago (limit 90 days)."))
        results.append(make_result(
            "security_preference_users_cannot_manage_keys", Status.PASS, name,
            message="Cannot manage own AccessKeys."))
    results.append(make_result("root_mfa_enabled", Status.FAIL, "acme", resource_type="account",
                               resource_id=ACCOUNT_ID, message="No MFA on root."))
    return results


@pytest.fixture
def typical_report() -> AuditReport:
    return make_report(typical_results(), frameworks=[cis_framework()])


@pytest.fixture
def incomplete_report() -> AuditReport:
    results = [
        *typical_results(),
        make_result("user_console_mfa_bound", Status.UNKNOWN, "carol",
                    message="The credential report could not be read (ram:GetCredentialReport)."),
    ]
    return make_report(results, issues=[ISSUE], frameworks=[cis_framework()])


class ReportKit:
    """The builders above, handed to tests as the ``kit`` fixture (no conftest imports)."""

    make_result = staticmethod(make_result)
    make_report = staticmethod(make_report)
    check_info = staticmethod(check_info)
    typical_results = staticmethod(typical_results)
    cis_framework = staticmethod(cis_framework)
    many_users_results = staticmethod(many_users_results)
    WAIVER = WAIVER
    ISSUE = ISSUE
    Status = Status


@pytest.fixture
def kit() -> type[ReportKit]:
    return ReportKit
