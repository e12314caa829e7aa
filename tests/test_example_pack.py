"""A third-party pack installed with pip is discovered, runs and appears in the reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.snapshot_file import save_snapshot
from auditor.testing import make_snapshot, make_user

PACK = Path(__file__).resolve().parents[1] / "examples" / "ram-audit-example-pack"


@pytest.fixture(scope="module")
def pack_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--target", str(target), str(PACK)],
        check=True,
    )
    return target


def _ram_audit(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=120,
    )


def test_pack_checks_are_listed(pack_site: Path, tmp_path: Path) -> None:
    proc = _ram_audit(pack_site, "list-checks", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    entries = {e["id"]: e for e in json.loads(proc.stdout)}
    acme = entries["acme_user_display_name_set"]
    assert acme["pack"] == "acme" and acme["params"] == {"ignore_prefixes": ["svc-"]}
    assert "root_mfa_enabled" in entries


def test_pack_checks_run_and_appear_in_reports(pack_site: Path, tmp_path: Path) -> None:
    users = [
        make_user("fail_anonymous"),
        make_user("pass_named").model_copy(update={"display_name": "Alice Ng"}),
        make_user("svc-ignored"),
    ]
    snapshot_path = tmp_path / "snapshot.json"
    save_snapshot(make_snapshot(users=users), snapshot_path)
    proc = _ram_audit(
        pack_site, "evaluate", str(snapshot_path), "--checks", "acme_user_display_name_set",
        "--format", "json,html", "--output-dir", str(tmp_path / "out"), "--fail-on", "low",
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr  # a low-severity FAIL with --fail-on low
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    statuses = {r["resource"]["name"]: r["status"] for r in report["results"]}
    assert statuses == {"fail_anonymous": "FAIL", "pass_named": "PASS"}
    assert "acme_user_display_name_set" in (tmp_path / "out" / "report.html").read_text()
