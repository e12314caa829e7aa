"""--baseline: new / unchanged marks and resolved findings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from auditor.baseline import apply_baseline
from auditor.demo import auditor_credentials, demo_world
from auditor.emulator import Emulator
from auditor.findings import Resource, Severity, Status
from auditor.pipeline import Options, build_report, prepare
from auditor.report import (
    Account,
    AuditReport,
    Caller,
    Result,
    Summary,
    Tool,
    result_uid,
)
from auditor.sections import Section
from auditor.snapshot import PasswordPolicy
from auditor.testing import make_snapshot, make_user, missing

BEFORE = datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc)


def result(name: str, status: Status, check_id: str = "user_console_mfa_bound") -> Result:
    resource = Resource(type="user", id=f"id-{name}", name=name)
    return Result(uid=result_uid(check_id, "1", resource), check_id=check_id, title="t",
                  severity=Severity.HIGH, status=status, resource=resource, message=name,
                  doc_url="https://example.invalid/doc")


def previous(results: list[Result]) -> AuditReport:
    return AuditReport(
        tool=Tool(version="0.1.0"),
        account=Account(id="1", caller=Caller(arn="acs:ram::1:user/a", identity_type="RAMUser")),
        collected_at=BEFORE,
        results=results,
        summary=Summary(by_status={}, by_severity={}),
    )


def test_new_unchanged_and_resolved() -> None:
    baseline = previous([
        result("still_failing", Status.FAIL),
        result("fixed", Status.FAIL),
        result("deleted", Status.FAIL),
        result("regressed", Status.PASS),
        result("still_passing", Status.PASS),
    ])
    now = [
        result("still_failing", Status.FAIL),
        result("fixed", Status.PASS),
        result("regressed", Status.FAIL),
        result("still_passing", Status.PASS),
        result("brand_new", Status.FAIL),
    ]
    marked, info = apply_baseline(now, baseline)
    assert {r.resource.name: r.change for r in marked} == {
        "still_failing": "unchanged",
        "fixed": "new",  # a new status; the finding itself is listed as resolved
        "regressed": "new",
        "still_passing": "unchanged",
        "brand_new": "new",
    }
    assert [r.resource.name for r in info.resolved] == ["fixed", "deleted"]
    assert all(r.status is Status.FAIL for r in info.resolved)  # as in the baseline
    assert info.previous_collected_at == BEFORE


def test_waived_state_does_not_change_the_comparison() -> None:
    baseline = previous([result("alice", Status.FAIL)])
    now = [result("alice", Status.FAIL).model_copy(update={"waived": True})]
    marked, info = apply_baseline(now, baseline)
    assert marked[0].change == "unchanged" and info.resolved == []


def test_same_resource_other_check_is_a_different_finding() -> None:
    baseline = previous([result("alice", Status.FAIL, "access_key_rotated")])
    marked, info = apply_baseline([result("alice", Status.FAIL)], baseline)
    assert marked[0].change == "new"
    # access_key_rotated did not run this time: its old finding is unverified, not resolved.
    assert info.resolved == []
    assert [r.check_id for r in info.unverified] == ["access_key_rotated"]


def on_account(status: Status, check_id: str) -> Result:
    resource = Resource(type="account", id="1", name="acme")
    return Result(uid=result_uid(check_id, "1", resource), check_id=check_id, title="t",
                  severity=Severity.HIGH, status=status, resource=resource, message="m",
                  doc_url="https://example.invalid/doc")


def test_a_fail_that_became_undecidable_is_unverified_not_resolved() -> None:
    baseline = previous([
        result("alice", Status.FAIL),
        result("bob", Status.FAIL, "access_key_rotated"),
        result("acme", Status.FAIL, "root_mfa_enabled"),
    ])
    now = [
        # The check could not decide this time (a permission was missing): not a fix.
        on_account(Status.UNKNOWN, "user_console_mfa_bound"),
        # The check ran and decided; bob's key is gone: resolved.
        result("carol", Status.PASS, "access_key_rotated"),
        # root_mfa_enabled did not run at all this time: not a fix either.
    ]
    _, info = apply_baseline(now, baseline)
    assert [r.resource.name for r in info.resolved] == ["bob"]
    assert sorted(r.check_id for r in info.unverified) == [
        "root_mfa_enabled",
        "user_console_mfa_bound",
    ]


@pytest.mark.parametrize("status", [Status.UNKNOWN, Status.ERROR])
def test_a_fail_whose_own_result_is_now_undecided_is_unverified(status: Status) -> None:
    baseline = previous([
        result("alice", Status.FAIL),
        on_account(Status.FAIL, "password_policy_min_length"),
    ])
    now = [
        result("alice", status),
        result("bob", Status.PASS),
        on_account(status, "password_policy_min_length"),
    ]
    _, info = apply_baseline(now, baseline)
    assert info.resolved == []
    assert [r.resource.name for r in info.unverified] == ["alice", "acme"]


def test_an_account_level_unknown_leaves_every_fail_of_its_check_unverified() -> None:
    baseline = previous([result("alice", Status.FAIL), result("bob", Status.FAIL)])
    # The check could not decide as a whole (alice's PASS sits beside its account-level UNKNOWN).
    now = [result("alice", Status.PASS), on_account(Status.ERROR, "user_console_mfa_bound")]
    _, info = apply_baseline(now, baseline)
    assert info.resolved == []
    assert [r.resource.name for r in info.unverified] == ["alice", "bob"]


def test_a_deleted_resource_is_resolved_when_only_other_resources_are_unknown() -> None:
    baseline = previous([
        result("deleted", Status.FAIL),
        result("fixed", Status.FAIL),
        result("unreadable", Status.FAIL),
    ])
    now = [
        result("fixed", Status.PASS),
        result("unreadable", Status.UNKNOWN),  # per resource: the rest was decided
        result("carol", Status.UNKNOWN),
    ]
    _, info = apply_baseline(now, baseline)
    assert [r.resource.name for r in info.resolved] == ["deleted", "fixed"]
    assert [r.resource.name for r in info.unverified] == ["unreadable"]


def test_denied_password_policy_leaves_its_findings_unverified(tmp_path: Path) -> None:
    """The issue's case: GetPasswordPolicy denied this run, FAILs in the baseline."""
    plan = prepare(Options(checks=["password_policy_min_length", "user_in_group"]))
    weak = PasswordPolicy(minimum_length=8, require_uppercase=False, require_lowercase=False,
                          require_numbers=False, require_symbols=False, reuse_prevention=0,
                          max_age_days=0, max_login_attempts=0, hard_expire=False)
    before = build_report(plan, make_snapshot(password_policy=weak, users=[make_user("bob")]))
    assert {r.check_id for r in before.results if r.status is Status.FAIL} == {
        "password_policy_min_length", "user_in_group"
    }
    (tmp_path / "previous.json").write_text(before.model_dump_json())
    plan = prepare(Options(checks=["password_policy_min_length", "user_in_group"],
                           baseline=tmp_path / "previous.json"))
    denied = missing(Section.PASSWORD_POLICY, "ram:GetPasswordPolicy")
    after = build_report(plan, make_snapshot(issues=[denied], users=[]))
    assert after.baseline is not None
    assert [r.check_id for r in after.baseline.unverified] == ["password_policy_min_length"]
    assert [r.check_id for r in after.baseline.resolved] == ["user_in_group"]  # bob deleted


