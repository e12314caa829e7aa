"""Pre-counted, pre-grouped data for the HTML and Markdown renderers (no I/O, no HTML)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from auditor.findings import Severity, Status
from auditor.report import AuditReport, CheckInfo, ControlResult, ReportIssue, Result

STATUS_ORDER = (Status.FAIL, Status.ERROR, Status.UNKNOWN, Status.PASS, Status.NOT_APPLICABLE)
SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
_STATUS_RANK = {status: rank for rank, status in enumerate(STATUS_ORDER)}
#: Shown for a control none of whose checks produced a result in this report.
NOT_RUN = "NOT_RUN"


@dataclass(frozen=True)
class CheckGroup:
    """One check with its results, worst status first."""

    info: CheckInfo
    results: list[Result]
    counts: dict[str, int]
    unwaived_failures: int

    @property
    def worst_status(self) -> Status:
        return min((r.status for r in self.results), key=_STATUS_RANK.__getitem__)


@dataclass(frozen=True)
class ControlView:
    control: ControlResult
    status: str  # a Status value, or NOT_RUN


@dataclass(frozen=True)
class FrameworkView:
    name: str
    title: str
    controls: list[ControlView]
    counts: dict[str, int]


@dataclass(frozen=True)
class ReportView:
    report: AuditReport
    by_status: dict[str, int]
    failures_by_severity: dict[str, int]
    unwaived_failures_by_severity: dict[str, int]
    score: int | None
    groups: list[CheckGroup]
    frameworks: list[FrameworkView]
    incomplete_results: list[Result]
    new_failures: int
    waived_failures: int
    issues: list[ReportIssue] = field(default_factory=list)  # missing data
    notes: list[ReportIssue] = field(default_factory=list)  # degraded: complete, but said

    @property
    def incomplete(self) -> bool:
        """True when any data was missing or any check could not decide."""
        return bool(self.issues or self.incomplete_results)

    @property
    def permissions_to_grant(self) -> list[str]:
        return sorted({issue.permission for issue in self.issues if issue.permission})


def score_percent(results: list[Result]) -> int | None:
    """PASS as a share of PASS + unwaived FAIL, rounded down; None when nothing was decided."""
    passed = sum(r.status is Status.PASS for r in results)
    failed = sum(r.status is Status.FAIL and not r.waived for r in results)
    return None if passed + failed == 0 else passed * 100 // (passed + failed)


def _check_info_from(result: Result) -> CheckInfo:
    """Metadata for a check missing from ``report.checks`` (older or hand-made reports)."""
    return CheckInfo(
        id=result.check_id,
        title=result.title,
        severity=result.severity,
        rationale="",
        remediation="",
        doc_url=result.doc_url,
        compliance=result.compliance,
    )


def _result_sort_key(result: Result) -> tuple[int, bool, str, str]:
    return (_STATUS_RANK[result.status], result.waived, result.resource.name, result.resource.id)


def group_by_check(report: AuditReport) -> list[CheckGroup]:
    """Checks with results, ordered by worst status, then severity, then id."""
    infos = {info.id: info for info in report.checks}
    by_check: dict[str, list[Result]] = {}
    for result in report.results:
        by_check.setdefault(result.check_id, []).append(result)
    groups = []
    for check_id, results in by_check.items():
        info = infos.get(check_id) or _check_info_from(results[0])
        counts = Counter(str(r.status) for r in results)
        groups.append(
            CheckGroup(
                info=info,
                results=sorted(results, key=_result_sort_key),
                counts={str(s): counts.get(str(s), 0) for s in STATUS_ORDER},
                unwaived_failures=sum(r.status is Status.FAIL and not r.waived for r in results),
            )
        )
    groups.sort(key=lambda g: (_STATUS_RANK[g.worst_status], -g.info.severity.rank, g.info.id))
    return groups


def _framework_views(report: AuditReport) -> list[FrameworkView]:
    evaluated = {r.check_id for r in report.results}
    views = []
    for framework in report.frameworks:
        controls = [
            ControlView(
                control=control,
                status=str(control.status)
                if control.evaluated and evaluated.intersection(control.check_ids)
                else NOT_RUN,
            )
            for control in framework.controls
        ]
        counts = Counter(c.status for c in controls)
        views.append(
            FrameworkView(
                name=framework.name, title=framework.title, controls=controls, counts=dict(counts)
            )
        )
    return views


def build_view(report: AuditReport) -> ReportView:
    results = report.results
    status_counts = Counter(str(r.status) for r in results)
    failures = [r for r in results if r.status is Status.FAIL]
    return ReportView(
        report=report,
        by_status={str(s): status_counts.get(str(s), 0) for s in STATUS_ORDER},
        failures_by_severity=_count_severities(failures),
        unwaived_failures_by_severity=_count_severities([r for r in failures if not r.waived]),
        score=score_percent(results),
        groups=group_by_check(report),
        frameworks=_framework_views(report),
        incomplete_results=[r for r in results if r.status in (Status.UNKNOWN, Status.ERROR)],
        new_failures=sum(r.change == "new" for r in failures),
        waived_failures=sum(r.waived for r in failures),
        issues=[i for i in report.collection_issues if i.kind == "missing"],
        notes=[i for i in report.collection_issues if i.kind == "degraded"],
    )


def _count_severities(results: list[Result]) -> dict[str, int]:
    counts = Counter(str(r.severity) for r in results)
    return {str(s): counts.get(str(s), 0) for s in SEVERITY_ORDER}
