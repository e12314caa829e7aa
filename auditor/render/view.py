"""Pre-counted, pre-grouped data for the HTML and Markdown renderers (no I/O, no HTML).

The only place that shapes report data for a template: renderers read these views and
format them, they do not count, sort or select themselves.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Final, NamedTuple

from auditor.findings import Resource, Severity, Status
from auditor.render.graph_layout import Layout, layout
from auditor.report import (
    AppliedWaiver,
    AuditReport,
    CheckInfo,
    ControlResult,
    EscalationInfo,
    EscalationPrincipal,
    HistoryFinding,
    ReportIssue,
    Result,
)

STATUS_ORDER = (Status.FAIL, Status.ERROR, Status.UNKNOWN, Status.PASS, Status.NOT_APPLICABLE)
SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
_STATUS_RANK = {status: rank for rank, status in enumerate(STATUS_ORDER)}
#: Shown for a control none of whose checks produced a result in this report.
NOT_RUN = "NOT_RUN"
#: How much a check counts in the score; info checks are informational and do not count.
SEVERITY_WEIGHT: Final = {
    Severity.CRITICAL: 8, Severity.HIGH: 4, Severity.MEDIUM: 2, Severity.LOW: 1, Severity.INFO: 0
}
SCORE_EXPLAINED: Final = (
    "share of checks with no unwaived failure, weighted by severity "
    "(critical 8, high 4, medium 2, low 1): a check failing for 1 or 1,000 resources counts "
    "once, and checks that could not decide are left out"
)
#: Statuses listed with the failures (shown by default); the others are passes, collapsed.
FAILING: Final = frozenset({Status.FAIL, Status.ERROR, Status.UNKNOWN})
#: A check's failing rows written into the page as HTML (readable without JavaScript);
#: the others travel in the embedded JSON, are rendered on demand, and are named as a count
#: without JavaScript (at 10,000 users, 30,000 failing rows as HTML would be 10 MB).
FIRST_ROWS: Final = 50
#: A check with at most this many passing rows has them in the page (in a disclosure);
#: above it, they travel in the embedded JSON and are rendered on demand.
INLINE_PASSES: Final = 20
#: Resources named per check in the top risks before "and N more".
TOP_RISK_RESOURCES: Final = 8
TOP_RISK_SEVERITIES: Final = frozenset({Severity.CRITICAL, Severity.HIGH})
#: New failures named per check (with a baseline or history) before "and N more".
NEW_NAMED: Final = 12
#: Runs drawn in the history trend chart.
TREND_RUNS: Final = 30


class Row(NamedTuple):
    """One result as a table row shows it: plain strings, computed once."""

    uid: str
    status: str  # a Status value
    label: str  # what the status cell says ("N/A" for NOT_APPLICABLE)
    css: str  # lower-case status, for classes
    change: str  # "new"/"unchanged" for a failing row with a baseline, else ""
    lifecycle: str  # "new"/"reopened"/"unverified" with a history, else ""
    age_days: int | None
    type: str
    name: str
    id: str
    message: str
    waiver: AppliedWaiver | None


_STATUS_TEXT = {status: str(status) for status in Status}
_STATUS_LABEL = {status: "N/A" if status is Status.NOT_APPLICABLE else str(status)
                 for status in Status}


def _row(result: Result) -> Row:
    status = result.status
    failing = status in FAILING
    return Row(
        uid=result.uid,
        status=_STATUS_TEXT[status],
        label=_STATUS_LABEL[status],
        css=_STATUS_TEXT[status].lower(),
        change=(result.change or "") if failing else "",
        lifecycle=(result.lifecycle or "") if failing and result.lifecycle != "unchanged" else "",
        age_days=result.age_days if failing else None,
        type=result.resource.type,
        name=result.resource.name,
        id=result.resource.id,
        message=result.message,
        waiver=result.waiver if result.waived else None,
    )


@dataclass(frozen=True)
class CheckGroup:
    """One check with its results, worst status first."""

    info: CheckInfo
    results: list[Result]
    counts: dict[str, int]
    unwaived_failures: int

    @cached_property
    def worst_status(self) -> Status:
        return min((r.status for r in self.results), key=_STATUS_RANK.__getitem__)

    @cached_property
    def failing(self) -> list[Result]:
        """FAIL, ERROR and UNKNOWN rows (always in the page)."""
        return [r for r in self.results if r.status in FAILING]

    @cached_property
    def passing(self) -> list[Result]:
        """PASS and NOT_APPLICABLE rows (collapsed and counted)."""
        return [r for r in self.results if r.status not in FAILING]

    @cached_property
    def first_rows(self) -> list[Row]:
        """The first failing rows, written into the page (also read without JavaScript)."""
        return [_row(r) for r in self.failing[:FIRST_ROWS]]

    @property
    def deferred_failing(self) -> list[Result]:
        """The other failing rows: in the embedded data, rendered on demand."""
        return self.failing[FIRST_ROWS:]

    @cached_property
    def inline_pass_rows(self) -> list[Row]:
        """Passing rows written into the page (few); the others go to the embedded data."""
        return [_row(r) for r in self.passing] if len(self.passing) <= INLINE_PASSES else []

    @property
    def deferred_passing(self) -> list[Result]:
        return self.passing if len(self.passing) > INLINE_PASSES else []

    @cached_property
    def status(self) -> Status:
        """The check's verdict: FAIL on an unwaived failure, else its worst undecided status,
        else PASS (waived failures are accepted risk), else NOT_APPLICABLE."""
        if self.unwaived_failures:
            return Status.FAIL
        for status in (Status.ERROR, Status.UNKNOWN):
            if self.counts[str(status)]:
                return status
        if self.counts[str(Status.PASS)] or self.counts[str(Status.FAIL)]:
            return Status.PASS
        return Status.NOT_APPLICABLE

    @cached_property
    def pass_percent(self) -> int | None:
        """PASS among this check's decided resources (PASS + unwaived FAIL), rounded down."""
        passed = self.counts[str(Status.PASS)]
        failed = self.unwaived_failures
        return None if passed + failed == 0 else passed * 100 // (passed + failed)

    @cached_property
    def resource_type(self) -> str:
        """The resource type of every result, or "" when they are mixed."""
        types = {r.resource.type for r in self.results}
        return types.pop() if len(types) == 1 else ""

    @property
    def frameworks(self) -> list[str]:
        return sorted(self.info.compliance)


