"""`ram-audit history` and `history findings` filters, in process (click's runner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from history_support import KEYS, MFA, report, result

from auditor.findings import Status
from auditor.history.apply import record_report
from auditor.history.commands import history_command
from auditor.history.store import open_history


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "h.db"
    with open_history(path) as history:
        for day in range(0, 50, 10):  # alice fails throughout; k1 fails from day 30, then fixed
            results = [result(MFA, Status.FAIL, "alice"),
                       result(KEYS, Status.FAIL if day == 30 else Status.PASS, "k1",
                              resource_type="access_key")]
            record_report(history, report(results, day=day), keep_days=400)
        other = report([result(MFA, Status.FAIL, "zed", account="999")], account="999", day=5)
        record_report(history, other, keep_days=400)
    return path


def _json(db: Path, *args: str) -> list[dict[str, object]]:
    out = CliRunner().invoke(history_command, ["--history", str(db), *args, "--format", "json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_runs_filters(db: Path) -> None:
    assert len(_json(db)) == 6
    assert [r["collected_at"][:10] for r in _json(db, "--account", "1234567890123456",
                                                  "--since", "2026-01-25")] == [
        "2026-01-31", "2026-02-10"]


def test_findings_filters_and_ages(db: Path) -> None:
    rows = {r["resource_name"]: r for r in _json(db, "findings")}
    assert rows["alice"]["age_days"] == 40 and rows["alice"]["state"] == "open"
    assert rows["k1"]["state"] == "resolved" and rows["k1"]["age_days"] == 10
    assert rows["zed"]["age_days"] == 0  # its account's only run
    assert [r["resource_name"] for r in _json(db, "findings", "--open")] == ["alice", "zed"]
    assert [r["resource_name"] for r in _json(db, "findings", "--older-than", "11")] == [
        "alice"]
    assert [r["resource_name"] for r in _json(db, "findings", "--check", KEYS)] == ["k1"]
    assert [r["resource_name"] for r in _json(db, "findings", "--account", "999")] == ["zed"]


def test_tables_render(db: Path) -> None:
    out = CliRunner().invoke(history_command, ["--history", str(db), "findings"])
    assert out.exit_code == 0 and "reopened" not in out.output
    assert "ram-audit findings (3)" in out.output and "resolved" in out.output


def test_an_empty_table_is_just_its_header(db: Path) -> None:
    out = CliRunner().invoke(history_command, ["--history", str(db), "findings", "--check", "x"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0] == "ram-audit findings (0)"
