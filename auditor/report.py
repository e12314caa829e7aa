"""The finished audit report (``report.json`` schema_version "1").

Built by the engine, read by every renderer, and re-read by ``ram-audit render`` and
``--baseline``. Field names follow ``shared/spec/interface.md``; adding fields is allowed,
renaming is not.
"""

import hashlib
from datetime import date
from typing import Any, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from auditor.findings import Resource, Severity, Status

REPORT_SCHEMA_VERSION: Final = "1"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Tool(_Frozen):
    name: Literal["ram-audit"] = "ram-audit"
    version: str


class Caller(_Frozen):
    arn: str
    identity_type: str


class Account(_Frozen):
    id: str
    alias: str = ""
    caller: Caller


class AppliedWaiver(_Frozen):
    """The waiver that covers a finding (copied into the result)."""

    check_id: str
    resource: str = Field(description="resource pattern (glob over id and name)")
    reason: str
    owner: str
    expires: date


class Result(_Frozen):
    """One finding with its check's metadata, as dashboards consume it."""

    uid: str = Field(description="stable hash of check_id + account id + resource")
    check_id: str
    title: str
    severity: Severity
    status: Status
    resource: Resource
    message: str
    waived: bool = False
    waiver: AppliedWaiver | None = None
    doc_url: str
    compliance: dict[str, list[str]] = Field(default_factory=dict)
    change: Literal["new", "unchanged"] | None = Field(
        None, description="relative to --baseline; null without a baseline"
    )
    first_seen: AwareDatetime | None = Field(
        None, description="with --history: when this finding was first seen failing"
    )
    age_days: int | None = Field(
        None, description="with --history: days since the finding was opened (or reopened)"
    )
    lifecycle: Literal["new", "unchanged", "reopened", "unverified"] | None = Field(
        None,
        description="with --history, for a FAIL or an undecided result of an open finding: "
        "new, unchanged, reopened (failing again after it was resolved) or unverified (its "
        "check could not decide this run)",
    )


class CheckInfo(_Frozen):
    """A check as it ran: metadata, effective parameters and where it came from."""

    id: str
    title: str
    severity: Severity
    rationale: str
    remediation: str
    remediation_cli: str = ""
    doc_url: str
    compliance: dict[str, list[str]] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    params: dict[str, object] = Field(default_factory=dict)
    pack: str = Field("builtin", description="entry-point name of the pack that provides it")


class FrameworkEvaluation(_Frozen):
    """A check evaluated again with a framework's own parameters for that framework's
    control roll-up (CIS v2 judges password_policy_max_age with ``mode = cis_v2``): the
    findings behind the control's status when they differ from the results shown."""

    check_id: str
    params: dict[str, Any] = Field(description="the framework's parameter overrides")
    status: Status = Field(description="the roll-up of these findings")
    findings: list[str] = Field(description="'STATUS resource: message', one per finding")


class ControlResult(_Frozen):
    """A framework control and its roll-up over the results of its checks.

    When the framework overrides a check's parameters and the run did not use them, the
    roll-up follows that evaluation, listed in ``framework_evaluations`` so that the
    reader sees why the control's status differs from the check's results.
    """

    id: str
    title: str
    doc_url: str = ""
    check_ids: list[str]
    status: Status = Field(
        description="FAIL if any result fails, else ERROR, else UNKNOWN, else PASS; "
        "NOT_APPLICABLE when none of its checks produced a PASS or FAIL"
    )
    evaluated: bool = Field(True, description="false when none of its checks was run")
    framework_evaluations: list[FrameworkEvaluation] = Field(default_factory=list)


class FrameworkResult(_Frozen):
    name: str
    title: str
    controls: list[ControlResult]


class Summary(_Frozen):
    by_status: dict[str, int]
    by_severity: dict[str, int] = Field(description="FAIL results per severity (waived or not)")
    unwaived_failures_by_severity: dict[str, int] = Field(default_factory=dict)


class ReportIssueResource(_Frozen):
    """The one resource a collection issue is about."""

    type: str = Field(description="user, group, policy or role")
    name: str


class ReportIssue(_Frozen):
    """A collection issue and the checks it made UNKNOWN.

    With ``resources``, only those resources' ``facts`` are missing and only their results
    are UNKNOWN (the same failure for many resources is one issue; ``message`` is the
    first resource's); without, the whole ``section`` is.
    """

    section: str
    service: str = Field("", description="ram, ims or sts")
    action: str = Field(description="API action name, e.g. GetCredentialReport")
    code: str
    message: str
    permission: str = ""
    kind: Literal["missing", "degraded"] = "missing"
    resources: list[ReportIssueResource] = Field(
        default_factory=list, description="the resources concerned; empty: the whole section"
    )
    facts: list[str] = Field(default_factory=list, description="the resources' missing facts")
    affects: list[str] = Field(default_factory=list)


