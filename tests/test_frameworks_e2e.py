"""Compliance frameworks end to end: ``--framework`` runs against emulated accounts.

Each run goes through ``prepare(Options(framework=...))``, the real collector and SDK against
the emulator, and ``finish`` (evaluation and the HTML/JSON renderers).
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml
from oracles import DEMO_EXPECTED

from auditor.collector import CollectorSettings, collect_snapshot
from auditor.demo import auditor_credentials, emulator_settings
from auditor.emulator import Emulator, load_world, parse_world
from auditor.emulator.world import World
from auditor.pipeline import Options, finish, prepare
from auditor.registry import CheckRegistry
from auditor.report import AuditReport, FrameworkResult

WORLDS = Path(str(files("auditor.emulator.worlds")))
CIS = ("cis-alibaba-v1", "cis-alibaba-v2")
BEST_PRACTICES = "alibaba-ram-best-practices"

#: CIS section 1 (v1 and v2) as checks.md maps it: control -> check.
CIS_CHECKS = {
    "1.1": "root_console_unused",
    "1.2": "root_access_key_absent",
    "1.3": "root_mfa_enabled",
    "1.4": "user_console_mfa_bound",
    "1.5": "user_console_inactive_disabled",
    "1.6": "access_key_rotated",
    "1.7": "password_policy_uppercase",
    "1.8": "password_policy_lowercase",
    "1.9": "password_policy_symbol",
    "1.10": "password_policy_number",
    "1.11": "password_policy_min_length",
    "1.12": "password_policy_reuse_prevention",
    "1.13": "password_policy_max_age",
    "1.14": "password_policy_lockout",
    "1.15": "policy_no_full_admin",
    "1.16": "user_no_direct_policies",
}
#: The eleven recommendations as checks.md's "rec" column maps them.
BEST_PRACTICE_CHECKS = {
    "S1": {"root_console_unused", "audit_caller_not_root", "ram_identities_in_use"},
    "S2": {"user_console_api_separated", "security_preference_users_cannot_manage_keys"},
    "S3": {"user_in_group", "user_no_direct_policies", "group_has_members", "group_has_policies"},
    "S4": {
        "user_no_direct_policies",
        "user_admin_access_allowlisted",
        "security_preference_session_duration",
        "policy_no_full_admin",
        "policy_no_allow_not_action",
        "policy_no_privilege_escalation",
        "role_admin_access_allowlisted",
    },
    "S5": {
        "password_policy_min_length",
        "password_policy_uppercase",
        "password_policy_lowercase",
        "password_policy_number",
        "password_policy_symbol",
        "password_policy_reuse_prevention",
        "password_policy_max_age",
        "password_policy_lockout",
        "password_policy_hard_expiry",
        "password_policy_distinct_chars",
        "password_policy_excludes_username",
    },
    "S6": {
        "root_mfa_enabled",
        "user_console_mfa_bound",
        "security_preference_mfa_enforced",
        "security_preference_mfa_ticket_not_saved",
    },
    "S7": {"sso_enabled", "sso_saml_signature_sha256"},
    "S8": {"root_access_key_absent", "audit_caller_not_root"},
    "S9": {
        "security_preference_login_ip_restricted",
        "policy_sensitive_actions_conditioned",
        "role_trust_restricted",
    },
    "S10": {
        "user_console_inactive_disabled",
        "user_unused",
        "access_key_rotated",
        "access_key_used_recently",
        "access_key_single_active",
        "access_key_disabled_removed",
        "security_preference_idle_auto_disable",
        "group_has_members",
        "policy_custom_unused",
    },
    "S11": {
        "access_key_prefer_sts",
        "security_preference_users_cannot_manage_keys",
        "role_admin_access_allowlisted",
        "role_trust_restricted",
        "role_max_session_short",
    },
}

#: A small account whose passwords never expire (MaxPasswordAge 0).
NO_EXPIRY_WORLD: dict[str, Any] = {
    "account": {"id": "1357924680135792", "alias": "no-expiry"},
    "password_policy": {"max_password_age": 0},
    "users": [
        {
            "name": "ram-auditor",
            "created": "now-10d",
            "access_keys": [
                {
                    "id": "LTAI5tNoExpiryAuditor01",
                    "secret": "NoExpirySecretNotReal01",
                    "created": "now-10d",
                    "last_used": "now-1h",
                }
            ],
        }
    ],
}


def no_wait_settings(emulator: Emulator) -> CollectorSettings:
    """Emulator settings that poll the credential report without waiting."""
    return emulator_settings(emulator, credential_report_poll_s=0, sleep=lambda _: None)


@pytest.fixture(scope="module")
def worlds() -> dict[str, World]:
    return {
        "demo": load_world(WORLDS / "demo.yaml"),
        "hardened": load_world(WORLDS / "hardened.yaml"),
        "no-expiry": parse_world(NO_EXPIRY_WORLD, "no-expiry"),
    }


class Runs:
    """Framework runs against the test worlds, each done once; reports land in ``root``."""

    def __init__(self, worlds: dict[str, World], root: Path) -> None:
        self.worlds = worlds
        self.root = root
        self._reports: dict[tuple[str, str], AuditReport] = {}

    def report(self, world_name: str, framework: str) -> AuditReport:
        if (world_name, framework) not in self._reports:
            plan = prepare(
                Options(
                    framework=framework,
                    formats=("html", "json"),
                    output_dir=self.output_dir(world_name, framework),
                )
            )
            world = self.worlds[world_name]
            with Emulator(world) as emulator:
                snapshot = collect_snapshot(
                    no_wait_settings(emulator),
                    plan.sections,
                    credentials=auditor_credentials(world),
                )
            self._reports[world_name, framework] = finish(plan, snapshot)[0]
        return self._reports[world_name, framework]

    def output_dir(self, world_name: str, framework: str) -> Path:
        return self.root / f"{world_name}-{framework}"


@pytest.fixture(scope="module")
def runs(worlds: dict[str, World], tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return Runs(worlds, tmp_path_factory.mktemp("frameworks"))


@pytest.fixture(scope="module")
def demo_expected() -> dict[str, Any]:
    return yaml.safe_load(DEMO_EXPECTED.read_text(encoding="utf-8"))


def _only_framework(report: AuditReport, name: str) -> FrameworkResult:
    assert [f.name for f in report.frameworks] == [name]
    return report.frameworks[0]


def _statuses(framework: FrameworkResult) -> dict[str, str]:
    return {c.id: c.status.value for c in framework.controls}


def _demo_status(check_ids: set[str], expected: dict[str, Any]) -> str:
    """A control's roll-up on the demo world, from demo.expected.yaml."""
    outcomes = [expected[c] for c in check_ids if expected[c].get("enabled_by_default", True)]
    failing = any(
        o.get("status") == "FAIL" or o.get("status_counts", {}).get("FAIL") for o in outcomes
    )
    return "FAIL" if failing else "PASS"


