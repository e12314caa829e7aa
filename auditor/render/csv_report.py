"""``report.csv``: one row per result, safe to open in a spreadsheet.

The header never depends on the report, and every row names its account and collection
time, so the CSVs of several accounts concatenate into one table (keep the first header).
Cells starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return get a leading ``'``
(formula-injection guard: tenant-controlled names are never evaluated by a spreadsheet).
"""

from __future__ import annotations

import csv
import io

from auditor.render.timefmt import rfc3339
from auditor.report import AuditReport, CheckInfo, Result

COLUMNS = (
    "account_id",
    "account_alias",
    "collected_at",
    "uid",
    "check_id",
    "title",
    "severity",
    "status",
    "resource_type",
    "resource_id",
    "resource_name",
    "message",
    "waived",
    "waiver_owner",
    "waiver_reason",
    "waiver_expires",
    "change",
    "remediation",
    "remediation_cli",
    "doc_url",
    "compliance",
)

#: Leading characters that make spreadsheets evaluate a cell as a formula.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    """Prefix a would-be formula with ``'`` so spreadsheets show it as text."""
    return f"'{value}" if value.startswith(_FORMULA_PREFIXES) else value


def flatten_compliance(compliance: dict[str, list[str]]) -> str:
    """``{"cis-alibaba-v1": ["1.4", "1.5"]}`` -> ``cis-alibaba-v1:1.4,1.5`` (``;`` between)."""
    return ";".join(f"{name}:{','.join(ids)}" for name, ids in sorted(compliance.items()))


def _row(report: AuditReport, result: Result, check: CheckInfo | None) -> list[str]:
    waiver = result.waiver
    return [
        report.account.id,
        report.account.alias,
        rfc3339(report.collected_at),
        result.uid,
        result.check_id,
        result.title,
        str(result.severity),
        str(result.status),
        result.resource.type,
        result.resource.id,
        result.resource.name,
        result.message,
        "true" if result.waived else "false",
        waiver.owner if waiver else "",
        waiver.reason if waiver else "",
        waiver.expires.isoformat() if waiver else "",
        result.change or "",
        check.remediation if check else "",
        check.remediation_cli if check else "",
        result.doc_url,
        flatten_compliance(result.compliance),
    ]


def render_csv(report: AuditReport) -> bytes:
    checks = {check.id: check for check in report.checks}
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for result in report.results:
        row = _row(report, result, checks.get(result.check_id))
        writer.writerow([neutralise_formula(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")
