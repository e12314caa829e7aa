"""The bundled hardened world: a well-run account on which no built-in check finds anything.

End to end: the emulator serves the world, the real collector audits it through the official
SDK with the world's `ram-auditor` key, and the pipeline evaluates every check enabled by
default.
"""

from __future__ import annotations

import re
from collections import Counter
from importlib.resources import files
from pathlib import Path

import pytest

from auditor.collector import CollectorSettings, collect_snapshot
from auditor.demo import auditor_credentials, emulator_settings
from auditor.emulator import Emulator, load_world
from auditor.emulator.world import World
from auditor.pipeline import EXIT_OK, Options, exit_code, finish, prepare
from auditor.registry import CheckRegistry
from auditor.report import AuditReport

HARDENED = Path(str(files("auditor.emulator.worlds"))) / "hardened.yaml"
AUDITOR_KEY_ID = "LTAI5tHardenedAuditor001"

#: Checks with nothing to evaluate in a well-run account: nobody holds admin access and there
#: is no disabled AccessKey to delete. Every other check must PASS.
NOT_APPLICABLE = {
    "user_admin_access_allowlisted",
    "role_admin_access_allowlisted",
    "access_key_disabled_removed",
}
#: Results (all PASS) of the per-resource checks: the resources each one evaluates.
RESULT_COUNTS = {
    "user_console_mfa_bound": 8,  # console users
    "user_console_inactive_disabled": 8,
    "user_console_api_separated": 11,  # every user
    "user_in_group": 11,
    "user_no_direct_policies": 11,
    "user_unused": 10,  # users older than 90 days (noah.james joined this week)
    "access_key_rotated": 3,  # active keys
    "access_key_used_recently": 3,
    "access_key_single_active": 3,  # users with keys
    "group_has_members": 6,
    "group_has_policies": 6,
    "policy_no_full_admin": 9,  # custom policies
    "policy_no_allow_not_action": 9,
    "policy_no_privilege_escalation": 9,
    "policy_custom_unused": 9,
    "policy_sensitive_actions_conditioned": 9,
    "role_trust_restricted": 5,  # every role
    "role_max_session_short": 4,  # roles that are not service-linked
}


def no_wait_settings(emulator: Emulator) -> CollectorSettings:
    """Emulator settings that poll the credential report without waiting."""
    return emulator_settings(emulator, credential_report_poll_s=0, sleep=lambda _: None)


@pytest.fixture(scope="module")
def world() -> World:
    return load_world(HARDENED)


@pytest.fixture(scope="module")
def audit(world: World, tmp_path_factory: pytest.TempPathFactory) -> tuple[AuditReport, int]:
    """A default run (every check enabled by default): the report and its exit code."""
    plan = prepare(Options(formats=("json",), output_dir=tmp_path_factory.mktemp("hardened")))
    with Emulator(world) as emulator:
        snapshot = collect_snapshot(
            no_wait_settings(emulator), plan.sections, credentials=auditor_credentials(world)
        )
    report, _, code = finish(plan, snapshot)
    return report, code


def by_check(report: AuditReport) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {}
    for result in report.results:
        counts.setdefault(result.check_id, Counter())[result.status.value] += 1
    return counts


def test_hardened_is_a_small_well_run_account(world: World) -> None:
    assert world.account.alias == "northwind-labs"
    assert 8 <= len(world.users) <= 15
    assert world.groups and world.policies and world.roles
    assert world.root.mfa_bound and not world.root.access_keys
    assert world.sso.enabled and world.sso.authn_sign_algo == "rsa-sha256"
    assert all(u.groups and not u.policies for u in world.users)
    assert [p for p in world.policies if len(p.all_versions()) > 1]


def test_hardened_uses_only_relative_timestamps() -> None:
    text = HARDENED.read_text(encoding="utf-8")
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    assert len(re.findall(r"now-\d+[dhms]", text)) > 30


def test_audit_signs_as_the_ram_auditor_user(audit: tuple[AuditReport, int]) -> None:
    report, _ = audit
    assert report.account.id == "1460287319550274"
    assert report.account.caller.arn.endswith(":user/ram-auditor")


def test_every_check_enabled_by_default_ran(audit: tuple[AuditReport, int]) -> None:
    report, _ = audit
    enabled = {c.id for c in CheckRegistry.discover().all() if c.check.meta.enabled_by_default}
    assert len(enabled) == 45  # the 46 of checks.md but access_key_prefer_sts (off by default)
    assert {c.id for c in report.checks} == enabled
    assert set(by_check(report)) == enabled


def test_only_pass_and_the_expected_not_applicable(audit: tuple[AuditReport, int]) -> None:
    report, _ = audit
    counts = by_check(report)
    not_applicable = {check_id for check_id, c in counts.items() if "NOT_APPLICABLE" in c}
    assert not_applicable == NOT_APPLICABLE
    for check_id in NOT_APPLICABLE:
        (result,) = [r for r in report.results if r.check_id == check_id]
        assert result.resource.type == "account"
    others = {check_id: set(c) for check_id, c in counts.items() if check_id not in NOT_APPLICABLE}
    assert {check_id: {"PASS"} for check_id in others} == others
    assert report.summary.by_status == {
        "PASS": len(report.results) - len(NOT_APPLICABLE),
        "FAIL": 0,
        "UNKNOWN": 0,
        "ERROR": 0,
        "NOT_APPLICABLE": len(NOT_APPLICABLE),
    }


def test_per_resource_checks_evaluate_every_resource(audit: tuple[AuditReport, int]) -> None:
    counts = by_check(audit[0])
    assert {check_id: dict(counts[check_id]) for check_id in RESULT_COUNTS} == {
        check_id: {"PASS": n} for check_id, n in RESULT_COUNTS.items()
    }
    account_level = set(counts) - set(RESULT_COUNTS)
    assert all(sum(counts[check_id].values()) == 1 for check_id in account_level)


def test_nothing_missing_and_exit_code_zero(audit: tuple[AuditReport, int]) -> None:
    report, code = audit
    assert report.collection_issues == []
    assert report.credential_report_generated_at is not None
    assert code == EXIT_OK
    assert exit_code(report, "low") == EXIT_OK  # no failure at any severity