@pytest.mark.parametrize("world_name", ["demo", "hardened"])
@pytest.mark.parametrize("name", CIS)
def test_cis_run_evaluates_all_sixteen_controls(runs: Runs, world_name: str, name: str) -> None:
    report = runs.report(world_name, name)
    framework = _only_framework(report, name)
    assert [c.id for c in framework.controls] == list(CIS_CHECKS)
    for control in framework.controls:
        assert control.check_ids == [CIS_CHECKS[control.id]], control.id
        assert control.evaluated, control.id
        assert control.status.value in ("PASS", "FAIL"), control.id
        assert control.doc_url.startswith("https://"), control.id
    assert {c.id for c in report.checks} == set(CIS_CHECKS.values())
    assert {r.check_id for r in report.results} == set(CIS_CHECKS.values())
    assert report.collection_issues == []


@pytest.mark.parametrize(
    ("name", "mode"), [("cis-alibaba-v1", "rotation"), ("cis-alibaba-v2", "cis_v2")]
)
def test_cis_version_sets_the_password_max_age_mode(runs: Runs, name: str, mode: str) -> None:
    report = runs.report("demo", name)
    (info,) = [c for c in report.checks if c.id == "password_policy_max_age"]
    assert info.params == {"mode": mode, "max_days": 90}


