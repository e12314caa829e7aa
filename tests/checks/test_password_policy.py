"""Tests of the password-policy checks."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.check import Check, CheckDefinitionError
from auditor.findings import Status
from auditor.snapshot import AccountSnapshot, PasswordPolicy
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
    _PasswordPolicyCheck,
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


#: Policy field -> the checks that cannot decide without it.
READERS: dict[str, set[type[Check]]] = {
    "minimum_length": {PasswordPolicyMinLength},
    "require_uppercase": {PasswordPolicyUppercase},
    "require_lowercase": {PasswordPolicyLowercase},
    "require_numbers": {PasswordPolicyNumber},
    "require_symbols": {PasswordPolicySymbol},
    "reuse_prevention": {PasswordPolicyReusePrevention},
    "max_age_days": {PasswordPolicyMaxAge, PasswordPolicyHardExpiry},
    "max_login_attempts": {PasswordPolicyLockout},
    "hard_expire": {PasswordPolicyHardExpiry},
    "minimum_distinct_characters": {PasswordPolicyDistinctChars},
    "not_contain_user_name": {PasswordPolicyExcludesUsername},
}


def test_readers_cover_every_field() -> None:
    assert READERS.keys() == PasswordPolicy.model_fields.keys()


@pytest.mark.parametrize("field", sorted(READERS))
def test_unreported_field_makes_only_its_checks_unknown(field: str) -> None:
    policy = with_(**{field: None})
    readers = READERS[field]
    for check in ALL_CHECKS:
        status, message = verdict(check, policy)
        if check in readers:
            assert status == Status.UNKNOWN, check
            assert PasswordPolicy.IMS_NAMES[field] in message
        else:
            assert status == Status.PASS, check


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"max_age_days": None}, "MaxPasswordAge"),  # never NA on an unreported age
        ({"max_age_days": 0, "hard_expire": None}, "HardExpire"),
        ({"max_age_days": None, "hard_expire": None}, "MaxPasswordAge, HardExpire"),
    ],
)
def test_hard_expiry_needs_max_age_and_hard_expire(changes: dict, named: str) -> None:
    status, message = verdict(PasswordPolicyHardExpiry, with_(**changes))
    assert status == Status.UNKNOWN
    assert f"did not report {named}," in message


@pytest.mark.parametrize("fields", [(), ("max_age",)])
def test_fields_must_name_policy_fields(fields: tuple[str, ...]) -> None:
    with pytest.raises(CheckDefinitionError, match="bad fields"):
        type("Bad", (_PasswordPolicyCheck,), {"__abstract__": True, "fields": fields})
    with pytest.raises(CheckDefinitionError, match="bad fields"):
        type("Undeclared", (_PasswordPolicyCheck,), {"__abstract__": True})


def test_partial_policy_round_trips_and_complete_json_is_unchanged() -> None:
    partial = make_snapshot(password_policy=with_(max_age_days=None))
    assert AccountSnapshot.model_validate_json(partial.model_dump_json()) == partial
    dumped = make_snapshot(password_policy=DEFAULT).model_dump(mode="json")["password_policy"]
    assert dumped == {
        "minimum_length": 8,
        "require_uppercase": False,
        "require_lowercase": False,
        "require_numbers": False,
        "require_symbols": False,
        "reuse_prevention": 0,
        "max_age_days": 0,
        "max_login_attempts": 0,
        "hard_expire": False,
        "minimum_distinct_characters": 0,
        "not_contain_user_name": False,
    }


def _catalogue_cases() -> list:
    """Cases for tests/checks/test_catalogue_cases.py: the account alias names the status."""
    from auditor.testing import Case

    def account(alias: str, policy: PasswordPolicy | None) -> AccountSnapshot:
        return make_snapshot(alias=alias, password_policy=policy)

    cases = []
    for check in ALL_CHECKS:
        cases.append(Case(check, account("pass_strong_policy", STRONG)))
        cases.append(Case(check, account("unknown_policy_not_collected", None)))
        if check is not PasswordPolicyHardExpiry:
            cases.append(Case(check, account("fail_default_policy", DEFAULT)))
    return [
        *cases,
        Case(PasswordPolicyHardExpiry, account("na_passwords_never_expire", DEFAULT)),
        Case(PasswordPolicyHardExpiry, account("fail_expiry_without_block",
                                               with_(max_age_days=90, hard_expire=False))),
        Case(PasswordPolicyMinLength, account("pass_length_12", with_(minimum_length=12)),
             {"min_length": 12}),
        Case(PasswordPolicyMinLength, account("fail_length_13", with_(minimum_length=13))),
        Case(PasswordPolicyMaxAge, account("pass_never_expires_cis_v2",
                                           with_(max_age_days=0)), {"mode": "cis_v2"}),
        Case(PasswordPolicyMaxAge, account("fail_90_days_cis_v2", STRONG), {"mode": "cis_v2"}),
    ]


CASES = _catalogue_cases()
