"""Report builders for the history, notification and OCSF tests (a uniquely named module:
``conftest`` names clash across test folders)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from auditor.engine import summarise
from auditor.findings import Resource, Severity, Status
from auditor.report import Account, AuditReport, Caller, ReportIssue, Result, Tool, result_uid

ACCOUNT = "1234567890123456"
DAY0 = datetime(2026, 1, 1, 6, 0, tzinfo=timezone.utc)
MFA = "user_console_mfa_bound"
KEYS = "access_key_rotated"
ROOT = "root_mfa_enabled"
_SEVERITY = {MFA: Severity.HIGH, KEYS: Severity.MEDIUM, ROOT: Severity.CRITICAL}


def result(
    check_id: str, status: Status, name: str, *, account: str = ACCOUNT, waived: bool = False,
    resource_type: str = "user",
) -> Result:
    resource = Resource(type=resource_type, id=f"id-{name}", name=name)
    return Result(
        uid=result_uid(check_id, account, resource),
        check_id=check_id,
        title=f"Title of {check_id}",
        severity=_SEVERITY.get(check_id, Severity.LOW),
        status=status,
        resource=resource,
        message=f"{name} is {status}",
        waived=waived,
        doc_url=f"https://docs.example/{check_id}",
    )


def report(
    results: Sequence[Result], *, day: int = 0, account: str = ACCOUNT,
    issues: Sequence[ReportIssue] = (), alias: str = "acme",
) -> AuditReport:
    """A report of ``results`` collected ``day`` days after DAY0."""
    return AuditReport(
        tool=Tool(version="0.1.0"),
        account=Account(id=account, alias=alias,
                        caller=Caller(arn=f"acs:ram::{account}:user/auditor",
                                      identity_type="RAMUser")),
        collected_at=DAY0 + timedelta(days=day),
        results=list(results),
        summary=summarise(list(results)),
        collection_issues=list(issues),
    )