#: Resources named per collection issue before "and N more".
ISSUE_RESOURCES: Final = 10


@dataclass(frozen=True)
class IssueView:
    """A collection issue with the resources it concerns, named up to a limit."""

    issue: ReportIssue
    resources: list[str]  # "type name"
    more: int


def _issue_view(issue: ReportIssue) -> IssueView:
    named = [f"{r.type} {r.name}" for r in issue.resources[:ISSUE_RESOURCES]]
    return IssueView(issue=issue, resources=named, more=len(issue.resources) - len(named))


@dataclass(frozen=True)
class ControlView:
    control: ControlResult
    status: str  # a Status value, or NOT_RUN
    checks_passing: int = 0
    checks_decided: int = 0
    failures: int = 0  # unwaived FAIL results of its checks
    score: int | None = None


@dataclass(frozen=True)
class FrameworkView:
    name: str
    title: str
    controls: list[ControlView]
    counts: dict[str, int]


@dataclass(frozen=True)
class TopRisk:
    """A check and some of its failing results, named first, with how many more there are
    (the top risks; the new failures per check)."""

    group: CheckGroup
    resources: list[Result]
    more: int

    @property
    def count(self) -> int:
        return len(self.resources) + self.more


@dataclass(frozen=True)
class BarRow:
    """One bar of an inline chart: label, value, and the bar's share of the widest (0-1)."""

    label: str
    value: int
    share: float
    css: str
    note: str = ""


@dataclass(frozen=True)
class StackRow:
    """A stacked bar: label and (css class, count, start share, width share) segments."""

    label: str
    title: str
    segments: list[tuple[str, int, float, float]]
    total: int
    failing: int


#: Principals drawn in the page's escalation section, and paths shown per principal: enough
#: to see how escalation happens; at 10,000 users thousands of principals can fail, each
#: with its finding in the table and every path in report.json (``ram-audit query paths``).
HTML_PRINCIPALS = 40
HTML_PATHS = 3


