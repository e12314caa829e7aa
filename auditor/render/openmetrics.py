"""``report.prom``: OpenMetrics gauges for scraping or a Pushgateway/textfile collector."""

from __future__ import annotations

from collections import Counter

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.openmetrics.exposition import generate_latest

from auditor.render.view import SEVERITY_ORDER, STATUS_ORDER
from auditor.report import AuditReport

_ACCOUNT = ("account_id", "account_alias")


def render_openmetrics(report: AuditReport) -> bytes:
    registry = CollectorRegistry(auto_describe=True)
    account = (report.account.id, report.account.alias)

    results = Gauge(
        "ram_audit_results", "Results by status", [*_ACCOUNT, "status"], registry=registry
    )
    by_status = Counter(str(r.status) for r in report.results)
    for status in STATUS_ORDER:
        results.labels(*account, str(status)).set(by_status.get(str(status), 0))

    failures = Gauge(
        "ram_audit_failures",
        "FAIL results by severity and waived state",
        [*_ACCOUNT, "severity", "waived"],
        registry=registry,
    )
    fails = Counter(
        (str(r.severity), str(r.waived).lower()) for r in report.results if r.status == "FAIL"
    )
    for severity in SEVERITY_ORDER:
        for waived in ("false", "true"):
            failures.labels(*account, str(severity), waived).set(
                fails.get((str(severity), waived), 0)
            )

    per_check = Gauge(
        "ram_audit_check_results",
        "Results per check by status",
        [*_ACCOUNT, "check_id", "severity", "status"],
        registry=registry,
    )
    check_counts = Counter((r.check_id, str(r.severity), str(r.status)) for r in report.results)
    for (check_id, severity_label, status_label), count in sorted(check_counts.items()):
        per_check.labels(*account, check_id, severity_label, status_label).set(count)

    Gauge(
        "ram_audit_collection_issues",
        "Collection issues (missing or degraded data)",
        _ACCOUNT,
        registry=registry,
    ).labels(*account).set(len(report.collection_issues))
    Gauge(
        "ram_audit_collected_timestamp_seconds",
        "When the account was collected (Unix time)",
        _ACCOUNT,
        registry=registry,
    ).labels(*account).set(report.collected_at.timestamp())
    return generate_latest(registry)
