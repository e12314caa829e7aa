"""``report.ocsf.jsonl``: findings as OCSF Detection Finding events (class_uid 2004), one
JSON object per line, for SIEMs.

What is emitted, per OCSF's finding status:

- a FAIL: ``New`` (activity Create) when it is new, ``New`` (activity Update) when it was
  reopened, ``In Progress`` (Update) when it was already failing, ``Suppressed`` (Update)
  when waived;
- an UNKNOWN/ERROR result: status ``Other`` (activity Other), so the SIEM sees the gap;
- a finding resolved since the baseline or the last recorded run: ``Resolved`` (Close).

PASS and NOT_APPLICABLE results are not findings and are not emitted. Tests validate every
line against the JSON Schema of the OCSF version named in ``metadata.version``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final

from auditor.findings import Resource, Severity, Status
from auditor.report import AuditReport, CheckInfo, HistoryFinding, Result

OCSF_VERSION: Final = "1.5.0"
CLASS_UID: Final = 2004
CATEGORY_UID: Final = 2

_SEVERITY_ID = {Severity.INFO: 1, Severity.LOW: 2, Severity.MEDIUM: 3, Severity.HIGH: 4,
                Severity.CRITICAL: 5}
_ACTIVITY = {1: "Create", 2: "Update", 3: "Close", 99: "Other"}
_STATUS = {1: "New", 2: "In Progress", 3: "Suppressed", 4: "Resolved", 99: "Other"}


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _activity_status(result: Result) -> tuple[int, int, str]:
    """(activity_id, status_id, status_detail) for one result. Without history or baseline
    markers a FAIL counts as new."""
    if result.status is not Status.FAIL:
        return 99, 99, str(result.status)
    if result.waived:
        return 2, 3, "waived"
    if result.lifecycle == "reopened":
        return 2, 1, "reopened"
    if result.lifecycle in ("unchanged", "unverified") or (
            result.lifecycle is None and result.change == "unchanged"):
        return 2, 2, "unchanged"
    return 1, 1, "new"


class _Events:
    def __init__(self, report: AuditReport) -> None:
        self.report = report
        self.checks: dict[str, CheckInfo] = {c.id: c for c in report.checks}
        self.time = _ms(report.collected_at)

    def event(
        self, *, uid: str, check_id: str, title: str, severity: Severity, resource: Resource,
        activity: int, status: int, detail: str, message: str, doc_url: str,
        first_seen: datetime | None = None, extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        report = self.report
        info = self.checks.get(check_id)
        finding: dict[str, Any] = {
            "uid": uid, "title": title, "desc": message, "types": ["Alibaba Cloud RAM"],
            "analytic": {"type_id": 1, "type": "Rule", "uid": check_id, "name": check_id},
        }
        if doc_url:
            finding["src_url"] = doc_url
        if first_seen is not None:
            finding["first_seen_time"] = _ms(first_seen)
        account: dict[str, Any] = {"uid": report.account.id}
        if report.account.alias:
            account["name"] = report.account.alias
        return {
            "activity_id": activity, "activity_name": _ACTIVITY[activity],
            "category_uid": CATEGORY_UID, "category_name": "Findings",
            "class_uid": CLASS_UID, "class_name": "Detection Finding",
            "type_uid": CLASS_UID * 100 + activity,
            "type_name": f"Detection Finding: {_ACTIVITY[activity]}",
            "severity_id": _SEVERITY_ID[severity], "severity": str(severity).capitalize(),
            "status_id": status, "status": _STATUS[status], "status_detail": detail,
            "time": self.time,
            "message": message,
            "metadata": {
                "version": OCSF_VERSION, "profiles": ["cloud"], "event_code": check_id,
                "product": {"name": "ram-audit", "vendor_name": "ram-audit",
                            "version": report.tool.version},
            },
            "cloud": {"provider": "AlibabaCloud", "account": account},
            "finding_info": finding,
            "resources": [{"type": resource.type, "uid": resource.id,
                           **({"name": resource.name} if resource.name else {})}],
            "remediation": {
                "desc": info.remediation if info and info.remediation else (
                    f"See {doc_url}" if doc_url else "See the ram-audit report."),
                **({"references": [doc_url]} if doc_url else {}),
            },
            "unmapped": extra or {},
        }


def _extra(result: Result) -> dict[str, Any]:
    out: dict[str, Any] = {"check_status": str(result.status), "compliance": result.compliance}
    if result.waiver is not None:
        out["waiver"] = result.waiver.model_dump(mode="json")
    if result.age_days is not None:
        out["age_days"] = result.age_days
    return out


def ocsf_events(report: AuditReport) -> list[dict[str, Any]]:
    """The report's findings as OCSF Detection Finding events (plain JSON objects)."""
    events = _Events(report)
    out = []
    for r in report.results:
        if r.status in (Status.PASS, Status.NOT_APPLICABLE):
            continue
        activity, status, detail = _activity_status(r)
        out.append(events.event(
            uid=r.uid, check_id=r.check_id, title=r.title, severity=r.severity,
            resource=r.resource, activity=activity, status=status, detail=detail,
            message=r.message, doc_url=r.doc_url, first_seen=r.first_seen, extra=_extra(r),
        ))
    closed: dict[str, Result | HistoryFinding] = {}
    if report.baseline is not None:
        closed.update((r.uid, r) for r in report.baseline.resolved)
    if report.history is not None:
        closed.update((f.uid, f) for f in report.history.resolved if f.uid not in closed)
    for item in closed.values():
        message = f"Resolved: {item.title} ({item.resource.type} {item.resource.name})"
        doc_url = item.doc_url if isinstance(item, Result) else (
            events.checks[item.check_id].doc_url if item.check_id in events.checks else "")
        out.append(events.event(
            uid=item.uid, check_id=item.check_id, title=item.title, severity=item.severity,
            resource=item.resource, activity=3, status=4, detail="resolved", message=message,
            doc_url=doc_url, first_seen=getattr(item, "first_seen", None),
        ))
    return out


def render_ocsf(report: AuditReport) -> bytes:
    lines = [json.dumps(event, ensure_ascii=False, sort_keys=True)
             for event in ocsf_events(report)]
    return ("\n".join(lines) + "\n" if lines else "").encode()