@dataclass(frozen=True)
class EscalationView:
    """Failing principals with their paths (chains of hops), and the subgraph laid out for
    an inline SVG (``admin`` rightmost; conditional edges flagged): the first
    :data:`HTML_PRINCIPALS` (external principals first, then the shortest paths), each with
    at most :data:`HTML_PATHS` paths."""

    principals: list[EscalationPrincipal]
    graph: Layout
    conditional: frozenset[tuple[str, str]]  # (source, target) of CONDITIONAL edges
    #: node id -> its kind (css class): user, role, group, admin, external
    kinds: dict[str, str]
    total: int = 0  # failing principals in the report


def _node_kind(node: str) -> str:
    kind = node.partition("/")[0]
    return kind if kind in ("user", "role", "group", "admin") else "external"


def _shown(principal: EscalationPrincipal) -> EscalationPrincipal:
    if len(principal.paths) <= HTML_PATHS:
        return principal
    return principal.model_copy(update={"paths": principal.paths[:HTML_PATHS]})


def _escalation(info: EscalationInfo | None) -> EscalationView | None:
    if info is None or not info.principals:
        return None
    ordered = sorted(info.principals, key=lambda p: (
        p.check_id != "external_principal_no_admin_path",
        min((len(path.hops) for path in p.paths), default=0), p.node))
    shown = [_shown(p) for p in ordered[:HTML_PRINCIPALS]]
    hops = {(h.source, h.primitive, h.target): h
            for p in shown for path in p.paths for h in path.hops}
    graph = layout([(s, t, primitive) for s, primitive, t in hops])
    return EscalationView(
        principals=sorted(shown, key=lambda p: (p.check_id != "external_principal"
                                                "_no_admin_path", p.node)),
        graph=graph,
        conditional=frozenset((h.source, h.target) for h in hops.values()
                              if h.decision == "CONDITIONAL"),
        kinds={b.id: _node_kind(b.id) for b in graph.boxes},
        total=len(info.principals),
    )


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
    checks_passing: int = 0
    checks_decided: int = 0
    top_risks: list[TopRisk] = field(default_factory=list)
    severity_bars: list[BarRow] = field(default_factory=list)
    framework_bars: list[StackRow] = field(default_factory=list)
    new_failure_results: list[Result] = field(default_factory=list)
    since: datetime | None = None  # the run compared with (baseline or history)
    resolved: list[ChangeItem] = field(default_factory=list)
    unverified: list[ChangeItem] = field(default_factory=list)
    trend: list[TrendColumn] = field(default_factory=list)
    escalation: EscalationView | None = None

    @property
    def incomplete(self) -> bool:
        """True when any data was missing or any check could not decide."""
        return bool(self.issues or self.incomplete_results)

    @property
    def issue_views(self) -> list[IssueView]:
        return [_issue_view(issue) for issue in self.issues]

    @property
    def permissions_to_grant(self) -> list[str]:
        return sorted({issue.permission for issue in self.issues if issue.permission})

    @property
    def new_by_check(self) -> list[TopRisk]:
        return _new_by_check(self.groups, self.new_failure_results)


def score_percent(results: list[Result]) -> int | None:
    """PASS as a share of PASS + unwaived FAIL, rounded down; None when nothing was decided."""
    passed = sum(r.status is Status.PASS for r in results)
    failed = sum(r.status is Status.FAIL and not r.waived for r in results)
    return None if passed + failed == 0 else passed * 100 // (passed + failed)


