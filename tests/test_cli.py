"""The command line end to end: exit codes, offline evaluate, demo, emulator runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.emulator import Emulator, Faults
from auditor.emulator.generate import AUDITOR_KEY_ID, AUDITOR_KEY_SECRET, generate_world
from auditor.snapshot_file import save_snapshot
from auditor.testing import make_snapshot

ROOT = Path(__file__).resolve().parents[1]


def ram_audit(*args: str, cwd: Path, env: dict[str, str] | None = None,
              timeout: float = 180) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ALIBABA_CLOUD_")}
    full_env.update({"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "HOME": str(cwd)})
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True,
                          text=True, cwd=cwd, env=full_env, timeout=timeout)


@pytest.fixture(scope="module")
def world_emulator():  # type: ignore[no-untyped-def]
    with Emulator(generate_world(60, seed=3), port=0) as emu:
        yield emu


def _endpoint_args(emu: Emulator) -> list[str]:
    return [f"--endpoint={s}=http://{emu.endpoint}" for s in ("ram", "ims", "sts")]


AUDITOR_ENV = {"ALIBABA_CLOUD_ACCESS_KEY_ID": AUDITOR_KEY_ID,
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AUDITOR_KEY_SECRET}


def test_demo_end_to_end(tmp_path: Path) -> None:
    proc = ram_audit("demo", "--output-dir", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    html = (tmp_path / "out" / "report.html").read_text()
    by_check: dict[str, set[str]] = {}
    for result in report["results"]:
        by_check.setdefault(result["check_id"], set()).add(result["status"])
    assert by_check["root_access_key_absent"] == {"FAIL"}
    assert by_check["root_mfa_enabled"] == {"PASS"}
    assert by_check["password_policy_min_length"] == {"FAIL"}
    assert "root_access_key_absent" in html and str(tmp_path / "out" / "report.html") in proc.stderr
    assert sum(report["api_calls"].values()) > 0


def test_run_against_emulator_with_env_credentials(world_emulator: Emulator,
                                                   tmp_path: Path) -> None:
    proc = ram_audit("run", *_endpoint_args(world_emulator), "--format", "json",
                     "--output-dir", "out", "--fail-on", "never", "--unknown-ok",
                     cwd=tmp_path, env=AUDITOR_ENV)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["account"]["caller"]["identity_type"] == "RAMUser"
    assert {r["status"] for r in report["results"]} <= {"PASS", "FAIL", "NOT_APPLICABLE"}
    assert AUDITOR_KEY_SECRET not in proc.stderr + proc.stdout
    assert AUDITOR_KEY_SECRET not in (tmp_path / "out" / "report.json").read_text()


def test_collect_then_evaluate_offline(world_emulator: Emulator, tmp_path: Path) -> None:
    proc = ram_audit("collect", "-o", "snap.json", *_endpoint_args(world_emulator), "-q",
                     cwd=tmp_path, env=AUDITOR_ENV)
    assert proc.returncode == 0, proc.stderr
    assert AUDITOR_KEY_SECRET not in (tmp_path / "snap.json").read_text()
    proc = ram_audit("evaluate", "snap.json", "--format", "json,csv", "--output-dir", "out",
                     "--fail-on", "never", cwd=tmp_path,
                     env={"RAM_AUDIT_ENDPOINT_RAM": "http://127.0.0.1:9"})  # never used
    assert proc.returncode in (0, 4), proc.stderr
    assert (tmp_path / "out" / "report.csv").is_file()


def test_bad_credentials_exit_3_with_one_line(world_emulator: Emulator, tmp_path: Path) -> None:
    env = {**AUDITOR_ENV, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "wrong-secret-value"}
    proc = ram_audit("run", *_endpoint_args(world_emulator), "--output-dir", "out",
                     cwd=tmp_path, env=env)
    assert proc.returncode == 3, proc.stderr
    assert "wrong-secret-value" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_unreachable_endpoint_exit_3(tmp_path: Path) -> None:
    endpoints = [f"--endpoint={s}=http://127.0.0.1:9" for s in ("ram", "ims", "sts")]
    proc = ram_audit("run", *endpoints, cwd=tmp_path, env=AUDITOR_ENV)
    assert proc.returncode == 3, proc.stderr
    assert "could not audit" in proc.stderr


def test_denied_action_gives_exit_4_and_unknown(tmp_path: Path) -> None:
    with Emulator(generate_world(20, seed=1), faults=Faults(deny=frozenset({"GetPasswordPolicy"})),
                  port=0) as emu:
        proc = ram_audit("run", *_endpoint_args(emu), "--format", "json", "--output-dir", "out",
                         "--fail-on", "never", cwd=tmp_path, env=AUDITOR_ENV)
    assert proc.returncode == 4, proc.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    statuses = {r["status"] for r in report["results"]
                if r["check_id"].startswith("password_policy_")}
    assert statuses == {"UNKNOWN"}
    assert any(i["action"].endswith("GetPasswordPolicy") for i in report["collection_issues"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--checks", "no_such_check"], "unknown check id 'no_such_check'"),
        (["run", "--framework", "nist"], "unknown framework 'nist'"),
        (["run", "--format", "pdf"], "unknown report format(s): pdf"),
        (["run", "--endpoint", "ram=ftp://x"], "must start with https:// or http://"),
        (["run", "--endpoint", "ram"], "expected SERVICE=URL"),
        (["run", "--config", "missing.toml"], "missing.toml: cannot read config file"),
        (["evaluate", "missing.json"], "missing.json: cannot read snapshot"),
        (["run", "--fail-on", "sometimes"], "invalid value for '--fail-on'"),
        (["run", "--waivers", "missing.yaml"], "missing.yaml"),
        (["run", "--baseline", "missing.json"], "missing.json"),
    ],
)
def test_usage_errors_exit_2_naming_the_culprit(tmp_path: Path, args: list[str],
                                                message: str) -> None:
    proc = ram_audit(*args, cwd=tmp_path, env=AUDITOR_ENV)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr


def test_corrupt_or_wrong_version_snapshot_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    assert ram_audit("evaluate", "bad.json", cwd=tmp_path).returncode == 2
    snap = make_snapshot()
    save_snapshot(snap, tmp_path / "old.json")
    data = json.loads((tmp_path / "old.json").read_text())
    data["meta"]["schema_version"] = "0"
    (tmp_path / "old.json").write_text(json.dumps(data))
    proc = ram_audit("evaluate", "old.json", cwd=tmp_path)
    assert proc.returncode == 2 and "schema_version" in proc.stderr


def test_list_checks_json_contract(tmp_path: Path) -> None:
    proc = ram_audit("list-checks", "--format", "json", cwd=tmp_path)
    entries = json.loads(proc.stdout)
    assert len(entries) >= 46
    for entry in entries:
        assert {"id", "title", "severity", "doc_url", "enabled_by_default", "compliance",
                "params"} <= set(entry)


def test_docs_checks_md_is_current(tmp_path: Path) -> None:
    proc = ram_audit("list-checks", "--format", "md", cwd=tmp_path)
    committed = (ROOT / "docs" / "checks.md").read_text()
    assert proc.stdout == committed, "docs/checks.md is stale: run " \
        "`ram-audit list-checks --format md > docs/checks.md`"


def test_permissions_prints_read_only_policy(tmp_path: Path) -> None:
    proc = ram_audit("permissions", cwd=tmp_path)
    policy = json.loads(proc.stdout)
    actions = [a for s in policy["Statement"] for a in s["Action"]]
    assert "ram:GetCredentialReport" in actions
    assert all(a.split(":")[1].startswith(("Get", "List", "Generate")) for a in actions)


def test_selection_by_tag_and_severity_narrows_what_is_collected(tmp_path: Path) -> None:
    proc = ram_audit("permissions", "--tags", "password-policy", cwd=tmp_path)
    actions = json.loads(proc.stdout)["Statement"][0]["Action"]
    assert "ram:GetPasswordPolicy" in actions and "ram:ListUsers" not in actions
    proc = ram_audit("permissions", "--min-severity", "critical", cwd=tmp_path)
    actions = json.loads(proc.stdout)["Statement"][0]["Action"]
    assert "ram:GetAccountMFAInfo" in actions and "ram:GetPasswordPolicy" not in actions
