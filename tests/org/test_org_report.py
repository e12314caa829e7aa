"""org-report.json against its committed schema; org-report.html self-contained."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from org_support import auditor, reader_role, settings_for, small_org

from auditor.emulator.org_server import OrgEmulator
from auditor.org.accounts import AccountsFile
from auditor.org.merge import ORG_HTML, ORG_JSON, build_org_report, write_org_report
from auditor.org.report import OrgReport
from auditor.org.runner import OrgRun, run_members
from auditor.org.schema import SCHEMA_PATH, schema_text
from auditor.org.shard import WHOLE
from auditor.pipeline import Options, prepare


@pytest.fixture(scope="module")
def org_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("org")
    spec = small_org(3, 3, **{"1": {"roles": [reader_role("acs:ram::1999999999999999:root")]},
                              "2": {"status": "Removing"}})
    accounts = AccountsFile.model_validate({
        "resource_directory_id": spec.resource_directory.id,
        "accounts": [{"id": m.id, "name": m.name, "status": m.status} for m in spec.accounts]})
    with OrgEmulator(spec) as emu:
        run = OrgRun(accounts=accounts, settings=settings_for(emu), credentials=auditor(),
                     output_dir=out, shard=WHOLE)
        run_members(run, prepare(Options(output_dir=out, formats=("json", "html"))),
                    lambda _line: None)
    write_org_report(build_org_report([out], out), out)
    return out


def test_committed_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "auditor/schema/org-report.v1.json is stale: run `python -m auditor.org.schema`"
    )


def test_org_report_validates_and_reads_back(org_dir: Path) -> None:
    data = json.loads((org_dir / ORG_JSON).read_text())
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["schema_version"] == "org-1"
    assert OrgReport.model_validate(data).summary.accounts_not_audited == 2
    failing = {c["check_id"]: c["failing_accounts"] for c in data["checks"]}
    assert any(failing.values())


@pytest.mark.parametrize(("path", "value"), [
    (("accounts", 0, "status"), "partially"),
    (("schema_version",), "1"),
    (("summary", "accounts_audited"), "many"),
])
def test_schema_rejects_wrong_values(org_dir: Path, path: tuple[object, ...],
                                     value: object) -> None:
    data = json.loads((org_dir / ORG_JSON).read_text())
    node = data
    for part in path[:-1]:
        node = node[part]  # type: ignore[index]
    node[path[-1]] = value  # type: ignore[index]
    schema = json.loads(SCHEMA_PATH.read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(data)


def test_html_is_self_contained_with_not_audited_first(org_dir: Path) -> None:
    html = (org_dir / ORG_HTML).read_text()
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert html.index('id="not-audited"') < html.index('id="matrix"') < html.index('id="checks"')
    assert "status Removing" in html and "NoPermission" in html
    data = json.loads((org_dir / ORG_JSON).read_text())
    for account in data["accounts"]:
        if account["status"] == "audited":
            link = account["report"].replace("report.json", "report.html")
            assert f'href="{link}"' in html
            assert (org_dir / link).is_file()