def weighted_check_score(
    groups: list[CheckGroup], verdicts: dict[str, Status] | None = None
) -> tuple[int | None, int, int]:
    """(score, checks passing, checks decided); see :data:`SCORE_EXPLAINED`.

    A check is decided when its verdict (``verdicts`` overriding the group's own) is PASS
    or FAIL; the score is the severity-weighted share of decided checks that pass, rounded
    down, None when no weighted check decided.
    """
    verdicts = verdicts or {}
    total = good = passing = decided = 0
    for group in groups:
        verdict = verdicts.get(group.info.id, group.status)
        if verdict not in (Status.PASS, Status.FAIL):
            continue
        weight = SEVERITY_WEIGHT[group.info.severity]
        decided += 1
        total += weight
        if verdict is Status.PASS:
            passing += 1
            good += weight
    score = None if total == 0 else good * 100 // total
    return score, passing, decided


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
        counts = Counter(r.status for r in results)
        groups.append(
            CheckGroup(
                info=info,
                results=sorted(results, key=_result_sort_key),
                counts={str(s): counts.get(s, 0) for s in STATUS_ORDER},
                unwaived_failures=sum(r.status is Status.FAIL and not r.waived for r in results),
            )
        )
    groups.sort(key=lambda g: (_STATUS_RANK[g.worst_status], -g.info.severity.rank, g.info.id))
    return groups


def _control_view(control: ControlResult, groups: dict[str, CheckGroup]) -> ControlView:
    mine = [groups[c] for c in control.check_ids if c in groups]
    if not control.evaluated or not mine:
        return ControlView(control=control, status=NOT_RUN)
    # A check evaluated again with the framework's parameters counts with that verdict.
    verdicts = {e.check_id: e.status for e in control.framework_evaluations}
    score, passing, decided = weighted_check_score(mine, verdicts)
    failures = sum(g.unwaived_failures for g in mine if g.info.id not in verdicts) + sum(
        sum(f.startswith(str(Status.FAIL)) for f in e.findings)
        for e in control.framework_evaluations
    )
    return ControlView(
        control=control,
        status=str(control.status),
        checks_passing=passing,
        checks_decided=decided,
        failures=failures,
        score=score,
    )


def _framework_views(report: AuditReport, groups: list[CheckGroup]) -> list[FrameworkView]:
    by_id = {g.info.id: g for g in groups}
    views = []
    for framework in report.frameworks:
        controls = [_control_view(control, by_id) for control in framework.controls]
        counts = Counter(c.status for c in controls)
        views.append(
            FrameworkView(
                name=framework.name, title=framework.title, controls=controls, counts=dict(counts)
            )
        )
    return views


def _top_risks(groups: list[CheckGroup]) -> list[TopRisk]:
    risky = [
        g for g in groups if g.unwaived_failures and g.info.severity in TOP_RISK_SEVERITIES
    ]
    risky.sort(key=lambda g: (-g.info.severity.rank, -g.unwaived_failures, g.info.id))
    risks = []
    for group in risky:
        failed = [r for r in group.results if r.status is Status.FAIL and not r.waived]
        risks.append(
            TopRisk(
                group=group,
                resources=failed[:TOP_RISK_RESOURCES],
                more=max(0, len(failed) - TOP_RISK_RESOURCES),
            )
        )
    return risks


def _new_by_check(groups: list[CheckGroup], new: list[Result]) -> list[TopRisk]:
    """New failures grouped per check, most severe and most numerous first."""
    by_check: dict[str, list[Result]] = {}
    for result in new:
        by_check.setdefault(result.check_id, []).append(result)
    found = [(g, by_check[g.info.id]) for g in groups if g.info.id in by_check]
    found.sort(key=lambda pair: (-pair[0].info.severity.rank, -len(pair[1]), pair[0].info.id))
    return [
        TopRisk(group=group, resources=results[:NEW_NAMED],
                more=max(0, len(results) - NEW_NAMED))
        for group, results in found
    ]


def _severity_bars(groups: list[CheckGroup], counts: dict[str, int]) -> list[BarRow]:
    widest = max(counts.values(), default=0) or 1
    checks = Counter(str(g.info.severity) for g in groups if g.unwaived_failures)
    return [
        BarRow(
            label=str(severity),
            value=counts[str(severity)],
            share=counts[str(severity)] / widest,
            css=f"sev-{severity}",
            note=f"{checks.get(str(severity), 0)} check(s)",
        )
        for severity in SEVERITY_ORDER
    ]


_CONTROL_SEGMENTS = (
    (str(Status.FAIL), "seg-fail"),
    (str(Status.ERROR), "seg-error"),
    (str(Status.UNKNOWN), "seg-unknown"),
    (str(Status.PASS), "seg-pass"),
    (str(Status.NOT_APPLICABLE), "seg-na"),
    (NOT_RUN, "seg-na"),
)


