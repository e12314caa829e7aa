"""``report.prom``: OpenMetrics gauges for scraping or a Pushgateway/textfile collector.

Every series a dashboard or alert may query is present in every report, at 0 when nothing
matched (an absent series cannot be told from a broken exporter): results per status, per
check and status, failures per severity and waived state, new failures per severity, the
weighted score, the incomplete flag and the collection time.
"""

from __future__ import annotations

from collections import Counter

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.openmetrics.exposition import generate_latest

from auditor.findings import Severity, Status
from auditor.render.view import (
    SEVERITY_ORDER,
    STATUS_ORDER,
    group_by_check,
    weighted_check_score,
)
from auditor.report import AuditReport, Result

_ACCOUNT = ("account_id", "account_alias")
#: History lifecycles that mean "failing now and not failing at the previous run".
_NEW_LIFECYCLES = ("new", "reopened")


def is_new_failure(result: Result) -> bool:
    """An unwaived FAIL that is new against --baseline, or new/reopened in --history."""
    if result.status is not Status.FAIL or result.waived:
        return False
    return result.change == "new" or result.lifecycle in _NEW_LIFECYCLES


def check_severities(report: AuditReport) -> dict[str, Severity]:
    """Every check of the run (those without results too) and its severity."""
    severities = {check.id: check.severity for check in report.checks}
    for result in report.results:
        severities.setdefault(result.check_id, result.severity)
    return dict(sorted(severities.items()))


def incomplete(report: AuditReport) -> bool:
    """Some result could not be decided, or some data could not be collected."""
    return any(r.status in (Status.UNKNOWN, Status.ERROR) for r in report.results) or any(
        issue.kind == "missing" for issue in report.collection_issues
    )


def render_openmetrics(report: AuditReport) -> bytes:
    registry = CollectorRegistry(auto_describe=True)
    account = (report.account.id, report.account.alias)

    def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
        return Gauge(name, doc, [*_ACCOUNT, *labels], registry=registry)

    results = gauge("ram_audit_results", "Results by status", ("status",))
    by_status = Counter(str(r.status) for r in report.results)
    for status in STATUS_ORDER:
        results.labels(*account, str(status)).set(by_status.get(str(status), 0))

    failures = gauge(
        "ram_audit_failures", "FAIL results by severity and waived state", ("severity", "waived")
    )
    fails = Counter(
        (str(r.severity), str(r.waived).lower()) for r in report.results if r.status == "FAIL"
    )
    for severity in SEVERITY_ORDER:
        for waived in ("false", "true"):
            failures.labels(*account, str(severity), waived).set(
                fails.get((str(severity), waived), 0)
            )

    new = gauge(
        "ram_audit_new_failures",
        "Unwaived FAIL results new since --baseline or new/reopened in --history "
        "(0 without either)",
        ("severity",),
    )
    new_counts = Counter(str(r.severity) for r in report.results if is_new_failure(r))
    for severity in SEVERITY_ORDER:
        new.labels(*account, str(severity)).set(new_counts.get(str(severity), 0))

    per_check = gauge(
        "ram_audit_check_results",
        "Results per check by status (every check and status, 0 when none)",
        ("check_id", "severity", "status"),
    )
    check_counts = Counter((r.check_id, str(r.status)) for r in report.results)
    for check_id, severity in check_severities(report).items():
        for status in STATUS_ORDER:
            per_check.labels(*account, check_id, str(severity), str(status)).set(
                check_counts.get((check_id, str(status)), 0)
            )

    score, _passing, _decided = weighted_check_score(group_by_check(report))
    gauge(
        "ram_audit_score",
        "Severity-weighted share of decided checks with no unwaived failure, 0-100 "
        "(NaN when no check decided)",
    ).labels(*account).set(float("nan") if score is None else score)
    gauge(
        "ram_audit_incomplete",
        "1 when some result is UNKNOWN/ERROR or some data could not be collected, else 0",
    ).labels(*account).set(1 if incomplete(report) else 0)
    gauge(
        "ram_audit_collection_issues", "Collection issues (missing or degraded data)"
    ).labels(*account).set(len(report.collection_issues))
    gauge(
        "ram_audit_collected_timestamp_seconds", "When the account was collected (Unix time)"
    ).labels(*account).set(report.collected_at.timestamp())
    return generate_latest(registry)
