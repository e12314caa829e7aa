"""``report.json``: the AuditReport itself, schema_version "1"."""

from __future__ import annotations

from auditor.report import AuditReport


def render_json(report: AuditReport) -> bytes:
    return (report.model_dump_json(indent=2) + "\n").encode()
