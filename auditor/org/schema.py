"""The committed JSON Schema of org-report.json; ``python -m auditor.org.schema`` rewrites it."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.org.report import OrgReport

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "org-report.v1.json"
SCHEMA_ID = "urn:ram-audit:schema:org-report:v1"


def org_report_schema() -> dict[str, object]:
    """The schema of ``org-report.json`` as serialised (``mode="serialization"``)."""
    schema = OrgReport.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            **schema}


def schema_text() -> str:
    return json.dumps(org_report_schema(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")


if __name__ == "__main__":
    main()
