"""The daily job end to end through the command line: evaluate recorded in a history run
after run, `history` and `history findings`, --baseline history, and notifications that
fail without changing the exit code or losing the report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from fake_webhooks import FakePlatform, Received, serving, text_ok

from auditor.sections import Section
from auditor.snapshot_file import save_snapshot
from auditor.testing import NOW, make_snapshot, make_user, missing

CHECK = "user_console_mfa_bound"


def ram_audit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ALIBABA_CLOUD_", "RAM_AUDIT_"))}
    env.update({"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "HOME": str(cwd)})
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=180)


def _snapshot(path: Path, day: int, *, mfa: bool, unknown: bool = False) -> Path:
    snap = make_snapshot(
        users=(make_user("alice", console=True, mfa=mfa, last_login_days_ago=1),),
        issues=(missing(Section.USERS),) if unknown else (),
    )
    meta = snap.meta.model_copy(update={"collected_at": NOW + timedelta(days=day)})
    save_snapshot(snap.model_copy(update={"meta": meta}), path)
    return path


def _evaluate(tmp: Path, day: int, *extra: str, mfa: bool, unknown: bool = False
              ) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    snap = _snapshot(tmp / f"day{day}.json", day, mfa=mfa, unknown=unknown)
    out = tmp / f"out{day}"
    proc = ram_audit("evaluate", str(snap), "--checks", CHECK, "--format", "json",
                     "--output-dir", str(out), "--history", str(tmp / "h.db"), *extra, cwd=tmp)
    report = json.loads((out / "report.json").read_text()) if out.exists() else {}
    return proc, report


def _alice(report: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in report["results"] if r["resource"]["name"] == "alice")


def test_a_month_of_the_daily_job(tmp_path: Path) -> None:
    proc, first = _evaluate(tmp_path, 0, mfa=False)
    assert proc.returncode == 1, proc.stderr
    assert _alice(first)["lifecycle"] == "new" and first["history"]["new"] == 1
    assert "History: run 1 recorded: 1 new" in proc.stderr

    proc, second = _evaluate(tmp_path, 1, mfa=False, unknown=True)
    assert proc.returncode == 4, proc.stderr
    assert {r["status"] for r in second["results"]} == {"UNKNOWN"}  # the users are unknown
    assert [f["resource"]["name"] for f in second["history"]["unverified"]] == ["alice"]
    assert second["history"]["resolved"] == []

    proc, third = _evaluate(tmp_path, 2, "--baseline", "history", mfa=True)
    assert proc.returncode == 0, proc.stderr
    assert third["baseline"]["previous_collected_at"] == "2026-11-29T10:00:00Z"
    assert [f["resource"]["name"] for f in third["history"]["resolved"]] == ["alice"]
    assert [p["unwaived_failures_by_severity"]["high"] for p in third["history"]["trend"]] == [
        1, 0, 0]

    runs = ram_audit("history", "--history", str(tmp_path / "h.db"), "--format", "json",
                     cwd=tmp_path)
    assert runs.returncode == 0, runs.stderr
    assert [(r["id"], r["complete"]) for r in json.loads(runs.stdout)] == [
        (1, True), (2, False), (3, True)]
    found = ram_audit("history", "findings", "--history", str(tmp_path / "h.db"), "--format",
                      "json", cwd=tmp_path)
    (alice,) = json.loads(found.stdout)
    assert (alice["state"], alice["age_days"], alice["resolved_at"]) == (
        "resolved", 2, "2026-11-30T10:00:00Z")
    still_open = ram_audit("history", "--history", str(tmp_path / "h.db"), "findings",
                           "--open", "--format", "json", cwd=tmp_path)
    assert json.loads(still_open.stdout) == []
    table = ram_audit("history", "--history", str(tmp_path / "h.db"), cwd=tmp_path)
    assert "3 runs" in table.stdout and "2026-11-28 10:00" in table.stdout
    assert "1/0/0/0" not in table.stdout and "0/1/0/0" in table.stdout  # the high FAIL


def _refuse(_req: Received) -> tuple[int, bytes]:
    return 403, b"forbidden"


def test_notifications_never_change_the_exit_code_or_lose_the_report(tmp_path: Path) -> None:
    _evaluate(tmp_path, 0, mfa=False)
    _evaluate(tmp_path, 1, mfa=True)
    with serving(FakePlatform(text_ok)) as good, serving(FakePlatform(_refuse)) as bad:
        proc, report = _evaluate(
            tmp_path, 2, "--notify", f"webhook:{good.url}", "--notify", f"slack:{bad.url}/T0K",
            "--report-url", "https://reports.example/today", mfa=False)
    assert proc.returncode == 1, proc.stderr  # what it is without notifications
    (received,) = good.received
    assert [(f["resource"]["name"], f["label"]) for f in received.body["findings"]] == [
        ("alice", "reopened")]
    assert received.body["report_url"] == "https://reports.example/today"
    assert len(bad.received) == 1
    assert report["notification_errors"] == [
        {"target": "slack (127.0.0.1)", "error": "HTTP 403", "attempts": 1}]
    assert "warning: notification to slack (127.0.0.1) failed: HTTP 403" in proc.stderr
    assert "T0K" not in proc.stderr and "T0K" not in json.dumps(report)


def test_usage_errors(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path / "s.json", 0, mfa=False)
    cases = [
        (["evaluate", str(snap), "--baseline", "history"], "--baseline history needs --history"),
        (["evaluate", str(snap), "--notify", "teams:https://x.example"], "--notify"),
        (["evaluate", str(snap), "--history", str(snap)], "not a usable ram-audit history"),
        (["history", "--history", str(tmp_path / "none.db")], "no such history file"),
        (["history"], "no history: give --history"),
    ]
    for args, message in cases:
        proc = ram_audit(*args, cwd=tmp_path)
        assert proc.returncode == 2, (args, proc.stderr)
        assert message in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
