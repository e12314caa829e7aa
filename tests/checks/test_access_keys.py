"""Tests of the AccessKey checks."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from auditor.check import Check
from auditor.findings import Finding, Status
from auditor.testing import (
    ACCOUNT_ID,
    NOW,
    assert_by_prefix,
    make_key,
    make_snapshot,
    make_user,
    run_check,
)
from checks._time import days_ago, older_than
from checks.access_keys import (
    AccessKeyDisabledRemoved,
    AccessKeyPreferSts,
    AccessKeyRotated,
    AccessKeySingleActive,
    AccessKeyUsedRecently,
)


def by_key_id(findings: list[Finding]) -> dict[str, Status]:
    """AccessKey id -> status, checking each key is named by its owner."""
    out: dict[str, Status] = {}
    for finding in findings:
        assert finding.resource.type == "access_key"
        out[finding.resource.id] = finding.status
    return out


def assert_by_key_prefix(findings: list[Finding]) -> None:
    """Like ``assert_by_prefix`` but on AccessKey ids (the resource name is the user)."""
    seen = by_key_id(findings)
    assert seen
    for key_id, status in seen.items():
        expected = Status.PASS if key_id.startswith("pass_") else Status.FAIL
        assert key_id.startswith(("pass_", "fail_")), key_id
        assert status == expected, (key_id, status)


def only_account_na(findings: list[Finding]) -> None:
    assert [(f.status, f.resource.type, f.resource.id) for f in findings] == [
        (Status.NOT_APPLICABLE, "account", ACCOUNT_ID)
    ]


@pytest.mark.parametrize(
    "check",
    [AccessKeyRotated, AccessKeyUsedRecently, AccessKeySingleActive, AccessKeyPreferSts],
)
def test_no_active_keys_is_not_applicable(check: type[Check]) -> None:
    snap = make_snapshot(users=[make_user("console_user", console=True)])
    only_account_na(run_check(check, snap))


def test_no_disabled_key_is_not_applicable() -> None:
    snap = make_snapshot(users=[make_user("api", keys=[make_key("LTAI1")])])
    only_account_na(run_check(AccessKeyDisabledRemoved, snap))


def test_access_key_rotated() -> None:
    snap = make_snapshot(
        users=[
            make_user(
                "app",
                keys=[
                    make_key("pass_89", created_days_ago=89),
                    make_key("pass_90", created_days_ago=90),
                    make_key("fail_91", created_days_ago=91),
                    # Exact durations (checks/_time.py): 90 days 5 hours is over 90 days.
                    make_key("fail_90d5h", created_days_ago=90 + 5 / 24),
                ],
            ),
            make_user(
                "old",
                keys=[
                    make_key("fail_old", created_days_ago=800),
                    # Inactive keys are not evaluated, however old.
                    make_key("inactive_old", active=False, created_days_ago=800),
                ],
            ),
        ]
    )
    findings = run_check(AccessKeyRotated, snap)
    assert_by_key_prefix(findings)
    assert {f.resource.name for f in findings} == {"app", "old"}
    messages = {f.resource.id: f.message for f in findings}
    assert "91 day(s) ago (limit 90 days)" in messages["fail_91"]
    assert "90.3 day(s) ago (limit 90 days)" in messages["fail_90d5h"]


def test_access_key_rotated_max_age_override() -> None:
    snap = make_snapshot(
        users=[
            make_user(
                "app",
                keys=[
                    make_key("pass_30", created_days_ago=30),
                    make_key("fail_31", created_days_ago=31),
                ],
            )
        ]
    )
    assert_by_key_prefix(run_check(AccessKeyRotated, snap, max_age_days=30))


@pytest.mark.parametrize(
    ("created", "last_used", "params", "expected"),
    [
        (400, 89, {}, Status.PASS),
        (400, 90, {}, Status.PASS),
        (400, 91, {}, Status.FAIL),
        (400, 90 + 5 / 24, {}, Status.FAIL),
        (7 + 5 / 24, None, {}, Status.FAIL),
        (6, None, {}, Status.PASS),
        (7, None, {}, Status.PASS),
        (8, None, {}, Status.FAIL),
        (400, None, {}, Status.FAIL),
        (400, 31, {"max_unused_days": 30}, Status.FAIL),
        (8, None, {"grace_days": 14}, Status.PASS),
        (15, None, {"grace_days": 14}, Status.FAIL),
    ],
)
def test_access_key_used_recently(
    created: float, last_used: float | None, params: dict, expected: Status
) -> None:
    key = make_key("LTAI1", created_days_ago=created, last_used_days_ago=last_used)
    snap = make_snapshot(users=[make_user("app", keys=[key])])
    findings = run_check(AccessKeyUsedRecently, snap, **params)
    assert by_key_id(findings) == {"LTAI1": expected}
    if last_used is None:
        assert "Never used" in findings[0].message


def test_access_key_used_recently_skips_inactive_keys() -> None:
    keys = [
        make_key("pass_used", last_used_days_ago=1),
        make_key(
            "inactive_never_used", active=False, created_days_ago=400, last_used_days_ago=None
        ),
    ]
    snap = make_snapshot(users=[make_user("app", keys=keys)])
    findings = run_check(AccessKeyUsedRecently, snap)
    assert_by_key_prefix(findings)
    assert len(findings) == 1


def test_access_key_single_active() -> None:
    snap = make_snapshot(
        users=[
            make_user("pass_one", keys=[make_key("A1")]),
            make_user(
                "pass_one_plus_inactive", keys=[make_key("B1"), make_key("B2", active=False)]
            ),
            make_user("pass_only_inactive", keys=[make_key("C1", active=False)]),
            make_user("fail_two", keys=[make_key("D1"), make_key("D2")]),
            make_user("no_keys", console=True),
        ]
    )
    findings = run_check(AccessKeySingleActive, snap)
    assert_by_prefix(findings)
    assert all(f.resource.type == "user" for f in findings)
    assert len(findings) == 4
    assert "D1, D2" in next(f.message for f in findings if f.resource.name == "fail_two")


def test_access_key_disabled_removed() -> None:
    snap = make_snapshot(
        users=[
            make_user("app", keys=[make_key("active"), make_key("fail_disabled", active=False)]),
            make_user("old", keys=[make_key("fail_disabled_2", active=False)]),
        ]
    )
    findings = run_check(AccessKeyDisabledRemoved, snap)
    assert_by_key_prefix(findings)
    assert {f.resource.name for f in findings} == {"app", "old"}


def test_access_key_prefer_sts() -> None:
    assert AccessKeyPreferSts.meta.enabled_by_default is False
    snap = make_snapshot(
        users=[
            make_user("ci-bot", keys=[make_key("pass_allowed")]),
            make_user(
                "script", keys=[make_key("fail_not_allowed"), make_key("inactive", active=False)]
            ),
        ]
    )
    assert_by_key_prefix(run_check(AccessKeyPreferSts, snap, allowed_users=["ci-bot"]))
    assert set(by_key_id(run_check(AccessKeyPreferSts, snap)).values()) == {Status.FAIL}


@pytest.mark.parametrize(
    ("age", "shown", "older_than_90"),
    [
        (timedelta(days=90), "90 day(s)", False),
        (timedelta(days=90, microseconds=1), "90.1 day(s)", True),
        (timedelta(days=90, hours=5), "90.3 day(s)", True),
        (timedelta(days=89, hours=23), "90 day(s)", False),
        (timedelta(hours=-1), "0 day(s)", False),  # clock skew: never negative
    ],
)
def test_age_arithmetic(age: timedelta, shown: str, older_than_90: bool) -> None:
    assert days_ago(NOW, NOW - age) == shown
    assert older_than(NOW, NOW - age, 90) is older_than_90


def test_age_arithmetic_is_exact_whatever_the_time_zone_or_the_age() -> None:
    """The memoised age equals the timedelta arithmetic for any age and offset: a
    timestamp equal to another in another zone has the same age."""
    tenth = timedelta(days=1) / 10
    east = timezone(timedelta(hours=8))
    for micros in (0, 1, 8_639_999_999, 8_640_000_000, 8_640_000_001, 123_456_789_012_345):
        age = timedelta(microseconds=micros)
        whole, fraction = divmod(-((-age) // tenth), 10)
        shown = f"{whole} day(s)" if not fraction else f"{whole}.{fraction} day(s)"
        for when in (NOW - age, (NOW - age).astimezone(east)):
            assert days_ago(NOW, when) == shown
            assert older_than(NOW, when, 1) is (age > timedelta(days=1))
            assert older_than(NOW.astimezone(east), when, 1) is (age > timedelta(days=1))


def _catalogue_cases() -> list:
    """Cases for tests/checks/test_catalogue_cases.py: resources named for their status (per-key
    results are named after the key's user, so each user here has one key evaluated)."""
    from auditor.snapshot import AccessKey, User
    from auditor.testing import Case

    def user(name: str, *keys: AccessKey) -> User:
        return make_user(name, keys=keys)

    return [
        Case(AccessKeyRotated, make_snapshot(users=[
            user("pass_created_89d", make_key("K1", created_days_ago=89)),
            user("pass_created_90d", make_key("K2", created_days_ago=90)),
            user("fail_created_91d", make_key("K3", created_days_ago=91)),
            user("fail_created_90d5h", make_key("K4", created_days_ago=90 + 5 / 24)),
            user("pass_inactive_old", make_key("K5", created_days_ago=10),
                 make_key("K6", active=False, created_days_ago=800)),
        ])),
        Case(AccessKeyRotated, make_snapshot(users=[
            user("pass_created_30d", make_key("K1", created_days_ago=30)),
            user("fail_created_31d", make_key("K2", created_days_ago=31)),
        ]), {"max_age_days": 30}),
        Case(AccessKeyRotated, make_snapshot(alias="na_no_active_key",
                                             users=[make_user("console_user", console=True)])),
        Case(AccessKeyUsedRecently, make_snapshot(users=[
            user("pass_used_89d", make_key("K1", created_days_ago=400, last_used_days_ago=89)),
            user("fail_used_91d", make_key("K2", created_days_ago=400, last_used_days_ago=91)),
            user("pass_never_used_7d", make_key("K3", created_days_ago=7,
                                                last_used_days_ago=None)),
            user("fail_never_used_8d", make_key("K4", created_days_ago=8,
                                                last_used_days_ago=None)),
        ])),
        Case(AccessKeyUsedRecently, make_snapshot(users=[
            user("pass_never_used_8d", make_key("K1", created_days_ago=8,
                                                last_used_days_ago=None)),
            user("fail_never_used_15d", make_key("K2", created_days_ago=15,
                                                 last_used_days_ago=None)),
        ]), {"grace_days": 14}),
        Case(AccessKeySingleActive, make_snapshot(users=[
            user("pass_one", make_key("A1")),
            user("pass_one_plus_inactive", make_key("B1"), make_key("B2", active=False)),
            user("fail_two", make_key("D1"), make_key("D2")),
            make_user("no_keys", console=True),
        ])),
        Case(AccessKeyDisabledRemoved, make_snapshot(users=[
            user("fail_disabled", make_key("K1"), make_key("K2", active=False)),
        ])),
        Case(AccessKeyDisabledRemoved, make_snapshot(
            alias="na_no_disabled_key", users=[user("api", make_key("K1"))]
        )),
        Case(AccessKeyPreferSts, make_snapshot(users=[
            user("pass_allowed", make_key("K1")),
            user("fail_not_allowed", make_key("K2"), make_key("K3", active=False)),
        ]), {"allowed_users": ["pass_allowed"]}),
    ]


CASES = _catalogue_cases()
#: Checks whose clean outcome is NOT_APPLICABLE, not PASS (checks.md: every disabled key FAILs;
#: an account without one has nothing to evaluate). The catalogue meta-test reads this.
WITHOUT_PASS = {"access_key_disabled_removed"}
