"""``report.csv``: one row per result, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from auditor.report import AuditReport, Result

COLUMNS = (
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


def _row(result: Result) -> list[str]:
    waiver = result.waiver
    return [
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
        result.doc_url,
        flatten_compliance(result.compliance),
    ]


def render_csv(report: AuditReport) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for result in report.results:
        writer.writerow([neutralise_formula(cell) for cell in _row(result)])
    return buffer.getvalue().encode("utf-8")
