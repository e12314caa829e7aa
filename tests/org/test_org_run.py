"""run --accounts in process: member isolation, shards, manifests, merge, org-aware trust."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from org_support import auditor, reader_role, settings_for, small_org

from auditor.emulator.org_generate import MANAGEMENT_ID, member_id
from auditor.emulator.org_server import OrgEmulator
from auditor.errors import UsageError
from auditor.org.accounts import AccountsFile
from auditor.org.manifest import read_manifest
from auditor.org.merge import ORG_JSON, build_org_report, org_exit_code, write_org_report
from auditor.org.runner import OrgRun, refuse_admin_role, run_members
from auditor.org.shard import WHOLE, Shard
from auditor.pipeline import Options, Plan, prepare
from auditor.waivers import Waiver

GOOD, WRONG_TRUST, THROTTLED, PENDING = (member_id(n) for n in range(4))
NO_ROLE = member_id(6)


@pytest.fixture(scope="module")
def emu() -> Iterator[OrgEmulator]:
    spec = small_org(7, 3, **{
        "1": {"roles": [reader_role("acs:ram::1999999999999999:root")]},
        "2": {"throttle_always": True},
        "3": {"status": "PendingDelete"},
        "6": {"roles": []},  # no audit role at all
    })
    with OrgEmulator(spec) as emulator:
        yield emulator


def accounts_file(emu: OrgEmulator, only: list[str] | None = None) -> AccountsFile:
    spec = emu.spec
    entries = [{"id": m.id, "name": m.name, "status": m.status} for m in spec.accounts
               if only is None or m.id in only]
    return AccountsFile.model_validate({"resource_directory_id": spec.resource_directory.id,
                                        "management_account_id": MANAGEMENT_ID,
                                        "accounts": entries})


def plan_for(out: Path, **changes: Any) -> Plan:
    return prepare(Options(output_dir=out, formats=("json",), **changes))


def run(emu: OrgEmulator, out: Path, shard: Shard = WHOLE, accounts: AccountsFile | None = None,
        plan: Plan | None = None, lines: list[str] | None = None) -> list[Any]:
    org_run = OrgRun(accounts=accounts or accounts_file(emu), settings=settings_for(emu),
                     credentials=auditor(), output_dir=out, shard=shard, workers=3)
    _, outcomes = run_members(org_run, plan or plan_for(out),
                              (lines if lines is not None else []).append)
    return outcomes


def results(path: Path) -> dict[str, str]:
    report = json.loads(path.read_text())
    return {r["uid"]: r["status"] for r in report["results"]}


def test_failing_members_are_isolated_and_others_unchanged(emu: OrgEmulator,
                                                           tmp_path: Path) -> None:
    lines: list[str] = []
    outcomes = {o.id: o for o in run(emu, tmp_path / "org", lines=lines)}
    assert outcomes[GOOD].reason is None and outcomes[member_id(4)].reason is None
    assert "NoPermission" in (outcomes[WRONG_TRUST].reason or "")
    assert "Throttling" in (outcomes[THROTTLED].reason or "")
    assert outcomes[PENDING].reason == "status PendingDelete"
    assert "EntityNotExist.Role" in (outcomes[NO_ROLE].reason or "")
    manifest = read_manifest(tmp_path / "org")
    assert sorted(manifest.audited) == sorted([MANAGEMENT_ID, GOOD, member_id(4), member_id(5)])
    assert {n.id for n in manifest.not_audited} == {WRONG_TRUST, THROTTLED, PENDING, NO_ROLE}
    assert any(line.startswith("members 8/8 done") for line in lines)
    # the same member audited alone gives the same results
    run(emu, tmp_path / "alone", accounts=accounts_file(emu, [GOOD]))
    member = Path("accounts") / GOOD / "report.json"
    assert results(tmp_path / "org" / member) == results(tmp_path / "alone" / member)
    report = build_org_report([tmp_path / "org"], tmp_path / "org")
    assert org_exit_code(report, "never") == 4
    assert report.summary.accounts_not_audited == 4


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8])
def test_shards_cover_every_member_exactly_once(count: int) -> None:
    items = [f"{n:02d}" for n in range(23)]
    chosen = [x for i in range(count) for x in Shard(i, count).select(items)]
    assert sorted(chosen) == items


def test_shards_merge_in_any_order_and_idempotently(emu: OrgEmulator, tmp_path: Path) -> None:
    shards = [tmp_path / f"shard-{i}" for i in range(3)]
    for i, directory in enumerate(shards):
        run(emu, directory, Shard(i, 3))
    given = [read_manifest(d).accounts for d in shards]
    everyone = sorted(m.id for m in emu.spec.accounts)
    assert sorted(a for accounts in given for a in accounts) == everyone
    texts = []
    for order in ([0, 1, 2], [2, 0, 1], [1, 2, 0, 0]):
        out = tmp_path / "merged"
        for _ in range(2):
            write_org_report(build_org_report([shards[i] for i in order], out), out)
            texts.append((out / ORG_JSON).read_text())
    assert len(set(texts)) == 1
    merged = json.loads(texts[0])
    assert [a["id"] for a in merged["accounts"]] == everyone
    assert merged["shards"] == ["0/3", "1/3", "2/3"]
    assert (tmp_path / "merged" / "accounts" / GOOD / "report.json").is_file()


def test_a_missing_result_or_shard_is_not_audited(emu: OrgEmulator, tmp_path: Path) -> None:
    shard = tmp_path / "shard-0"
    run(emu, shard, Shard(0, 2), accounts=accounts_file(emu, [GOOD, PENDING, member_id(4)]))
    shutil.rmtree(shard / "accounts" / GOOD)
    report = build_org_report([shard], tmp_path / "out")
    by_id = {a.id: a for a in report.accounts}
    assert by_id[GOOD].status == "not_audited" and by_id[GOOD].reason == "no result"
    assert report.summary.accounts_total == 3 and len(report.accounts) == 2  # 1/2 not merged
    assert org_exit_code(report, "never") == 4


def test_admin_role_refused_unless_allowed() -> None:
    accounts = AccountsFile.model_validate(
        {"defaults": {"role_name": "ResourceDirectoryAccountAccessRole"},
         "accounts": [{"id": "1"}]})
    with pytest.raises(UsageError, match="--allow-admin-role"):
        refuse_admin_role(accounts, False)
    refuse_admin_role(accounts, True)


def _statuses(path: Path, check_id: str) -> dict[str, str]:
    report = json.loads(path.read_text())
    return {r["resource"]["name"]: r["status"] for r in report["results"]
            if r["check_id"] == check_id}


def test_organisation_accounts_are_trusted_and_waivers_target_accounts(
        emu: OrgEmulator, tmp_path: Path) -> None:
    waiver = Waiver(check_id="role_trust_restricted", resource="VendorAccess*",
                    reason="vendor", owner="sec", expires="2099-01-01", account=GOOD)
    plan = plan_for(tmp_path, checks=["role_trust_restricted"])
    plan = Plan(**{**plan.__dict__, "waivers": (waiver,)})
    run(emu, tmp_path, accounts=accounts_file(emu, [GOOD, member_id(4)]), plan=plan)
    good = json.loads((tmp_path / "accounts" / GOOD / "report.json").read_text())
    other = json.loads((tmp_path / "accounts" / member_id(4) / "report.json").read_text())
    for report in (good, other):
        by_name = {r["resource"]["name"]: r for r in report["results"]}
        assert by_name["ram-audit-reader"]["status"] == "PASS"  # trusts the management account
        assert by_name["ResourceDirectoryAccountAccessRole"]["status"] == "PASS"
    vendor = [r for r in good["results"] if r["resource"]["name"].startswith("VendorAccess")]
    assert vendor and all(r["status"] == "FAIL" and r["waived"] for r in vendor)
    vendor = [r for r in other["results"] if r["resource"]["name"].startswith("VendorAccess")]
    assert vendor and all(r["status"] == "FAIL" and not r["waived"] for r in vendor)


def test_no_sts_secret_reaches_any_output(emu: OrgEmulator, tmp_path: Path) -> None:
    lines: list[str] = []
    run(emu, tmp_path / "out", lines=lines)
    write_org_report(build_org_report([tmp_path / "out"], tmp_path / "out"), tmp_path / "out")
    secrets = emu.backend.issued_secrets()
    assert len(secrets) >= 8  # at least four members' sessions: secret + token each
    outputs = [p.read_text(encoding="utf-8") for p in (tmp_path / "out").rglob("*")
               if p.is_file()]
    assert any("shard" in text for text in outputs)  # the manifest is among them
    for text in [*outputs, *lines]:
        for secret in secrets:
            assert secret not in text


def test_the_management_account_is_trusted_by_the_external_principal_check(
        emu: OrgEmulator, tmp_path: Path) -> None:
    """Every member's ResourceDirectoryAccountAccessRole makes the management account an
    administrator of it: by design in an organisation, so not a finding there."""
    plan = plan_for(tmp_path, checks=["external_principal_no_admin_path"])
    run(emu, tmp_path, accounts=accounts_file(emu, [MANAGEMENT_ID, GOOD]), plan=plan)
    report = json.loads((tmp_path / "accounts" / GOOD / "report.json").read_text())
    by_id = {r["resource"]["id"]: r for r in report["results"]}
    management = by_id[f"account/{MANAGEMENT_ID}"]
    assert management["status"] == "PASS"
    assert "organisation_accounts" in management["message"]