def _framework_bars(frameworks: list[FrameworkView]) -> list[StackRow]:
    rows = []
    for framework in frameworks:
        total = len(framework.controls)
        segments = []
        start = 0.0
        for status, css in _CONTROL_SEGMENTS:
            count = framework.counts.get(status, 0)
            if count and total:
                segments.append((css, count, start, count / total))
                start += count / total
        rows.append(
            StackRow(
                label=framework.name,
                title=framework.title,
                segments=segments,
                total=total,
                failing=framework.counts.get(str(Status.FAIL), 0),
            )
        )
    return rows


class ChangeItem(NamedTuple):
    """A finding of the previous run listed as resolved or unverified (from the baseline,
    or from the history, which keeps no message)."""

    uid: str
    check_id: str
    title: str
    severity: Severity
    resource: Resource
    message: str = ""
    waived: bool = False


def _item(finding: Result | HistoryFinding) -> ChangeItem:
    return ChangeItem(
        uid=finding.uid,
        check_id=finding.check_id,
        title=finding.title,
        severity=finding.severity,
        resource=finding.resource,
        message=finding.message if isinstance(finding, Result) else "",
        waived=finding.waived if isinstance(finding, Result) else False,
    )


def _changes(report: AuditReport) -> tuple[datetime | None, list[ChangeItem], list[ChangeItem]]:
    """(since, resolved, unverified) against the baseline, else the history's previous run.

    A resolved finding whose resource or check was undecided in this run is shown as
    unverified: missing data never resolves anything.
    """
    if report.baseline is not None:
        since = report.baseline.previous_collected_at
        resolved_then: list[Result | HistoryFinding] = list(report.baseline.resolved)
        unverified_then: list[Result | HistoryFinding] = list(report.baseline.unverified)
    elif report.history is not None and report.history.previous_collected_at is not None:
        since = report.history.previous_collected_at
        resolved_then = list(report.history.resolved)
        unverified_then = list(report.history.unverified)
    else:
        return None, [], []
    undecided = {r.uid for r in report.results if r.status in (Status.UNKNOWN, Status.ERROR)}
    decided_checks = {
        r.check_id for r in report.results if r.status not in (Status.UNKNOWN, Status.ERROR)
    }
    resolved, unverified = [], [_item(f) for f in unverified_then]
    for finding in resolved_then:
        if finding.uid in undecided or finding.check_id not in decided_checks:
            unverified.append(_item(finding))
        else:
            resolved.append(_item(finding))
    return since, sorted(resolved, key=_severity_first), sorted(unverified, key=_severity_first)


def _severity_first(result: Result | ChangeItem) -> tuple[int, str, str]:
    return (-result.severity.rank, result.check_id, result.resource.name or result.resource.id)


def _is_new(result: Result) -> bool:
    return result.change == "new" or result.lifecycle in ("new", "reopened")


@dataclass(frozen=True)
class TrendColumn:
    """One run in the trend chart: unwaived FAILs by severity, stacked (shares of the
    tallest run), oldest first."""

    when: datetime
    complete: bool
    total: int
    segments: list[tuple[str, float, float]]  # css class, bottom share, height share


def _trend(report: AuditReport) -> list[TrendColumn]:
    points = report.history.trend[-TREND_RUNS:] if report.history else []
    if len(points) < 2:
        return []
    severities = [str(s) for s in SEVERITY_ORDER]
    totals = [sum(p.unwaived_failures_by_severity.get(s, 0) for s in severities) for p in points]
    tallest = max(totals) or 1
    columns = []
    for point, total in zip(points, totals, strict=True):
        bottom, segments = 0.0, []
        for severity in reversed(severities):  # the most severe on top
            count = point.unwaived_failures_by_severity.get(severity, 0)
            if count:
                segments.append((f"sev-{severity}", bottom, count / tallest))
                bottom += count / tallest
        columns.append(TrendColumn(point.collected_at, point.complete, total, segments))
    return columns


