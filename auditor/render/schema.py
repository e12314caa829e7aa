"""The committed JSON Schema of report.json; ``python -m auditor.render.schema`` rewrites it."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.report import AuditReport

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "report.v1.json"
#: The schema's identifier: a URN, since the project publishes no URL that would resolve.
#: Tools find the file itself in the package (``auditor/schema/report.v1.json``).
SCHEMA_ID = "urn:ram-audit:schema:report:v1"


def report_schema() -> dict[str, object]:
    """The schema of ``report.json`` as serialised (``mode="serialization"``)."""
    schema = AuditReport.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }


def schema_text() -> str:
    return json.dumps(report_schema(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")


if __name__ == "__main__":
    main()
