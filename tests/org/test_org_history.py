"""run --accounts --history: every audited member is its own run in the one history, with
per-account finding lifecycles; not-audited members are not recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from org_support import (
    AUDITOR_ENV,
    auditor,
    endpoint_args,
    four_member_org,
    ram_audit,
    settings_for,
)

from auditor.emulator.org_generate import MANAGEMENT_ID, member_id
from auditor.emulator.org_server import OrgEmulator
from auditor.history.store import open_history
from auditor.org.accounts import AccountsFile, dump_accounts
from auditor.org.runner import OrgRun, run_members
from auditor.org.shard import WHOLE
from auditor.pipeline import Options, prepare

GOOD, WRONG_TRUST, LATE, PENDING = (member_id(n) for n in range(4))


@pytest.fixture(scope="module")
def emu() -> Iterator[OrgEmulator]:
    with OrgEmulator(four_member_org()) as emulator:
        yield emulator


def accounts_file(emu: OrgEmulator, only: list[str]) -> AccountsFile:
    return AccountsFile.model_validate({
        "resource_directory_id": emu.spec.resource_directory.id,
        "management_account_id": MANAGEMENT_ID,
        "accounts": [{"id": m.id, "name": m.name, "status": m.status}
                     for m in emu.spec.accounts if m.id in only]})


def org_run(emu: OrgEmulator, out: Path, db: Path, only: list[str]) -> set[str]:
    """One organisation run of ``only`` recording into ``db``; returns the audited ids."""
    plan = prepare(Options(output_dir=out, formats=("json",), history=db))
    run = OrgRun(accounts=accounts_file(emu, only), settings=settings_for(emu),
                 credentials=auditor(), output_dir=out, shard=WHOLE, workers=4)
    manifest, _ = run_members(run, plan, lambda _line: None)
    return set(manifest.audited)


def member_report(out: Path, account: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(
        (out / "accounts" / account / "report.json").read_text())
    return report


def test_each_member_is_its_own_run_with_its_own_lifecycle(emu: OrgEmulator,
                                                           tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    first = org_run(emu, tmp_path / "day1", db, [MANAGEMENT_ID, GOOD, WRONG_TRUST, PENDING])
    assert first == {MANAGEMENT_ID, GOOD}
    # the second day LATE joins the audit; the others are unchanged
    second = org_run(emu, tmp_path / "day2", db, [MANAGEMENT_ID, GOOD, WRONG_TRUST, LATE,
                                                   PENDING])
    assert second == {MANAGEMENT_ID, GOOD, LATE}

    with open_history(db) as history:
        runs = history.runs()
        findings = history.findings()
    per_account: dict[str, int] = {}
    for run in runs:
        per_account[run.account_id] = per_account.get(run.account_id, 0) + 1
    assert per_account == {MANAGEMENT_ID: 2, GOOD: 2, LATE: 1}  # none for WRONG_TRUST, PENDING
    assert len({run.id for run in runs}) == 5
    # each member's failing findings are tracked under its own account id
    owners = {row.uid: row.account_id for row in findings}
    for account in (MANAGEMENT_ID, GOOD, LATE):
        failing = {r["uid"] for r in member_report(tmp_path / "day2", account)["results"]
                   if r["status"] == "FAIL"}
        assert failing and {owners.get(uid) for uid in failing} == {account}

    for account in (MANAGEMENT_ID, GOOD):
        day1 = member_report(tmp_path / "day1", account)
        day2 = member_report(tmp_path / "day2", account)
        failing = [r for r in day1["results"] if r["status"] == "FAIL"]
        assert failing and all(r["lifecycle"] == "new" for r in failing)
        assert day1["history"]["previous_collected_at"] is None
        assert day2["history"]["previous_collected_at"] is not None
        assert day2["history"]["new"] == 0
        assert {r["lifecycle"] for r in day2["results"] if r["status"] == "FAIL"} == {
            "unchanged"}
    # the same world in a new account: its findings are new there, whatever the others had
    late = member_report(tmp_path / "day2", LATE)
    assert late["history"]["previous_collected_at"] is None
    failing = [r for r in late["results"] if r["status"] == "FAIL"]
    assert failing and all(r["lifecycle"] == "new" for r in failing)
    assert late["history"]["new"] == len(failing)


def test_cli_records_members_and_history_lists_them(emu: OrgEmulator, tmp_path: Path) -> None:
    dump_accounts(accounts_file(emu, [m.id for m in emu.spec.accounts]),
                  tmp_path / "accounts.yaml")
    args = ["run", "--accounts", "accounts.yaml", *endpoint_args(emu), "--output-dir", "out",
            "--fail-on", "never", "--workers", "3", "--history", "h.db"]
    for _ in range(2):
        proc = ram_audit(*args, cwd=tmp_path, env=AUDITOR_ENV)
        assert proc.returncode == 4, proc.stderr  # WRONG_TRUST and PENDING not audited
        assert "History: 3 member run(s) recorded in h.db" in proc.stderr
    proc = ram_audit("history", "--history", "h.db", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    accounts = [run["account_id"] for run in json.loads(proc.stdout)]
    assert sorted(accounts) == sorted([MANAGEMENT_ID, GOOD, LATE] * 2)
    proc = ram_audit("history", "--history", "h.db", "--account", GOOD, "--format", "json",
                     cwd=tmp_path)
    assert [run["account_id"] for run in json.loads(proc.stdout)] == [GOOD, GOOD]
    report = json.loads((tmp_path / "out" / "accounts" / GOOD / "report.json").read_text())
    assert report["history"]["previous_collected_at"] is not None


def test_notify_is_still_refused_with_accounts(tmp_path: Path) -> None:
    (tmp_path / "accounts.yaml").write_text("accounts: [{id: '1'}]\n")
    proc = ram_audit("run", "--accounts", "accounts.yaml", "--notify",
                     "https://hooks.example/x", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--notify is not supported with --accounts" in proc.stderr
