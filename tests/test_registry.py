"""Meta-tests over the whole check registry (cfn-lint style)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import pytest

from auditor.check import Check, CheckDefinitionError, CheckMeta
from auditor.errors import PackLoadError, UsageError
from auditor.findings import Severity
from auditor.registry import CheckRegistry, LoadedCheck
from auditor.sections import Section

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT.parent / "shared" / "spec" / "checks.md"

#: The public contract of shared/spec/checks.md: id -> severity.
SPEC_CHECKS = {
    "root_access_key_absent": "critical",
    "root_mfa_enabled": "critical",
    "root_console_unused": "high",
    "audit_caller_not_root": "high",
    "ram_identities_in_use": "medium",
    "user_console_mfa_bound": "high",
    "user_console_api_separated": "medium",
    "user_console_inactive_disabled": "medium",
    "user_unused": "low",
    "user_in_group": "low",
    "user_no_direct_policies": "medium",
    "user_admin_access_allowlisted": "high",
    "access_key_rotated": "medium",
    "access_key_used_recently": "medium",
    "access_key_single_active": "low",
    "access_key_disabled_removed": "low",
    "access_key_prefer_sts": "low",
    "password_policy_min_length": "medium",
    "password_policy_uppercase": "medium",
    "password_policy_lowercase": "medium",
    "password_policy_number": "medium",
    "password_policy_symbol": "medium",
    "password_policy_reuse_prevention": "medium",
    "password_policy_max_age": "medium",
    "password_policy_lockout": "medium",
    "password_policy_hard_expiry": "low",
    "password_policy_distinct_chars": "low",
    "password_policy_excludes_username": "low",
    "security_preference_mfa_enforced": "high",
    "security_preference_mfa_ticket_not_saved": "low",
    "security_preference_login_ip_restricted": "medium",
    "security_preference_session_duration": "low",
    "security_preference_idle_auto_disable": "medium",
    "security_preference_users_cannot_manage_keys": "medium",
    "group_has_members": "low",
    "group_has_policies": "low",
    "policy_no_full_admin": "critical",
    "policy_no_allow_not_action": "high",
    "policy_no_privilege_escalation": "high",
    "policy_custom_unused": "low",
    "policy_sensitive_actions_conditioned": "low",
    "role_admin_access_allowlisted": "high",
    "role_trust_restricted": "high",
    "role_max_session_short": "low",
    "sso_enabled": "medium",
    "sso_saml_signature_sha256": "low",
}


@pytest.fixture(scope="module")
def registry() -> CheckRegistry:
    return CheckRegistry.discover()


def test_spec_copy_matches_shared_spec_when_present() -> None:
    if not SPEC.is_file():
        pytest.skip("shared/spec/checks.md is not beside this checkout")
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| (\w+) \|", SPEC.read_text(), flags=re.M)
    assert dict(rows) == SPEC_CHECKS


def test_every_spec_check_is_implemented_with_its_severity(registry: CheckRegistry) -> None:
    found = {c.id: c.check.meta.severity.value for c in registry.all() if c.pack == "builtin"}
    assert found == SPEC_CHECKS


def test_builtin_checks_come_through_the_entry_point(registry: CheckRegistry) -> None:
    builtin = [c for c in registry.all() if c.pack == "builtin"]
    assert builtin and all(c.distribution == "ram-audit" for c in builtin)


def test_only_access_key_prefer_sts_is_off_by_default(registry: CheckRegistry) -> None:
    off = {c.id for c in registry.all() if not c.check.meta.enabled_by_default}
    assert off == {"access_key_prefer_sts"}


@pytest.mark.parametrize("check_id", sorted(SPEC_CHECKS))
def test_check_metadata_is_complete(registry: CheckRegistry, check_id: str) -> None:
    loaded = registry.get(check_id)
    meta = loaded.check.meta
    assert meta.doc_url.startswith("https://") and "alibabacloud.com" in meta.doc_url
    assert len(meta.remediation) > 40 and len(meta.rationale) > 40
    assert meta.requires
    assert "alibaba-ram-best-practices" in meta.compliance
    module = loaded.check.__module__.rsplit(".", 1)[-1]
    assert (ROOT / "tests" / "checks" / f"test_{module}.py").is_file(), "check has no tests"


def test_selection_by_id_exclusion_severity_and_framework(registry: CheckRegistry) -> None:
    default = {c.id for c in registry.select()}
    assert "access_key_prefer_sts" not in default and "root_mfa_enabled" in default
    assert [c.id for c in registry.select(ids=["access_key_prefer_sts"])] == [
        "access_key_prefer_sts"
    ]
    assert "root_mfa_enabled" not in {c.id for c in registry.select(exclude=["root_mfa_enabled"])}
    critical = {c.id for c in registry.select(min_severity=Severity.CRITICAL)}
    assert critical == {k for k, v in SPEC_CHECKS.items() if v == "critical"}
    cis = {c.id for c in registry.select(framework="cis-alibaba-v1")}
    assert len(cis) == 16


def test_unknown_id_in_selection_is_a_usage_error(registry: CheckRegistry) -> None:
    with pytest.raises(UsageError, match="no_such_check"):
        registry.select(ids=["no_such_check"])


def _meta(check_id: str) -> CheckMeta:
    return CheckMeta(
        id=check_id,
        title="A test check",
        severity=Severity.LOW,
        rationale="Because tests need a check to register.",
        remediation="Nothing to remediate; this exists for tests.",
        doc_url="https://www.alibabacloud.com/help/en/ram/",
        requires=frozenset({Section.USERS}),
    )


def test_duplicate_ids_across_packs_are_an_error() -> None:
    class One(Check):
        meta = _meta("dup_check")

        def evaluate(self, snapshot, params):  # type: ignore[no-untyped-def]
            return []

    with pytest.raises(PackLoadError, match=r"duplicate check id 'dup_check'.*'a'.*'b'"):
        CheckRegistry([LoadedCheck(One, "a", "dist-a"), LoadedCheck(One, "b", "dist-b")])


def test_malformed_check_fails_at_definition_naming_itself() -> None:
    with pytest.raises(CheckDefinitionError, match=r"BadCheck.*invalid metadata"):

        class BadCheck(Check):
            meta: ClassVar = {"id": "Bad Id", "title": "x"}

            def evaluate(self, snapshot, params):  # type: ignore[no-untyped-def]
                return []


def test_check_without_evaluate_is_rejected() -> None:
    with pytest.raises(CheckDefinitionError, match="must implement evaluate"):

        class Lazy(Check):
            meta = _meta("lazy_check")


def test_a_pack_that_fails_to_import_is_named() -> None:
    from importlib.metadata import EntryPoint

    from auditor.registry import _load_entry_point

    broken = EntryPoint(name="broken", value="no_such_module_for_ram_audit", group="x")
    with pytest.raises(PackLoadError, match=r"check pack 'broken' .* failed to import"):
        _load_entry_point(broken)