# --- a baseline of another account is refused before collecting (end to end) ---------------

FOREIGN_ACCOUNT = "5550000000000042"


def _foreign_baseline(directory: Path) -> Path:
    report = build_report(prepare(Options()), make_snapshot())
    other = report.model_copy(update={"account": report.account.model_copy(
        update={"id": FOREIGN_ACCOUNT})})
    path = directory / "other-account.json"
    path.write_text(other.model_dump_json())
    return path


def _run_cli(emu: Emulator, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    creds = auditor_credentials(emu.world)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALIBABA_CLOUD_")}
    env.update({"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "HOME": str(cwd),
                "ALIBABA_CLOUD_ACCESS_KEY_ID": creds.access_key_id,
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET": creds.access_key_secret})
    endpoints = [f"--endpoint={s}=http://{emu.endpoint}" for s in ("ram", "ims", "sts")]
    return subprocess.run(
        [sys.executable, "-m", "auditor", "run", *endpoints, "--format", "json",
         "--output-dir", "out", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=120,
    )


def _assert_refused(proc: subprocess.CompletedProcess[str], audited: str, cwd: Path) -> None:
    assert proc.returncode == 2, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ram-audit: error: --baseline ")
    assert FOREIGN_ACCOUNT in last and audited in last
    assert "Traceback" not in proc.stderr
    assert not (cwd / "out").exists()


def test_foreign_baseline_is_refused_right_after_get_caller_identity(tmp_path: Path) -> None:
    world = demo_world()
    with Emulator(world, port=0) as emu:
        proc = _run_cli(emu, tmp_path, "--baseline", str(_foreign_baseline(tmp_path)))
        calls = emu.call_counts
    _assert_refused(proc, world.account.id, tmp_path)
    assert calls == {"GetCallerIdentity": 1}


def test_foreign_baseline_with_role_arn_is_refused_before_any_call(tmp_path: Path) -> None:
    world = demo_world()
    role = f"acs:ram::{world.account.id}:role/DataBatchJobRole"
    with Emulator(world, port=0) as emu:
        proc = _run_cli(emu, tmp_path, "--role-arn", role,
                        "--baseline", str(_foreign_baseline(tmp_path)))
        calls = emu.call_counts
    _assert_refused(proc, world.account.id, tmp_path)
    assert calls == {}  # not even AssumeRole


def test_own_baseline_with_role_arn_runs(tmp_path: Path) -> None:
    """The refusal is about the account: the same role run with its own baseline audits."""
    world = demo_world()
    role = f"acs:ram::{world.account.id}:role/DataBatchJobRole"
    with Emulator(world, port=0) as emu:
        first = _run_cli(emu, tmp_path, "--role-arn", role, "--checks", "root_mfa_enabled",
                         "--fail-on", "never")
        assert first.returncode == 0, first.stderr
        baseline = tmp_path / "previous.json"
        (tmp_path / "out" / "report.json").rename(baseline)
        second = _run_cli(emu, tmp_path, "--role-arn", role, "--checks", "root_mfa_enabled",
                          "--fail-on", "never", "--baseline", str(baseline))
    assert second.returncode == 0, second.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["baseline"] is not None
    assert {r["change"] for r in report["results"]} == {"unchanged"}
