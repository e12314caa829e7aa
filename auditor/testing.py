"""Helpers for check authors (built-in and third-party) to test checks on snapshots.

Build a snapshot that states only what matters, name resources for their expected
outcome (``pass_*``, ``fail_*``, ``na_*``), run the check and compare::

    snap = make_snapshot(users=[make_user("pass_console_only", console=True, mfa=True)])
    assert_by_prefix(run_check(UserConsoleMfaBound, snap))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from auditor.check import Check
from auditor.findings import Finding, Status
from auditor.sections import Section
from auditor.snapshot import (
    AccessKey,
    AccountSnapshot,
    CallerIdentity,
    CollectionIssue,
    SnapshotMeta,
    User,
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
    **parts: Any,
) -> AccountSnapshot:
    """A snapshot collected at ``NOW`` for account ``ACCOUNT_ID`` with the given parts."""
    arn = (
        f"acs:ram::{ACCOUNT_ID}:root"
        if caller_type == "Account"
        else f"acs:ram::{ACCOUNT_ID}:user/auditor"
    )
    return AccountSnapshot(
        meta=SnapshotMeta(tool_version="test", collected_at=NOW, sections=tuple(sections)),
        caller=CallerIdentity(account_id=ACCOUNT_ID, arn=arn, identity_type=caller_type),
        account_alias="acme",
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
) -> User:
    """A RAM user; ``console=True`` gives it an Active login profile."""
    return User(
        id=f"2{abs(hash(name)) % 10**15:015d}",
        name=name,
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


_PREFIX_STATUS = {"pass_": Status.PASS, "fail_": Status.FAIL, "na_": Status.NOT_APPLICABLE}


def assert_by_prefix(findings: Iterable[Finding]) -> None:
    """Every resource named ``pass_*``/``fail_*``/``na_*`` has that status, and at least one
    resource is named that way (so the assertion cannot pass vacuously)."""
    seen = statuses(findings)
    named = {k: v for k, v in seen.items() if k.startswith(tuple(_PREFIX_STATUS))}
    assert named, f"no pass_/fail_/na_ resources among {sorted(seen)}"
    wrong = {
        name: str(status)
        for name, status in named.items()
        if status != next(s for p, s in _PREFIX_STATUS.items() if name.startswith(p))
    }
    assert not wrong, f"unexpected statuses: {wrong}"