def build_view(report: AuditReport) -> ReportView:
    results = report.results
    status_counts = Counter(r.status for r in results)
    failures = [r for r in results if r.status is Status.FAIL]
    groups = group_by_check(report)
    frameworks = _framework_views(report, groups)
    unwaived = _count_severities([r for r in failures if not r.waived])
    score, checks_passing, checks_decided = weighted_check_score(groups)
    since, resolved, unverified = _changes(report)
    new_failures = sorted((r for r in failures if _is_new(r)), key=_severity_first)
    return ReportView(
        report=report,
        by_status={str(s): status_counts.get(s, 0) for s in STATUS_ORDER},
        failures_by_severity=_count_severities(failures),
        unwaived_failures_by_severity=unwaived,
        score=score,
        groups=groups,
        frameworks=frameworks,
        incomplete_results=[r for r in results if r.status in (Status.UNKNOWN, Status.ERROR)],
        new_failures=len(new_failures),
        waived_failures=sum(r.waived for r in failures),
        issues=[i for i in report.collection_issues if i.kind == "missing"],
        notes=[i for i in report.collection_issues if i.kind == "degraded"],
        checks_passing=checks_passing,
        checks_decided=checks_decided,
        top_risks=_top_risks(groups),
        severity_bars=_severity_bars(groups, unwaived),
        framework_bars=_framework_bars(frameworks),
        new_failure_results=new_failures,
        since=since,
        resolved=resolved,
        unverified=unverified,
        trend=_trend(report),
        escalation=_escalation(report.escalation),
    )


def _count_severities(results: list[Result]) -> dict[str, int]:
    counts = Counter(r.severity for r in results)
    return {str(s): counts.get(s, 0) for s in SEVERITY_ORDER}


def deferred_rows(groups: list[CheckGroup]) -> dict[str, object]:
    """The rows not written into the page, as one compact JSON-ready object.

    ``checks`` maps a check id to its rows in page order (failing, then passing), each
    ``[status, resource, message]`` (indexes into ``statuses``, ``resources`` and
    ``messages``) with a 4th item when the row has more to show: ``{"u": uid}`` for a
    failing row (its anchor ``#r-<uid>``), ``"w"`` an index into ``waivers`` when waived,
    ``"l"`` / ``"c"`` its lifecycle / baseline change badge and ``"a"`` its age in days.
    Resources are ``[type index, id, name]``. Repeated strings are stored once, so
    per-user rows cost a few bytes each.
    """
    statuses = [str(s) for s in STATUS_ORDER]
    status_index = {s: i for i, s in enumerate(STATUS_ORDER)}
    types: dict[str, int] = {}
    resources: dict[tuple[str, str, str], int] = {}
    messages: dict[str, int] = {}
    waivers: dict[tuple[str, str, str], int] = {}
    checks: dict[str, list[list[object]]] = {}
    for group in groups:
        rows: list[list[object]] = []
        for result in (*group.deferred_failing, *group.deferred_passing):
            res = result.resource
            types.setdefault(res.type, len(types))
            row: list[object] = [
                status_index[result.status],
                resources.setdefault((res.type, res.id, res.name), len(resources)),
                messages.setdefault(result.message, len(messages)),
            ]
            extra = _row_extra(_row(result)) if result.status in FAILING else {}
            if result.waived and result.waiver is not None:
                waiver = result.waiver
                key = (waiver.owner, waiver.expires.isoformat(), waiver.reason)
                extra["w"] = waivers.setdefault(key, len(waivers))
            if extra:
                row.append(extra)
            rows.append(row)
        if rows:
            checks[group.info.id] = rows
    return {
        "statuses": statuses,
        "types": list(types),
        "resources": [[types[t], i, n] for t, i, n in resources],
        "messages": list(messages),
        "waivers": [list(w) for w in waivers],
        "checks": checks,
    }


def _row_extra(row: Row) -> dict[str, object]:
    """What a deferred failing row shows besides status, resource and message."""
    extra: dict[str, object] = {"u": row.uid}
    if row.lifecycle:
        extra["l"] = row.lifecycle
    elif row.change:
        extra["c"] = row.change
    if row.age_days is not None:
        extra["a"] = row.age_days
    return extra
