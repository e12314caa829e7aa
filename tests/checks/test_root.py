"""Tests of the root-account and identity-use checks."""

from __future__ import annotations

import pytest

from auditor.check import Check
from auditor.findings import Status
from auditor.snapshot import Role, RootAccount, RootActivity
from auditor.testing import ACCOUNT_ID, days_ago, make_snapshot, make_user, run_check
from checks.root import (
    AuditCallerNotRoot,
    RamIdentitiesInUse,
    RootAccessKeyAbsent,
    RootConsoleUnused,
    RootMfaEnabled,
)


def only(findings: list) -> tuple[Status, str]:
    """The single account-level finding of an account-level check."""
    assert len(findings) == 1, findings
    (finding,) = findings
    assert finding.resource.type == "account"
    assert finding.resource.id == ACCOUNT_ID
    return finding.status, finding.message


def role(name: str, *, service_linked: bool = False) -> Role:
    return Role(
        id=f"3{abs(hash(name)) % 10**15:015d}",
        name=name,
        arn=f"acs:ram::{ACCOUNT_ID}:role/{name.lower()}",
        is_service_linked=service_linked,
    )


@pytest.mark.parametrize(
    ("key_count", "expected"),
    [(0, Status.PASS), (1, Status.FAIL), (2, Status.FAIL)],
)
def test_root_access_key_absent(key_count: int, expected: Status) -> None:
    snap = make_snapshot(root=RootAccount(access_key_count=key_count, mfa_bound=True))
    status, message = only(run_check(RootAccessKeyAbsent, snap))
    assert status == expected
    if key_count:
        assert str(key_count) in message


@pytest.mark.parametrize(("bound", "expected"), [(True, Status.PASS), (False, Status.FAIL)])
def test_root_mfa_enabled(bound: bool, expected: Status) -> None:
    snap = make_snapshot(root=RootAccount(access_key_count=0, mfa_bound=bound))
    assert only(run_check(RootMfaEnabled, snap))[0] == expected


@pytest.mark.parametrize("check", [RootAccessKeyAbsent, RootMfaEnabled, RootConsoleUnused])
def test_root_checks_never_pass_without_root_facts(check: type[Check]) -> None:
    assert only(run_check(check, make_snapshot()))[0] == Status.UNKNOWN


@pytest.mark.parametrize(
    ("login_days_ago", "params", "expected"),
    [
        (None, {}, Status.PASS),
        (0.5, {}, Status.FAIL),
        (89, {}, Status.FAIL),
        (90, {}, Status.FAIL),
        (91, {}, Status.PASS),
        (90 + 5 / 24, {}, Status.PASS),  # exact durations: not within 90 days
        (90 - 5 / 24, {}, Status.FAIL),
        (400, {}, Status.PASS),
        (31, {"max_days": 30}, Status.PASS),
        (30, {"max_days": 30}, Status.FAIL),
    ],
)
def test_root_console_unused(login_days_ago: float | None, params: dict, expected: Status) -> None:
    last = None if login_days_ago is None else days_ago(login_days_ago)
    snap = make_snapshot(root_activity=RootActivity(last_console_login_at=last))
    status, message = only(run_check(RootConsoleUnused, snap, **params))
    assert status == expected
    if login_days_ago is None:
        assert "never" in message


@pytest.mark.parametrize(
    ("caller_type", "expected"),
    [
        ("Account", Status.FAIL),
        ("RAMUser", Status.PASS),
        ("AssumedRoleUser", Status.PASS),
    ],
)
def test_audit_caller_not_root(caller_type: str, expected: Status) -> None:
    snap = make_snapshot(caller_type=caller_type)
    status, message = only(run_check(AuditCallerNotRoot, snap))
    assert status == expected
    assert snap.caller.arn in message


@pytest.mark.parametrize(
    ("users", "roles", "expected"),
    [
        ((), (), Status.FAIL),
        ((), (role("AliyunServiceRoleForConfig", service_linked=True),), Status.FAIL),
        ((make_user("alice"),), (), Status.PASS),
        ((), (role("deployer"),), Status.PASS),
        # A role that merely trusts a service is an ordinary role.
        ((), (role("AliyunECSInstanceRole"),), Status.PASS),
    ],
)
def test_ram_identities_in_use(users: tuple, roles: tuple, expected: Status) -> None:
    snap = make_snapshot(users=users, roles=roles)
    assert only(run_check(RamIdentitiesInUse, snap))[0] == expected


def _catalogue_cases() -> list:
    """Cases for tests/checks/test_catalogue_cases.py: the account alias names the status."""
    from auditor.testing import Case

    def root(alias: str, *, keys: int = 0, mfa: bool = True) -> object:
        return make_snapshot(alias=alias, root=RootAccount(access_key_count=keys, mfa_bound=mfa))

    def last_logon(alias: str, days: float | None) -> object:
        last = None if days is None else days_ago(days)
        return make_snapshot(alias=alias, root_activity=RootActivity(last_console_login_at=last))

    return [
        Case(RootAccessKeyAbsent, root("pass_no_root_key")),
        Case(RootAccessKeyAbsent, root("fail_one_root_key", keys=1)),
        Case(RootAccessKeyAbsent, make_snapshot(alias="unknown_no_root_facts")),
        Case(RootMfaEnabled, root("pass_root_mfa")),
        Case(RootMfaEnabled, root("fail_root_without_mfa", mfa=False)),
        Case(RootMfaEnabled, make_snapshot(alias="unknown_no_root_facts")),
        Case(RootConsoleUnused, last_logon("pass_root_never_logged_on", None)),
        Case(RootConsoleUnused, last_logon("pass_root_logon_91d", 91)),
        Case(RootConsoleUnused, last_logon("fail_root_logon_89d", 89)),
        Case(RootConsoleUnused, last_logon("pass_root_logon_31d", 31), {"max_days": 30}),
        Case(RootConsoleUnused, last_logon("fail_root_logon_30d", 30), {"max_days": 30}),
        Case(RootConsoleUnused, make_snapshot(alias="unknown_no_root_activity")),
        Case(AuditCallerNotRoot, make_snapshot(alias="fail_root_caller", caller_type="Account")),
        Case(AuditCallerNotRoot, make_snapshot(alias="pass_ram_user_caller")),
        Case(AuditCallerNotRoot, make_snapshot(alias="pass_role_caller",
                                               caller_type="AssumedRoleUser")),
        Case(RamIdentitiesInUse, make_snapshot(alias="fail_root_only")),
        Case(RamIdentitiesInUse, make_snapshot(
            alias="fail_service_linked_only",
            roles=[role("AliyunServiceRoleForConfig", service_linked=True)],
        )),
        Case(RamIdentitiesInUse, make_snapshot(alias="pass_a_user",
                                               users=[make_user("alice")])),
        Case(RamIdentitiesInUse, make_snapshot(alias="pass_a_role", roles=[role("deployer")])),
    ]


CASES = _catalogue_cases()
