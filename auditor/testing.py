"""Helpers for check authors (built-in and third-party) to test checks on snapshots.

Build a snapshot that states only what matters, name resources for their expected
outcome (``pass_*``, ``fail_*``, ``na_*``, ``unknown_*``), run the check and compare::

    snap = make_snapshot(users=[make_user("pass_console_only", console=True, mfa=True)])
    assert_by_prefix(run_check(UserConsoleMfaBound, snap))

Account-level checks name the account: ``make_snapshot(alias="fail_no_mfa", ...)``. A
:class:`Case` bundles a check, a snapshot named that way and parameter overrides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from auditor.check import Check
from auditor.engine import run_check as run_with_guarantees
from auditor.findings import Finding, Status
from auditor.registry import LoadedCheck
from auditor.sections import Section
from auditor.snapshot import (
    AccessKey,
    AccountSnapshot,
    CallerIdentity,
    CollectionIssue,
    SnapshotMeta,
    User,
    UserStatus,
)

#: The fixed collection time of every test snapshot.
NOW = datetime(2026, 11, 28, 10, 0, 0, tzinfo=timezone.utc)
ACCOUNT_ID = "1234567890123456"


def days_ago(days: float) -> datetime:
    """``NOW`` minus ``days`` (fractions allowed)."""
    return NOW - timedelta(days=days)


def make_snapshot(
    *,
    sections: Iterable[Section] = tuple(Section),
    issues: Sequence[CollectionIssue] = (),
    caller_type: str = "RAMUser",
    alias: str = "acme",
    **parts: Any,
) -> AccountSnapshot:
    """A snapshot collected at ``NOW`` for account ``ACCOUNT_ID`` (alias ``alias``, the
    name of account-level results) with the given parts."""
    arn = (
        f"acs:ram::{ACCOUNT_ID}:root"
        if caller_type == "Account"
        else f"acs:ram::{ACCOUNT_ID}:user/auditor"
    )
    return AccountSnapshot(
        meta=SnapshotMeta(tool_version="test", collected_at=NOW, sections=tuple(sections)),
        caller=CallerIdentity(account_id=ACCOUNT_ID, arn=arn, identity_type=caller_type),
        account_alias=alias,
        issues=tuple(issues),
        **parts,
    )


def make_key(
    key_id: str,
    *,
    active: bool = True,
    created_days_ago: float = 10,
    last_used_days_ago: float | None = 1,
) -> AccessKey:
    """An AccessKey created/last used the given number of days before ``NOW``."""
    return AccessKey(
        id=key_id,
        status="Active" if active else "Inactive",
        created_at=days_ago(created_days_ago),
        last_used_at=None if last_used_days_ago is None else days_ago(last_used_days_ago),
    )


def make_user(
    name: str,
    *,
    console: bool = False,
    mfa: bool = False,
    keys: Sequence[AccessKey] = (),
    created_days_ago: float = 365,
    last_login_days_ago: float | None = None,
    has_login_profile: bool | None = None,
    status: UserStatus = "active",
) -> User:
    """A RAM user; ``console=True`` gives it an Active login profile, ``status="freeze"``
    makes it frozen."""
    return User(
        id=f"2{abs(hash(name)) % 10**15:015d}",
        name=name,
        status=status,
        principal_name=f"{name}@acme.onaliyun.com",
        created_at=days_ago(created_days_ago),
        last_console_login_at=None
        if last_login_days_ago is None
        else days_ago(last_login_days_ago),
        has_login_profile=console if has_login_profile is None else has_login_profile,
        console_access=console,
        mfa_bound=mfa,
        access_keys=tuple(keys),
    )


def missing(section: Section, action: str = "ims:GetCredentialReport") -> CollectionIssue:
    """A ``missing`` collection issue that makes ``section`` incomplete."""
    return CollectionIssue(
        section=section,
        action=action,
        code="NoPermission",
        message="You are not authorized to do this action.",
        permission=f"ram:{action.partition(':')[2]}",
    )


def run_check(
    check: type[Check], snapshot: AccountSnapshot, **params: Any
) -> list[Finding]:
    """Evaluate one check directly (no engine), with parameter overrides."""
    return list(check().evaluate(snapshot, check.Params(**params)))


def statuses(findings: Iterable[Finding]) -> dict[str, Status]:
    """Resource name (or id when unnamed) -> status; names must be unique."""
    out: dict[str, Status] = {}
    for finding in findings:
        key = finding.resource.name or finding.resource.id
        assert key not in out, f"two findings for {key!r}"
        out[key] = finding.status
    return out


_PREFIX_STATUS = {
    "pass_": Status.PASS,
    "fail_": Status.FAIL,
    "na_": Status.NOT_APPLICABLE,
    "unknown_": Status.UNKNOWN,
}


def assert_by_prefix(findings: Iterable[Finding]) -> None:
    """Every resource named ``pass_*``/``fail_*``/``na_*``/``unknown_*`` has that status, and
    at least one resource is named that way (so the assertion cannot pass vacuously)."""
    seen = statuses(findings)
    named = {k: v for k, v in seen.items() if k.startswith(tuple(_PREFIX_STATUS))}
    assert named, f"no pass_/fail_/na_/unknown_ resources among {sorted(seen)}"
    wrong = {
        name: str(status)
        for name, status in named.items()
        if status != next(s for p, s in _PREFIX_STATUS.items() if name.startswith(p))
    }
    assert not wrong, f"unexpected statuses: {wrong}"


def expected_status(name: str) -> Status | None:
    """The status a resource named ``pass_*``, ``fail_*``, ``na_*`` or ``unknown_*`` expects."""
    return next((s for p, s in _PREFIX_STATUS.items() if name.startswith(p)), None)


@dataclass(frozen=True)
class Case:
    """One check on one snapshot whose resources are named for their expected status.

    A check's test module lists its cases in ``CASES``; the built-in suite runs each one and
    requires every check to have cases that produce at least one PASS and one FAIL.
    """

    check: type[Check]
    snapshot: AccountSnapshot
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def check_id(self) -> str:
        return self.check.meta.id

    def named(self) -> dict[str, Status]:
        """Resource name -> expected status, for every snapshot resource (and the account
        alias) named with a status prefix."""
        snap = self.snapshot
        names = [snap.account_alias, *(r.name for part in (snap.users, snap.groups,
                                                           snap.policies, snap.roles)
                                       for r in part)]
        return {n: s for n in names if (s := expected_status(n)) is not None}

    def run(self) -> list[Finding]:
        """The check's findings with the engine's guarantees (UNKNOWN when a section it
        requires is incomplete, ERROR when it raises, NOT_APPLICABLE when it yields nothing)."""
        loaded = LoadedCheck(self.check, "case", "(local)")
        return run_with_guarantees(loaded, self.snapshot, self.check.Params(**self.params))

    def verify(self) -> set[Status]:
        """Run the case and assert that every resource named for a status got a finding with
        that status; return the statuses the case demonstrated."""
        seen = statuses(self.run())
        named = self.named()
        assert named, f"{self.check_id}: no resource is named pass_/fail_/na_/unknown_"
        got = {name: seen.get(name) for name in named}
        wrong = {n: str(got[n]) for n, s in named.items() if got[n] != s}
        assert not wrong, f"{self.check_id}: unexpected statuses {wrong} (all: {seen})"
        return set(named.values())
