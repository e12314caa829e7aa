"""Between the history database and the report: record a run, mark its results, and
rebuild the previous run as a baseline (``--baseline history``)."""

from __future__ import annotations

from auditor.engine import summarise
from auditor.findings import Resource, Severity, Status
from auditor.history.lifecycle import FindingRow, age_days, parse_time
from auditor.history.store import History, RunRow
from auditor.report import (
    Account,
    AuditReport,
    Caller,
    HistoryFinding,
    HistoryInfo,
    Result,
    Tool,
    TrendPoint,
)


def _resource(row: FindingRow) -> Resource:
    return Resource(type=row.resource_type, id=row.resource_id, name=row.resource_name)


def _result(row: FindingRow) -> Result:
    return Result(
        uid=row.uid, check_id=row.check_id, title=row.title, severity=Severity(row.severity),
        status=Status(row.status), resource=_resource(row), message=row.message,
        waived=row.waived, doc_url=row.doc_url,
    )


def baseline_from_history(history: History, account_id: str) -> AuditReport | None:
    """The account's latest recorded run as a report (None before its first run).

    Its results are the findings that run reported, with the status it gave them; that is
    all ``auditor.baseline`` compares.
    """
    runs = history.runs(account_id, limit=1)
    if not runs:
        return None
    run = runs[-1]
    results = [_result(row) for row in history.findings(account_id, present_only=True)]
    return AuditReport(
        tool=Tool(version=run.tool_version),
        account=Account(id=account_id, alias=run.account_alias,
                        caller=Caller(arn="", identity_type="")),
        collected_at=parse_time(run.collected_at),
        results=results,
        summary=summarise(results),
    )


def _point(run: RunRow) -> TrendPoint:
    return TrendPoint(collected_at=parse_time(run.collected_at), complete=run.complete,
                      unwaived_failures_by_severity=run.unwaived_failures_by_severity)


def _entry(row: FindingRow) -> HistoryFinding:
    return HistoryFinding(
        uid=row.uid, check_id=row.check_id, title=row.title, severity=Severity(row.severity),
        resource=_resource(row),
        first_seen=parse_time(row.first_seen_at) if row.first_seen_at else None,
    )


def record_report(history: History, report: AuditReport, *, keep_days: int) -> AuditReport:
    """Record ``report`` as a run; return it with lifecycle markers and ``history`` filled."""
    recorded = history.record(report, keep_days=keep_days)
    marks = recorded.outcome.markers
    results = []
    for result in report.results:
        mark = marks.get(result.uid)
        if mark is not None:
            result = result.model_copy(update={
                "lifecycle": mark.marker,
                "first_seen": parse_time(mark.first_seen),
                "age_days": age_days(mark.opened_at, report.collected_at),
            })
        results.append(result)
    events = dict(recorded.outcome.events)
    counts = list(events.values())
    resolved = [_entry(r) for r in recorded.outcome.rows if events.get(r.uid) == "resolved"]
    unverified = [
        _entry(r)
        for r in history.findings(report.account.id, open_only=True, unverified_only=True)
    ] if recorded.lifecycle_applied else []
    previous = recorded.previous
    info = HistoryInfo(
        run_id=recorded.run_id,
        recorded=recorded.lifecycle_applied,
        previous_collected_at=parse_time(previous.collected_at) if previous else None,
        new=counts.count("new"),
        reopened=counts.count("reopened"),
        resolved=resolved,
        unverified=unverified,
        trend=[_point(run) for run in recorded.trend],
    )
    return report.model_copy(update={"results": results, "history": info})
