"""``report.json``: the AuditReport itself, schema_version "1"."""

from __future__ import annotations

from pydantic import TypeAdapter

from auditor.report import AuditReport

#: Serialises straight to bytes, the same bytes as ``model_dump_json`` (which decodes
#: them to a str that would then be encoded again: three copies of a large report).
_REPORT: TypeAdapter[AuditReport] = TypeAdapter(AuditReport)


def render_json_parts(report: AuditReport) -> tuple[bytes, bytes]:
    """The file as the report and its final newline, written one after the other:
    appending the newline would copy the report (56 MB at 10,000 users)."""
    return _REPORT.dump_json(report, indent=2), b"\n"


def render_json(report: AuditReport) -> bytes:
    return b"".join(render_json_parts(report))
