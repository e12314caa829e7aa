"""Tests of the password-policy checks."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.check import Check
from auditor.findings import Status
from auditor.snapshot import PasswordPolicy
from auditor.testing import ACCOUNT_ID, make_snapshot, run_check
from checks.password_policy import (
    PasswordPolicyDistinctChars,
    PasswordPolicyExcludesUsername,
    PasswordPolicyHardExpiry,
    PasswordPolicyLockout,
    PasswordPolicyLowercase,
    PasswordPolicyMaxAge,
    PasswordPolicyMinLength,
    PasswordPolicyNumber,
    PasswordPolicyReusePrevention,
    PasswordPolicySymbol,
    PasswordPolicyUppercase,
)

ALL_CHECKS = [
    PasswordPolicyMinLength,
    PasswordPolicyUppercase,
    PasswordPolicyLowercase,
    PasswordPolicyNumber,
    PasswordPolicySymbol,
    PasswordPolicyReusePrevention,
    PasswordPolicyMaxAge,
    PasswordPolicyLockout,
    PasswordPolicyHardExpiry,
    PasswordPolicyDistinctChars,
    PasswordPolicyExcludesUsername,
]

#: A policy every check passes with default parameters.
STRONG = PasswordPolicy(
    minimum_length=14,
    require_uppercase=True,
    require_lowercase=True,
    require_numbers=True,
    require_symbols=True,
    reuse_prevention=5,
    max_age_days=90,
    max_login_attempts=5,
    hard_expire=True,
    minimum_distinct_characters=4,
    not_contain_user_name=True,
)
#: The Alibaba Cloud default policy (nothing enforced).
DEFAULT = PasswordPolicy(
    minimum_length=8,
    require_uppercase=False,
    require_lowercase=False,
    require_numbers=False,
    require_symbols=False,
    reuse_prevention=0,
    max_age_days=0,
    max_login_attempts=0,
    hard_expire=False,
)


def verdict(check: type[Check], policy: PasswordPolicy, **params: Any) -> tuple[Status, str]:
    findings = run_check(check, make_snapshot(password_policy=policy), **params)
    assert len(findings) == 1, findings
    (finding,) = findings
    assert (finding.resource.type, finding.resource.id) == ("account", ACCOUNT_ID)
    return finding.status, finding.message


def with_(**changes: Any) -> PasswordPolicy:
    return STRONG.model_copy(update=changes)


@pytest.mark.parametrize("check", ALL_CHECKS)
def test_strong_policy_passes(check: type[Check]) -> None:
    assert verdict(check, STRONG)[0] == Status.PASS


@pytest.mark.parametrize("check", [c for c in ALL_CHECKS if c is not PasswordPolicyHardExpiry])
def test_default_policy_fails(check: type[Check]) -> None:
    assert verdict(check, DEFAULT)[0] == Status.FAIL


@pytest.mark.parametrize("check", ALL_CHECKS)
def test_missing_policy_is_unknown(check: type[Check]) -> None:
    findings = run_check(check, make_snapshot())
    assert [f.status for f in findings] == [Status.UNKNOWN]


@pytest.mark.parametrize(
    ("length", "params", "expected"),
    [
        (13, {}, Status.FAIL),
        (14, {}, Status.PASS),
        (32, {}, Status.PASS),
        (11, {"min_length": 12}, Status.FAIL),
        (12, {"min_length": 12}, Status.PASS),
    ],
)
def test_min_length(length: int, params: dict, expected: Status) -> None:
    status, message = verdict(PasswordPolicyMinLength, with_(minimum_length=length), **params)
    assert status == expected
    assert f"is {length}" in message


@pytest.mark.parametrize(
    ("check", "field"),
    [
        (PasswordPolicyUppercase, "require_uppercase"),
        (PasswordPolicyLowercase, "require_lowercase"),
        (PasswordPolicyNumber, "require_numbers"),
        (PasswordPolicySymbol, "require_symbols"),
        (PasswordPolicyExcludesUsername, "not_contain_user_name"),
    ],
)
def test_required_flags(check: type[Check], field: str) -> None:
    assert verdict(check, with_(**{field: True}))[0] == Status.PASS
    assert verdict(check, with_(**{field: False}))[0] == Status.FAIL


@pytest.mark.parametrize(
    ("history", "params", "expected"),
    [
        (0, {}, Status.FAIL),
        (4, {}, Status.FAIL),
        (5, {}, Status.PASS),
        (24, {}, Status.PASS),
        (2, {"min_history": 3}, Status.FAIL),
        (3, {"min_history": 3}, Status.PASS),
    ],
)
def test_reuse_prevention(history: int, params: dict, expected: Status) -> None:
    status = verdict(PasswordPolicyReusePrevention, with_(reuse_prevention=history), **params)[0]
    assert status == expected


@pytest.mark.parametrize(
    ("max_age", "mode", "expected"),
    [
        (0, "rotation", Status.FAIL),
        (1, "rotation", Status.PASS),
        (90, "rotation", Status.PASS),
        (91, "rotation", Status.FAIL),
        (365, "rotation", Status.FAIL),
        (0, "cis_v2", Status.PASS),
        (1, "cis_v2", Status.FAIL),
        (90, "cis_v2", Status.FAIL),
        (91, "cis_v2", Status.FAIL),
        (364, "cis_v2", Status.FAIL),
        (365, "cis_v2", Status.PASS),
        (1095, "cis_v2", Status.PASS),
    ],
)
def test_max_age_modes(max_age: int, mode: str, expected: Status) -> None:
    status, message = verdict(PasswordPolicyMaxAge, with_(max_age_days=max_age), mode=mode)
    assert status == expected
    assert mode in message


@pytest.mark.parametrize(("max_age", "expected"), [(30, Status.PASS), (31, Status.FAIL)])
def test_max_age_max_days_override(max_age: int, expected: Status) -> None:
    status = verdict(PasswordPolicyMaxAge, with_(max_age_days=max_age), max_days=30)[0]
    assert status == expected


def test_max_age_default_mode_is_rotation() -> None:
    assert PasswordPolicyMaxAge.Params().mode == "rotation"
    with pytest.raises(ValueError):
        PasswordPolicyMaxAge.Params(mode="yearly")


@pytest.mark.parametrize(
    ("attempts", "params", "expected"),
    [
        (0, {}, Status.FAIL),
        (1, {}, Status.PASS),
        (5, {}, Status.PASS),
        (6, {}, Status.FAIL),
        (32, {}, Status.FAIL),
        (3, {"max_attempts": 3}, Status.PASS),
        (4, {"max_attempts": 3}, Status.FAIL),
    ],
)
def test_lockout(attempts: int, params: dict, expected: Status) -> None:
    status = verdict(PasswordPolicyLockout, with_(max_login_attempts=attempts), **params)[0]
    assert status == expected


@pytest.mark.parametrize(
    ("max_age", "hard_expire", "expected"),
    [
        (0, False, Status.NOT_APPLICABLE),
        (0, True, Status.NOT_APPLICABLE),
        (90, True, Status.PASS),
        (90, False, Status.FAIL),
        (1, False, Status.FAIL),
    ],
)
def test_hard_expiry(max_age: int, hard_expire: bool, expected: Status) -> None:
    policy = with_(max_age_days=max_age, hard_expire=hard_expire)
    assert verdict(PasswordPolicyHardExpiry, policy)[0] == expected


@pytest.mark.parametrize(
    ("distinct", "params", "expected"),
    [
        (0, {}, Status.FAIL),
        (3, {}, Status.FAIL),
        (4, {}, Status.PASS),
        (5, {"min_distinct": 6}, Status.FAIL),
        (6, {"min_distinct": 6}, Status.PASS),
    ],
)
def test_distinct_chars(distinct: int, params: dict, expected: Status) -> None:
    policy = with_(minimum_distinct_characters=distinct)
    assert verdict(PasswordPolicyDistinctChars, policy, **params)[0] == expected
