"""--baseline PREVIOUS_ORG_DIR, permissions --audit-role and demo --org."""

from __future__ import annotations

import json
from pathlib import Path

from org_support import auditor, ram_audit, settings_for, small_org

from auditor.emulator.org_generate import MANAGEMENT_ID, member_id
from auditor.emulator.org_server import OrgEmulator
from auditor.org.accounts import AccountsFile
from auditor.org.merge import ORG_JSON, build_org_report, write_org_report
from auditor.org.runner import OrgRun, run_members
from auditor.org.shard import WHOLE
from auditor.pipeline import Options, prepare


def _run(emu: OrgEmulator, out: Path, baseline: Path | None = None) -> None:
    accounts = AccountsFile.model_validate(
        {"accounts": [{"id": m.id} for m in emu.spec.accounts]})
    run = OrgRun(accounts=accounts, settings=settings_for(emu), credentials=auditor(),
                 output_dir=out, shard=WHOLE, baseline_dir=baseline)
    run_members(run, prepare(Options(output_dir=out, formats=("json",))), lambda _l: None)
    write_org_report(build_org_report([out], out, baseline_dir=baseline), out)


def test_baseline_compares_each_member_with_its_previous_report(tmp_path: Path) -> None:
    with OrgEmulator(small_org(2, 4)) as emu:
        _run(emu, tmp_path / "before")
        previous = json.loads((tmp_path / "before" / ORG_JSON).read_text())
        check = next(c for c in previous["checks"] if c["failing_accounts"])
        dropped = check["failing_accounts"][0]
        check["failing_accounts"] = check["failing_accounts"][1:]  # as if it passed before
        (tmp_path / "before" / ORG_JSON).write_text(json.dumps(previous))
        _run(emu, tmp_path / "after", baseline=tmp_path / "before")
    after = json.loads((tmp_path / "after" / ORG_JSON).read_text())
    assert after["baseline"]["new_failing_accounts"] == {check["check_id"]: [dropped]}
    assert all(a["new_failures"] == 0 for a in after["accounts"])  # members vs their reports
    member = json.loads((tmp_path / "after" / "accounts" / member_id(0) / "report.json")
                        .read_text())
    assert member["baseline"] is not None
    assert {r["change"] for r in member["results"] if r["status"] == "FAIL"} == {"unchanged"}


def test_permissions_audit_role_trusts_the_auditing_account(tmp_path: Path) -> None:
    proc = ram_audit("permissions", "--audit-role", "--auditing-account", MANAGEMENT_ID,
                     "--external-id", "ext-9", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["role_name"] == "ram-audit-reader"
    assert "ram:ListUsers" in data["policy"]["Statement"][0]["Action"]
    (statement,) = data["trust_policy"]["Statement"]
    assert statement["Principal"]["RAM"] == [f"acs:ram::{MANAGEMENT_ID}:root"]
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": "ext-9"}}


def test_demo_org(tmp_path: Path) -> None:
    proc = ram_audit("demo", "--org", "--output-dir", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "out" / ORG_JSON).read_text())
    by_name = {a["name"]: a for a in report["accounts"]}
    assert by_name["sandbox-dev"]["status"] == "not_audited"
    assert "EntityNotExist.Role" in by_name["sandbox-dev"]["reason"]
    retail, labs = by_name["retail-prod"]["summary"], by_name["labs-prod"]["summary"]
    assert sum(retail["by_severity"].values()) > sum(labs["by_severity"].values())
    assert (tmp_path / "out" / "org-report.html").is_file()