class WaiverProblem(_Frozen):
    check_id: str
    resource: str
    owner: str
    expires: date
    problem: Literal["expired", "stale"]


class BaselineInfo(_Frozen):
    previous_collected_at: AwareDatetime
    resolved: list[Result] = Field(default_factory=list, description="in the baseline, gone now")
    unverified: list[Result] = Field(
        default_factory=list,
        description="FAIL in the baseline, but their check did not run or could not decide now",
    )


class TrendPoint(_Frozen):
    """One recorded run of the account, for the trend chart."""

    collected_at: AwareDatetime
    complete: bool
    unwaived_failures_by_severity: dict[str, int]


class HistoryFinding(_Frozen):
    """A finding whose lifecycle changed this run (it may have no result in this report)."""

    uid: str
    check_id: str
    title: str
    severity: Severity
    resource: Resource
    first_seen: AwareDatetime | None = None


class HistoryInfo(_Frozen):
    """With --history: this run as recorded, what changed, and the account's trend."""

    run_id: int
    recorded: bool = Field(
        True, description="false for a snapshot older than the latest run: kept for the "
        "trend, without changing finding lifecycles"
    )
    previous_collected_at: AwareDatetime | None = None
    new: int = 0
    reopened: int = 0
    resolved: list[HistoryFinding] = Field(default_factory=list)
    unverified: list[HistoryFinding] = Field(
        default_factory=list, description="open findings whose check could not decide this run"
    )
    trend: list[TrendPoint] = Field(
        default_factory=list, description="the account's last runs (up to 30), oldest first"
    )


class NotificationError(_Frozen):
    """A --notify target that could not be reached or refused the message."""

    target: str = Field(description="platform and host; never the URL (it holds a token)")
    error: str
    attempts: int


class EscalationHop(_Frozen):
    """One edge of an escalation path: ``source`` obtains ``target``'s permissions."""

    source: str = Field(description="node id: user/NAME, role/NAME, account/ID, ...")
    target: str = Field(description="node id, or 'admin'")
    primitive: str = Field(description="policy-analysis.md primitive id")
    decision: Literal["ALLOW", "CONDITIONAL"]
    grants: list[str] = Field(
        default_factory=list, description="the deciding statements: policy (type, version, "
        "how held) statement N Effect"
    )


class EscalationPath(_Frozen):
    decision: Literal["ALLOW", "CONDITIONAL"]
    hops: list[EscalationHop]


class EscalationPrincipal(_Frozen):
    """A principal whose escalation check FAILs, with its reported paths."""

    node: str
    check_id: str
    result_uid: str
    paths: list[EscalationPath] = Field(
        description="the shortest paths, at most 10 (one per distinct first hop)")
    paths_total: int = Field(
        description="every path found, one per distinct first hop; `ram-audit query paths "
        "NODE` lists them all")


class EscalationInfo(_Frozen):
    """The failing principals' paths to full administrator, and the subgraph they form."""

    principals: list[EscalationPrincipal] = Field(default_factory=list)
    edges: list[EscalationHop] = Field(
        default_factory=list, description="every hop of the paths above, once"
    )


class AuditReport(_Frozen):
    schema_version: Literal["1"] = REPORT_SCHEMA_VERSION
    tool: Tool
    account: Account
    collected_at: AwareDatetime
    credential_report_generated_at: AwareDatetime | None = None
    results: list[Result]
    summary: Summary
    collection_issues: list[ReportIssue] = Field(default_factory=list)
    api_calls: dict[str, int] = Field(
        default_factory=dict, description="calls per API action (RAM and IMS namesakes summed)"
    )
    api_calls_by_service: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="service (ram, ims, sts) -> action -> calls"
    )
    checks: list[CheckInfo] = Field(default_factory=list)
    frameworks: list[FrameworkResult] = Field(default_factory=list)
    waiver_problems: list[WaiverProblem] = Field(default_factory=list)
    baseline: BaselineInfo | None = None
    history: HistoryInfo | None = None
    notification_errors: list[NotificationError] = Field(default_factory=list)
    escalation: EscalationInfo | None = Field(
        None, description="paths to full administrator of the principals that the escalation "
        "checks FAIL (policy-analysis.md §7)"
    )


def result_uid(check_id: str, account_id: str, resource: Resource) -> str:
    """Stable across runs for the same finding: sha256 of check, account, resource."""
    key = "\x1f".join((check_id, account_id, resource.type, resource.id))
    return hashlib.sha256(key.encode()).hexdigest()[:32]
