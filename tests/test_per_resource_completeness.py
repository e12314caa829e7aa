"""Completeness is per resource, end to end (issue 13, item 4).

The demo world is audited twice through the official SDK: once cleanly, once with the reads
of one user's AccessKeys, one custom policy's document, one role's details and one group's
members denied for that resource only (as a resource-scoped RAM Deny would). The second
run must keep every result of the first except those of the four resources whose data is
missing, which become UNKNOWN — never one account-level UNKNOWN per check, never a PASS.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.collector import collect_snapshot
from auditor.demo import auditor_credentials, demo_world, emulator_settings
from auditor.emulator import Emulator
from auditor.emulator.faults import Faults
from auditor.emulator.world import World
from auditor.findings import Status
from auditor.pipeline import Options, finish, prepare
from auditor.report import AuditReport, Result

#: Checks that reason across resources (escalation paths through groups, policies, roles):
#: missing data about one resource may leave other principals' verdicts open, so these may
#: turn UNKNOWN elsewhere, but never flip between PASS and FAIL.
PATH_CHECKS = (
    "principal_no_escalation_path",
    "external_principal_no_admin_path",
    "principal_admin_allowlisted",
)


@pytest.fixture(scope="module")
def world() -> World:
    return demo_world()


def _statuses(report: AuditReport, check_id: str) -> dict[str, Status]:
    return {r.resource.name: r.status for r in report.results if r.check_id == check_id}


@pytest.fixture(scope="module")
def clean(world: World, tmp_path_factory: pytest.TempPathFactory) -> AuditReport:
    return _audit(world, tmp_path_factory.mktemp("clean"), frozenset())


@pytest.fixture(scope="module")
def targets(world: World, clean: AuditReport) -> dict[str, str]:
    """One resource of each kind whose read will be denied, none of them admin-capable
    (an unreadable admin-capable policy or group rightly leaves others' admin access open:
    see test_an_unreadable_admin_group_leaves_admin_access_open)."""
    admins = {n for n, s in _statuses(clean, "user_admin_access_allowlisted").items()}
    keyed = _statuses(clean, "access_key_single_active")
    user = next(n for n in sorted(keyed) if n not in admins and n != "ram-auditor")
    attached = _statuses(clean, "policy_custom_unused")
    full = _statuses(clean, "policy_no_full_admin")
    policy = next(n for n in sorted(full) if full[n] is Status.PASS and attached[n] is Status.PASS)
    admin_policies = {"AdministratorAccess"} | {n for n, s in full.items() if s is Status.FAIL}
    role_admins = set(_statuses(clean, "role_admin_access_allowlisted"))
    role = next(
        n for n in sorted(_statuses(clean, "role_max_session_short")) if n not in role_admins
    )
    group = next(
        g.name
        for g in world.groups
        if not {ref.name for ref in g.policies} & admin_policies
        and any(g.name in u.groups for u in world.users)
    )
    return {"user": user, "policy": policy, "role": role, "group": group}


def _audit(world: World, tmp_path: Path, deny: frozenset[str]) -> AuditReport:
    plan = prepare(Options(formats=("json",), output_dir=tmp_path))
    with Emulator(world, faults=Faults(deny=deny)) as emulator:
        settings = emulator_settings(emulator, credential_report_poll_s=0, sleep=lambda _: None)
        snapshot = collect_snapshot(settings, plan.sections, credentials=auditor_credentials(world))
    report, _, _ = finish(plan, snapshot)
    return report


@pytest.fixture(scope="module")
def runs(
    world: World,
    clean: AuditReport,
    targets: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[AuditReport, AuditReport]:
    deny = frozenset(
        {
            f"ListAccessKeys:{targets['user']}",
            f"GetPolicy:{targets['policy']}",
            f"GetRole:{targets['role']}",
            f"ListUsersForGroup:{targets['group']}",
        }
    )
    partial = _audit(world, tmp_path_factory.mktemp("partial"), deny)
    return clean, partial


def _concerns(result: Result, targets: dict[str, str]) -> bool:
    """Whether the result is about one of the resources whose data is missing."""
    kind, name = result.resource.type, result.resource.name
    return (kind, name) in {
        ("user", targets["user"]),
        ("access_key", targets["user"]),
        ("policy", targets["policy"]),
        ("role", targets["role"]),
        ("group", targets["group"]),
    }


def test_the_clean_run_decides_everything(runs: tuple[AuditReport, AuditReport]) -> None:
    clean, _ = runs
    assert not [r for r in clean.results if r.status in (Status.UNKNOWN, Status.ERROR)]


def test_no_section_goes_unknown_for_one_resource(runs: tuple[AuditReport, AuditReport]) -> None:
    _, partial = runs
    account_unknown = [
        r.check_id
        for r in partial.results
        if r.status is Status.UNKNOWN and r.resource.type == "account"
    ]
    assert account_unknown == []


def _holders(world: World, policy: str) -> set[tuple[str, str]]:
    """(type, name) of users and roles holding ``policy``, directly or through a group."""
    groups = {g.name for g in world.groups if any(ref.name == policy for ref in g.policies)}
    users = {
        ("user", u.name)
        for u in world.users
        if any(ref.name == policy for ref in u.policies) or groups & set(u.groups)
    }
    roles = {("role", r.name) for r in world.roles if any(ref.name == policy for ref in r.policies)}
    return users | roles


def test_results_of_other_resources_are_unchanged(
    world: World, runs: tuple[AuditReport, AuditReport], targets: dict[str, str]
) -> None:
    clean, partial = runs
    holders = _holders(world, targets["policy"])
    # Whoever holds the unreadable policy may hold admin access through it (item 5).
    admin_doubts = {
        r.uid
        for r in partial.results
        if r.check_id in ("user_admin_access_allowlisted", "role_admin_access_allowlisted")
        and (r.resource.type, r.resource.name) in holders
        and r.status is Status.UNKNOWN
    }
    before = {r.uid: r.status for r in clean.results if not _concerns(r, targets)}
    after = {r.uid: r.status for r in partial.results if not _concerns(r, targets)}
    # Group membership is data about users too: a user found in no readable group may be
    # in the unreadable one, so those users (and only in user_in_group) turn UNKNOWN.
    changed = {
        uid: (before.get(uid), after.get(uid))
        for uid in before.keys() | after.keys()
        if before.get(uid) != after.get(uid)
    }
    in_group = {r.uid for r in partial.results if r.check_id in ("user_in_group", *PATH_CHECKS)}
    unexplained = {
        uid: change
        for uid, change in changed.items()
        if not (uid in in_group and change[1] is Status.UNKNOWN) and uid not in admin_doubts
    }
    assert unexplained == {}
    assert len(partial.results) >= len(clean.results) - 2  # a denied key list is one row


def test_only_the_resources_with_missing_data_are_unknown(
    world: World, runs: tuple[AuditReport, AuditReport], targets: dict[str, str]
) -> None:
    _, partial = runs
    unknown = {
        (r.check_id, r.resource.type, r.resource.name)
        for r in partial.results
        if r.status is Status.UNKNOWN
    }
    user, policy, role, group = (targets[k] for k in ("user", "policy", "role", "group"))
    assert ("access_key_rotated", "user", user) in unknown
    assert ("policy_no_full_admin", "policy", policy) in unknown
    assert ("role_trust_restricted", "role", role) in unknown
    assert ("group_has_members", "group", group) in unknown
    holders = _holders(world, policy)
    for check_id, kind, name in unknown:
        assert (
            (kind, name) in {("user", user), ("policy", policy), ("role", role), ("group", group)}
            or check_id in ("user_in_group", *PATH_CHECKS)
            or (check_id.endswith("_admin_access_allowlisted") and (kind, name) in holders)
        ), (check_id, kind, name)


def test_unknown_results_name_the_failed_read_and_the_permission(
    runs: tuple[AuditReport, AuditReport], targets: dict[str, str]
) -> None:
    _, partial = runs
    (result,) = [
        r
        for r in partial.results
        if r.check_id == "access_key_rotated" and r.resource.name == targets["user"]
    ]
    assert result.status is Status.UNKNOWN
    assert "ListAccessKeys" in result.message and "grant ram:ListAccessKeys" in result.message


def test_report_issues_list_the_resources_and_the_checks_they_affect(
    runs: tuple[AuditReport, AuditReport], targets: dict[str, str]
) -> None:
    _, partial = runs
    by_action = {i.action: i for i in partial.collection_issues if i.kind == "missing"}
    keys = by_action["ListAccessKeys"]
    assert [(r.type, r.name) for r in keys.resources] == [("user", targets["user"])]
    assert keys.facts == ["access_keys"]
    assert "access_key_rotated" in keys.affects and "user_in_group" not in keys.affects
    assert [(r.type, r.name) for r in by_action["GetRole"].resources] == [("role", targets["role"])]


def test_an_unreadable_admin_group_leaves_admin_access_open(world: World, tmp_path: Path) -> None:
    """Members of a group holding AdministratorAccess could not be listed: a user not known
    to be an administrator otherwise may be one, so it is UNKNOWN, never left out."""
    group = next(
        g for g in world.groups if any(ref.name == "AdministratorAccess" for ref in g.policies)
    )
    report = _audit(world, tmp_path, frozenset({f"ListUsersForGroup:{group.name}"}))
    statuses = _statuses(report, "user_admin_access_allowlisted")
    members = {u.name for u in world.users if group.name in u.groups}
    assert members and all(statuses[m] is Status.UNKNOWN for m in members - {"ram-auditor"})
    assert "could not be listed" in next(
        r.message
        for r in report.results
        if r.check_id == "user_admin_access_allowlisted" and r.status is Status.UNKNOWN
    )
