"""ram-audit org accounts: the directory's members written as a validated accounts file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from org_support import AUDITOR_ENV, endpoint_args, ram_audit, small_org

from auditor.emulator.faults import Faults
from auditor.emulator.org_generate import MANAGEMENT_ID, member_id
from auditor.emulator.org_server import OrgEmulator
from auditor.errors import UsageError
from auditor.org.accounts import AccountsFile, load_accounts, parse_accounts


def test_org_accounts_writes_every_member(tmp_path: Path) -> None:
    spec = small_org(5, 1, **{"2": {"status": "PendingDelete"}})
    with OrgEmulator(spec) as emu:
        proc = ram_audit("org", "accounts", *endpoint_args(emu), "--output", "accounts.yaml",
                         "--external-id", "ext-1", cwd=tmp_path, env=AUDITOR_ENV)
    assert proc.returncode == 0, proc.stderr
    accounts = load_accounts(tmp_path / "accounts.yaml")
    assert [a.id for a in accounts.accounts] == sorted([MANAGEMENT_ID,
                                                        *(member_id(n) for n in range(5))])
    assert accounts.resource_directory_id == "rd-generated"
    assert accounts.management_account_id == MANAGEMENT_ID
    assert accounts.defaults.external_id == "ext-1"
    pending = next(a for a in accounts.accounts if a.id == member_id(2))
    assert pending.status == "PendingDelete" and not pending.audited
    assert accounts.role_arn(pending) == f"acs:ram::{member_id(2)}:role/ram-audit-reader"
    assert "Listed 6 account(s) (5 to audit)" in proc.stderr


def test_org_accounts_with_a_folder_and_tag(tmp_path: Path) -> None:
    with OrgEmulator(small_org(8, 1)) as emu:
        proc = ram_audit("org", "accounts", *endpoint_args(emu), "--folder", "fd-dev",
                         "--tag", "env=dev", cwd=tmp_path, env=AUDITOR_ENV)
    assert proc.returncode == 0, proc.stderr
    data = yaml.safe_load(proc.stdout)
    assert [a["id"] for a in data["accounts"]] == [member_id(2), member_id(6)]


def test_a_caller_that_may_not_list_gets_exit_3_naming_the_permission(tmp_path: Path) -> None:
    with OrgEmulator(small_org(1, 1), Faults(deny=frozenset({"ListAccounts"}))) as emu:
        proc = ram_audit("org", "accounts", *endpoint_args(emu), cwd=tmp_path, env=AUDITOR_ENV)
    assert proc.returncode == 3
    assert "resourcemanager:ListAccounts" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"accounts": [{"id": "12ab"}]}, r"accounts\[12ab\]\.id"),
        ({"accounts": [{"id": "1"}, {"id": "1"}]}, "listed twice"),
        ({"accounts": [{"id": "1", "role_arn": "acs:ram::2:role/x"}]}, "not a role of account 1"),
        ({"accounts": [{"id": "1", "color": "red"}]}, "color"),
        ({"defaults": {"role_name": "a b"}, "accounts": []}, "role_name"),
    ],
)
def test_accounts_file_validation(data: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_accounts(data, "accounts.yaml")


def test_role_arn_wins_over_role_name() -> None:
    accounts = AccountsFile.model_validate({
        "defaults": {"role_name": "reader"},
        "accounts": [{"id": "1"}, {"id": "2", "role_arn": "acs:ram::2:role/auditor"}]})
    assert [accounts.role_arn(a) for a in accounts.accounts] == [
        "acs:ram::1:role/reader", "acs:ram::2:role/auditor"]
