"""run --accounts, --shard auto/N and merge through the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from org_support import AUDITOR_ENV, endpoint_args, four_member_org, ram_audit

from auditor.emulator.generate import AUDITOR_KEY_SECRET
from auditor.emulator.org_generate import member_id
from auditor.emulator.org_server import OrgEmulator
from auditor.org.accounts import AccountsFile, dump_accounts


@pytest.fixture(scope="module")
def emu() -> Iterator[OrgEmulator]:
    with OrgEmulator(four_member_org()) as emulator:
        yield emulator


@pytest.fixture
def accounts(emu: OrgEmulator, tmp_path: Path) -> Path:
    data = AccountsFile.model_validate({
        "resource_directory_id": emu.spec.resource_directory.id,
        "accounts": [{"id": m.id, "name": m.name, "status": m.status}
                     for m in emu.spec.accounts]})
    dump_accounts(data, tmp_path / "accounts.yaml")
    return tmp_path / "accounts.yaml"


def _secrets(emu: OrgEmulator) -> list[str]:
    return [AUDITOR_KEY_SECRET, *emu.backend.issued_secrets()]


def test_run_accounts_then_org_report(emu: OrgEmulator, accounts: Path, tmp_path: Path) -> None:
    proc = ram_audit("run", "--accounts", str(accounts), *endpoint_args(emu), "--output-dir",
                     "out", "--fail-on", "never", "--workers", "2", cwd=tmp_path, env=AUDITOR_ENV)
    assert proc.returncode == 4, proc.stderr  # two members not audited
    report = json.loads((tmp_path / "out" / "org-report.json").read_text())
    statuses = {a["id"]: a["status"] for a in report["accounts"]}
    assert statuses[member_id(1)] == statuses[member_id(3)] == "not_audited"
    assert statuses[member_id(0)] == "audited"
    assert "members 5/5 done" in proc.stderr and "Not audited: " + member_id(1) in proc.stderr
    assert (tmp_path / "out" / "org-report.html").is_file()
    for secret in _secrets(emu):
        assert secret not in proc.stderr + proc.stdout
    proc = ram_audit("run", "--accounts", str(accounts), *endpoint_args(emu), "--output-dir",
                     "out", "--fail-on", "low", cwd=tmp_path, env=AUDITOR_ENV)
    assert proc.returncode == 1, proc.stderr  # an unwaived FAIL beats not-audited members


def test_auto_shards_then_merge(emu: OrgEmulator, accounts: Path, tmp_path: Path) -> None:
    for index, code in (("0", 4), ("1", 0)):  # the not-audited members are in shard 0
        proc = ram_audit("run", "--accounts", str(accounts), *endpoint_args(emu), "--shard",
                         "auto/2", "--output-dir", f"shard-{index}", "--fail-on", "never",
                         cwd=tmp_path, env={**AUDITOR_ENV, "JOB_COMPLETION_INDEX": index})
        assert proc.returncode == code, proc.stderr
        manifest = json.loads((tmp_path / f"shard-{index}" / "shard-manifest.json").read_text())
        assert manifest["shard"] == f"{index}/2"
        assert not (tmp_path / f"shard-{index}" / "org-report.json").exists()
    first = ram_audit("merge", "shard-1", "shard-0", "--output-dir", "org", "--fail-on", "never",
                      cwd=tmp_path, env={"RAM_AUDIT_ENDPOINT_RAM": "http://127.0.0.1:9"})
    assert first.returncode == 4, first.stderr
    text = (tmp_path / "org" / "org-report.json").read_text()
    again = ram_audit("merge", "shard-0", "shard-1", "--output-dir", "org", "--fail-on", "never",
                      cwd=tmp_path)
    assert again.returncode == 4 and (tmp_path / "org" / "org-report.json").read_text() == text
    assert len(json.loads(text)["accounts"]) == 5
    for secret in _secrets(emu):
        assert secret not in first.stderr + text


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--shard", "auto/2"], {}, "JOB_COMPLETION_INDEX"),
    (["--shard", "2/2"], {}, "below 2"),
    (["--role-name", "ResourceDirectoryAccountAccessRole"], {}, "--allow-admin-role"),
    (["--role-arn", "acs:ram::1:role/x"], {}, "--role-arn and --accounts"),
])
def test_bad_organisation_input_exits_2(emu: OrgEmulator, accounts: Path, tmp_path: Path,
                                        args: list[str], env: dict[str, str],
                                        message: str) -> None:
    proc = ram_audit("run", "--accounts", str(accounts), *endpoint_args(emu), *args,
                     cwd=tmp_path, env={**AUDITOR_ENV, **env})
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_org_flags_need_accounts_and_merge_needs_manifests(tmp_path: Path) -> None:
    proc = ram_audit("run", "--shard", "0/2", cwd=tmp_path)
    assert proc.returncode == 2 and "only with --accounts" in proc.stderr
    (tmp_path / "empty").mkdir()
    proc = ram_audit("merge", "empty", "--output-dir", "org", cwd=tmp_path)
    assert proc.returncode == 2 and "shard-manifest.json" in proc.stderr