@pytest.mark.parametrize("name", CIS)
def test_cis_on_the_demo_world(runs: Runs, name: str, demo_expected: dict[str, Any]) -> None:
    framework = _only_framework(runs.report("demo", name), name)
    wanted = {cid: _demo_status({check}, demo_expected) for cid, check in CIS_CHECKS.items()}
    # MaxPasswordAge 180 fails both versions: above 90 (v1) and below 365 (v2).
    assert _statuses(framework) == wanted
    assert set(wanted.values()) == {"PASS", "FAIL"}


def test_cis_on_the_hardened_world(runs: Runs) -> None:
    v1 = _only_framework(runs.report("hardened", "cis-alibaba-v1"), "cis-alibaba-v1")
    v2 = _only_framework(runs.report("hardened", "cis-alibaba-v2"), "cis-alibaba-v2")
    assert _statuses(v1) == dict.fromkeys(CIS_CHECKS, "PASS")
    # 90-day expiry is what v1 asks for and what v2 rejects (never, or 365 days or more).
    assert _statuses(v2) == {**dict.fromkeys(CIS_CHECKS, "PASS"), "1.13": "FAIL"}


def test_never_expiring_passwords_fail_v1_and_pass_v2(runs: Runs) -> None:
    """MaxPasswordAge 0: v1 wants expiry within 90 days, v2 accepts passwords that never
    expire."""
    v1 = _only_framework(runs.report("no-expiry", "cis-alibaba-v1"), "cis-alibaba-v1")
    v2 = _only_framework(runs.report("no-expiry", "cis-alibaba-v2"), "cis-alibaba-v2")
    assert (_statuses(v1)["1.13"], _statuses(v2)["1.13"]) == ("FAIL", "PASS")


@pytest.mark.parametrize("world_name", ["demo", "hardened"])
def test_best_practices_run_covers_s1_to_s11(runs: Runs, world_name: str) -> None:
    report = runs.report(world_name, BEST_PRACTICES)
    framework = _only_framework(report, BEST_PRACTICES)
    assert [c.id for c in framework.controls] == list(BEST_PRACTICE_CHECKS)
    for control in framework.controls:
        assert set(control.check_ids) == BEST_PRACTICE_CHECKS[control.id], control.id
        assert control.evaluated, control.id
        assert control.doc_url.startswith("https://www.alibabacloud.com/help/"), control.id
    enabled = {c.id for c in CheckRegistry.discover().all() if c.check.meta.enabled_by_default}
    mapped = set().union(*BEST_PRACTICE_CHECKS.values())
    assert {c.id for c in report.checks} == mapped & enabled
    assert report.collection_issues == []


def test_best_practices_outcomes(runs: Runs, demo_expected: dict[str, Any]) -> None:
    demo = _only_framework(runs.report("demo", BEST_PRACTICES), BEST_PRACTICES)
    hardened = _only_framework(runs.report("hardened", BEST_PRACTICES), BEST_PRACTICES)
    assert _statuses(demo) == {
        cid: _demo_status(checks, demo_expected) for cid, checks in BEST_PRACTICE_CHECKS.items()
    }
    assert _statuses(hardened) == dict.fromkeys(BEST_PRACTICE_CHECKS, "PASS")


def _control_cells(html: str) -> list[str]:
    """The text of the compliance table's control-id cells, in order."""
    cells = re.findall(r'<td class="col-id">(.*?)</td>', html, re.DOTALL)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


@pytest.mark.parametrize("name", CIS)
def test_html_report_shows_every_control(runs: Runs, name: str) -> None:
    runs.report("demo", name)
    html = (runs.output_dir("demo", name) / "report.html").read_text(encoding="utf-8")
    assert _control_cells(html) == list(CIS_CHECKS)
    for check_id in CIS_CHECKS.values():
        assert f'href="#check-{check_id}"' in html, check_id
