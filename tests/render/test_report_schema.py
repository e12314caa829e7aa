"""The committed report.v1.json is current and real reports validate against it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from auditor.render import render_report
from auditor.render.schema import SCHEMA_PATH, schema_text
from auditor.report import AuditReport


def test_committed_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "auditor/schema/report.v1.json is stale: run `python -m auditor.render.schema`"
    )


@pytest.mark.parametrize("fixture", ["typical_report", "incomplete_report"])
def test_rendered_reports_validate(
    fixture: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    report: AuditReport = request.getfixturevalue(fixture)
    (path,) = render_report(report, ["json"], tmp_path)
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(json.loads(path.read_text()))


def test_schema_rejects_a_wrong_status(typical_report: AuditReport) -> None:
    data = json.loads(typical_report.model_dump_json())
    data["results"][0]["status"] = "OK"
    schema = json.loads(SCHEMA_PATH.read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(data)
