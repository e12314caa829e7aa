"""Tests of the root-account and identity-use checks."""

from __future__ import annotations

import pytest

from auditor.check import Check
from auditor.engine import run_check as run_with_guarantees
from auditor.findings import Status
from auditor.registry import LoadedCheck
from auditor.sections import Section
from auditor.snapshot import (
    AccountSnapshot,
    CollectionIssue,
    Role,
    RootAccount,
    RootActivity,
    SnapshotMeta,
)
from auditor.testing import ACCOUNT_ID, NOW, days_ago, make_snapshot, make_user, missing, run_check
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


def engine(check: type[Check], snap: AccountSnapshot) -> tuple[Status, str]:
    """Through the engine, which hands an incomplete ROOT section to evaluate_incomplete."""
    loaded = LoadedCheck(check, "builtin", "ram-audit")
    return only(run_with_guarantees(loaded, snap, check.Params()))


KEYS_UNSTATED = (
    missing(Section.ROOT, "ims:GetAccountSecurityPracticeReport"),
    missing(Section.ROOT, "ims:GetCredentialReport"),
)


@pytest.mark.parametrize(
    ("root", "issues", "keys", "mfa"),
    [
        # Each fact decides its own check; the other one's gap does not hide it.
        (RootAccount(access_key_count=None, mfa_bound=True), KEYS_UNSTATED,
         Status.UNKNOWN, Status.PASS),
        (RootAccount(access_key_count=None, mfa_bound=False), KEYS_UNSTATED,
         Status.UNKNOWN, Status.FAIL),
        (RootAccount(access_key_count=0, mfa_bound=None),
         (missing(Section.ROOT, "ims:GetAccountMFAInfo"),), Status.PASS, Status.UNKNOWN),
        (RootAccount(access_key_count=1, mfa_bound=None),
         (missing(Section.ROOT, "ims:GetAccountMFAInfo"),), Status.FAIL, Status.UNKNOWN),
        (None, (missing(Section.ROOT, "ims:GetAccountMFAInfo"), *KEYS_UNSTATED),
         Status.UNKNOWN, Status.UNKNOWN),
        # Unknown facts never read as "no key" or "not bound", even without an issue.
        (RootAccount(), (), Status.UNKNOWN, Status.UNKNOWN),
    ],
)
def test_each_root_check_is_unknown_only_when_its_own_fact_is(
    root: RootAccount | None, issues: tuple[CollectionIssue, ...], keys: Status, mfa: Status
) -> None:
    snap = make_snapshot(root=root, issues=issues)
    assert engine(RootAccessKeyAbsent, snap)[0] == keys
    assert engine(RootMfaEnabled, snap)[0] == mfa


def test_an_unknown_fact_names_only_its_own_sources_and_what_to_grant() -> None:
    issues = (*KEYS_UNSTATED, missing(Section.ROOT, "ims:GetAccountMFAInfo"))
    snap = make_snapshot(root=RootAccount(access_key_count=None, mfa_bound=True), issues=issues)
    status, message = engine(RootAccessKeyAbsent, snap)
    assert status == Status.UNKNOWN
    assert "whether the root account has AccessKeys" in message
    assert "grant ram:GetAccountSecurityPracticeReport" in message
    assert "grant ram:GetCredentialReport" in message
    assert "GetAccountMFAInfo" not in message
    _, message = engine(RootAccessKeyAbsent, make_snapshot(root=None, sections=[]))
    assert "not collected" in message


def test_messages_name_the_source_of_a_fact() -> None:
    meta = SnapshotMeta(tool_version="test", collected_at=NOW, sections=tuple(Section),
                        credential_report_generated_at=NOW)
    root = RootAccount(access_key_count=2, mfa_bound=True,
                       access_key_count_from="ims:GetCredentialReport",
                       mfa_bound_from="ims:GetAccountSecurityPracticeReport")
    snap = make_snapshot(root=root).model_copy(update={"meta": meta})
    status, message = only(run_check(RootAccessKeyAbsent, snap))
    assert status == Status.FAIL
    assert "2 AccessKey(s) (active or disabled)" in message
    assert f"<root> row, generated {NOW:%Y-%m-%d %H:%M} UTC" in message
    status, message = only(run_check(RootMfaEnabled, snap))
    assert status == Status.PASS and "security-practice report" in message


def test_a_negative_key_count_is_invalid() -> None:
    with pytest.raises(ValueError):
        RootAccount(access_key_count=-1)


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

    def root(alias: str, *, keys: int = 0, mfa: bool = True) -> AccountSnapshot:
        return make_snapshot(alias=alias, root=RootAccount(access_key_count=keys, mfa_bound=mfa))

    def last_logon(alias: str, days: float | None) -> AccountSnapshot:
        last = None if days is None else days_ago(days)
        return make_snapshot(alias=alias, root_activity=RootActivity(last_console_login_at=last))

    return [
        Case(RootAccessKeyAbsent, root("pass_no_root_key")),
        Case(RootAccessKeyAbsent, root("fail_one_root_key", keys=1)),
        Case(RootAccessKeyAbsent, make_snapshot(alias="unknown_no_root_facts")),
        Case(RootAccessKeyAbsent, make_snapshot(
            alias="unknown_key_count_unstated", root=RootAccount(mfa_bound=True),
            issues=[missing(Section.ROOT, "ims:GetAccountSecurityPracticeReport")])),
        Case(RootAccessKeyAbsent, make_snapshot(
            alias="fail_key_known_mfa_unstated", root=RootAccount(access_key_count=1),
            issues=[missing(Section.ROOT, "ims:GetAccountMFAInfo")])),
        Case(RootMfaEnabled, root("pass_root_mfa")),
        Case(RootMfaEnabled, root("fail_root_without_mfa", mfa=False)),
        Case(RootMfaEnabled, make_snapshot(alias="unknown_no_root_facts")),
        Case(RootMfaEnabled, make_snapshot(
            alias="pass_mfa_known_keys_unstated", root=RootAccount(mfa_bound=True),
            issues=[missing(Section.ROOT, "ims:GetAccountSecurityPracticeReport")])),
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
