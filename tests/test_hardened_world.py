"""The bundled hardened world: a well-run account on which no built-in check finds anything.

End to end: the emulator serves the world, the real collector audits it through the official
SDK with the world's `ram-auditor` key, and the pipeline evaluates every check enabled by
default.

The rule that keeps a new check from breaking these tests while still catching regressions:
``NOT_APPLICABLE``, ``ACCOUNT_PASS`` and ``RESULT_COUNTS`` pin the exact results of every check
they list (and may list only checks that run by default); a check they do not list (a new one)
must still run and find nothing: PASS or NOT_APPLICABLE only, never FAIL, UNKNOWN or ERROR.
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
#: is no disabled AccessKey to delete. Every other listed check must PASS.
NOT_APPLICABLE = {
    "user_admin_access_allowlisted",
    "role_admin_access_allowlisted",
    "access_key_disabled_removed",
}
#: Account-level checks: one PASS each, on the account.
ACCOUNT_PASS = {
    "root_access_key_absent", "root_mfa_enabled", "root_console_unused",
    "audit_caller_not_root", "ram_identities_in_use",
    "password_policy_min_length", "password_policy_uppercase", "password_policy_lowercase",
    "password_policy_number", "password_policy_symbol", "password_policy_reuse_prevention",
    "password_policy_max_age", "password_policy_lockout", "password_policy_hard_expiry",
    "password_policy_distinct_chars", "password_policy_excludes_username",
    "security_preference_mfa_enforced", "security_preference_mfa_ticket_not_saved",
    "security_preference_login_ip_restricted", "security_preference_session_duration",
    "security_preference_idle_auto_disable", "security_preference_users_cannot_manage_keys",
    "sso_enabled", "sso_saml_signature_sha256",
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


#: What a check may give on the hardened world when the tables above do not list it.
FINDS_NOTHING = {"PASS", "NOT_APPLICABLE"}


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
    assert "access_key_prefer_sts" not in enabled and "root_mfa_enabled" in enabled
    assert {c.id for c in report.checks} == enabled
    assert set(by_check(report)) == enabled
    # The tables name only checks that exist and run by default (no stale entries).
    assert not (NOT_APPLICABLE | ACCOUNT_PASS | set(RESULT_COUNTS)) - enabled


def test_listed_checks_give_exactly_their_results(audit: tuple[AuditReport, int]) -> None:
    report, _ = audit
    counts = by_check(report)
    wanted = {
        **{check_id: {"NOT_APPLICABLE": 1} for check_id in NOT_APPLICABLE},
        **{check_id: {"PASS": 1} for check_id in ACCOUNT_PASS},
        **{check_id: {"PASS": n} for check_id, n in RESULT_COUNTS.items()},
    }
    assert {check_id: dict(counts.get(check_id, {})) for check_id in wanted} == wanted
    on_account = {r.check_id for r in report.results if r.resource.type == "account"}
    assert on_account >= NOT_APPLICABLE | ACCOUNT_PASS
    assert on_account.isdisjoint(RESULT_COUNTS)


def test_unlisted_checks_find_nothing(audit: tuple[AuditReport, int]) -> None:
    report, _ = audit
    listed = NOT_APPLICABLE | ACCOUNT_PASS | set(RESULT_COUNTS)
    found = {
        check_id: set(c) - FINDS_NOTHING
        for check_id, c in by_check(report).items()
        if check_id not in listed
    }
    assert not any(found.values()), f"unlisted checks found something: {found}"
    by_status = report.summary.by_status
    assert (by_status["FAIL"], by_status["UNKNOWN"], by_status["ERROR"]) == (0, 0, 0)
    assert by_status["PASS"] + by_status["NOT_APPLICABLE"] == len(report.results)


def test_nothing_missing_and_exit_code_zero(audit: tuple[AuditReport, int]) -> None:
    report, code = audit
    assert report.collection_issues == []
    assert report.credential_report_generated_at is not None
    assert code == EXIT_OK
    assert exit_code(report, "low") == EXIT_OK  # no failure at any severity
