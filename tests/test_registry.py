"""Meta-tests over the whole check registry (cfn-lint style).

Nothing here lists the catalogue: conformance to ``shared/spec/checks.md`` is read from the
spec's tables when it is beside this checkout, and a new check breaks no test by existing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from auditor.check import Check, CheckDefinitionError, CheckMeta
from auditor.compliance import load_frameworks
from auditor.errors import PackLoadError, UsageError
from auditor.findings import Severity
from auditor.registry import CheckRegistry, LoadedCheck
from auditor.sections import Section

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT.parent / "shared" / "spec" / "checks.md"
#: A catalogue row of the spec: | `id` | severity | rec | ...
SPEC_ROW = re.compile(r"^\| `([a-z0-9_]+)` \| (\w+) \|(.*)$", re.M)
BEST_PRACTICES = "alibaba-ram-best-practices"
CIS = ("cis-alibaba-v1", "cis-alibaba-v2")

#: Specified in policy-analysis.md §5 (checks.md names them); that spec has no CIS column.
POLICY_ENGINE_CHECKS = {
    "principal_no_escalation_path",
    "external_principal_no_admin_path",
    "principal_admin_allowlisted",
}


@dataclass(frozen=True)
class SpecRow:
    severity: str
    cells: tuple[str, ...]  # the columns after severity, stripped

    @property
    def recommendations(self) -> set[str]:
        return {r.strip() for r in self.cells[0].split(",")}


def spec_catalogue() -> dict[str, SpecRow]:
    """id -> row, from the tables of checks.md and the rows, in the spec files checks.md
    refers to, of the ids checks.md names. Skips the test when the spec is not beside this
    checkout."""
    if not SPEC.is_file():
        pytest.skip("shared/spec/checks.md is not beside this checkout")
    text = SPEC.read_text(encoding="utf-8")

    def rows(source: str) -> dict[str, SpecRow]:
        return {
            check_id: SpecRow(severity, tuple(c.strip() for c in rest.split("|")))
            for check_id, severity, rest in SPEC_ROW.findall(source)
        }

    catalogue = rows(text)
    named = set(re.findall(r"`([a-z0-9_]+)`", text))
    for other in sorted(set(re.findall(r"`([\w-]+\.md)`", text))):
        path = SPEC.with_name(other)
        if path.is_file():
            extra = rows(path.read_text(encoding="utf-8"))
            catalogue |= {k: v for k, v in extra.items() if k in named and k not in catalogue}
    return catalogue


def controls_mapping(registry: CheckRegistry, framework: str) -> dict[str, set[str]]:
    """check id -> the controls of ``framework`` it is mapped to (the framework file's
    mapping, as the registry resolves it)."""
    return {c.id: set(c.compliance.get(framework, ())) for c in registry.all()}


@pytest.fixture(scope="module")
def registry() -> CheckRegistry:
    return CheckRegistry.discover()


def _builtin(registry: CheckRegistry) -> dict[str, LoadedCheck]:
    return {c.id: c for c in registry.all() if c.pack == "builtin"}


def test_spec_has_the_catalogue_and_the_pending_checks() -> None:
    """The parser reads the spec (not a vacuous pass): its three tables' worth of rows, and
    the policy-engine checks of policy-analysis.md."""
    catalogue = spec_catalogue()
    assert {"root_mfa_enabled", "sso_saml_signature_sha256"} <= set(catalogue)
    assert catalogue["root_mfa_enabled"].severity == "critical"
    assert not POLICY_ENGINE_CHECKS - set(catalogue), "policy-engine ids the spec does not name"
    assert catalogue["external_principal_no_admin_path"].severity == "critical"


def test_every_spec_check_is_implemented_with_its_severity(registry: CheckRegistry) -> None:
    """Conformance, not equality: the registry may hold checks the spec does not list yet."""
    builtin = _builtin(registry)
    catalogue = spec_catalogue()
    missing = set(catalogue) - set(builtin)
    assert not missing, f"specified but not implemented: {sorted(missing)}"
    wrong = {
        check_id: (builtin[check_id].check.meta.severity.value, row.severity)
        for check_id, row in catalogue.items()
        if check_id in builtin and builtin[check_id].check.meta.severity.value != row.severity
    }
    assert not wrong, f"(implemented, specified) severities differ: {wrong}"


def test_spec_recommendation_and_cis_columns_match_the_framework_mappings(
    registry: CheckRegistry,
) -> None:
    """checks.md's "rec" column is the best-practices mapping, its "CIS v1/v2" column the CIS
    mapping of both versions ("—": none), for every specified check that is implemented."""
    builtin = _builtin(registry)
    best = controls_mapping(registry, BEST_PRACTICES)
    cis = {name: controls_mapping(registry, name) for name in CIS}
    checked = 0
    for check_id, row in spec_catalogue().items():
        if check_id not in builtin:
            continue
        assert best[check_id] == row.recommendations, check_id
        if check_id in POLICY_ENGINE_CHECKS:  # policy-analysis.md has no CIS column
            continue
        wanted = set() if row.cells[1] == "—" else {row.cells[1]}
        assert {name: cis[name][check_id] for name in CIS} == dict.fromkeys(CIS, wanted), (
            check_id
        )
        checked += 1
    assert checked > 0


def test_off_by_default_as_specified(registry: CheckRegistry) -> None:
    builtin = _builtin(registry)
    catalogue = spec_catalogue()
    specified_off = {
        check_id for check_id, row in catalogue.items()
        if any(cell.startswith("Off by default") for cell in row.cells)
    }
    assert specified_off, "the spec parser found no off-by-default check"
    off = {
        c for c in catalogue if c in builtin and not builtin[c].check.meta.enabled_by_default
    }
    assert off == specified_off & set(builtin)


def test_builtin_checks_come_through_the_entry_point(registry: CheckRegistry) -> None:
    builtin = [c for c in registry.all() if c.pack == "builtin"]
    assert builtin and all(c.distribution == "ram-audit" for c in builtin)


@pytest.mark.parametrize(
    "check_id", [c.id for c in CheckRegistry.discover().all() if c.pack == "builtin"]
)
def test_check_metadata_is_complete(registry: CheckRegistry, check_id: str) -> None:
    """Every built-in check documents itself. Its test cases are required by
    tests/checks/test_catalogue_cases.py; the framework controls of a specified check by the
    spec conformance tests above (a new check need not be mapped to any framework yet)."""
    meta = registry.get(check_id).check.meta
    assert meta.doc_url.startswith("https://") and "alibabacloud.com" in meta.doc_url
    assert len(meta.remediation) > 40 and len(meta.rationale) > 40
    assert meta.requires


def test_selection_by_id_exclusion_severity_and_framework(registry: CheckRegistry) -> None:
    default = {c.id for c in registry.select()}
    assert default == {c.id for c in registry.all() if c.check.meta.enabled_by_default}
    assert "access_key_prefer_sts" not in default and "root_mfa_enabled" in default
    assert [c.id for c in registry.select(ids=["access_key_prefer_sts"])] == [
        "access_key_prefer_sts"
    ]
    assert "root_mfa_enabled" not in {c.id for c in registry.select(exclude=["root_mfa_enabled"])}
    critical = {c.id for c in registry.select(min_severity=Severity.CRITICAL)}
    assert critical == {
        c for c in default if registry.get(c).check.meta.severity is Severity.CRITICAL
    }
    assert "root_mfa_enabled" in critical and "user_in_group" not in critical
    frameworks = load_frameworks()
    for name in CIS:
        selected = {c.id for c in registry.select(framework=name)}
        mapping = controls_mapping(registry, name)
        assert "root_mfa_enabled" in selected and "user_in_group" not in selected
        assert selected == {c for c in default if mapping[c]}
        # Every control of the framework file is covered by a selected check.
        covered = set().union(*(mapping[c] for c in selected))
        assert covered == {c.id for c in frameworks[name].controls}


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
