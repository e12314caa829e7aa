"""Tests of the security-preference checks."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.check import Check
from auditor.findings import Status
from auditor.snapshot import SecurityPreference
from auditor.testing import ACCOUNT_ID, make_snapshot, run_check
from checks.security_preference import (
    SecurityPreferenceIdleAutoDisable,
    SecurityPreferenceLoginIpRestricted,
    SecurityPreferenceMfaEnforced,
    SecurityPreferenceMfaTicketNotSaved,
    SecurityPreferenceSessionDuration,
    SecurityPreferenceUsersCannotManageKeys,
)

ALL_CHECKS = [
    SecurityPreferenceMfaEnforced,
    SecurityPreferenceMfaTicketNotSaved,
    SecurityPreferenceLoginIpRestricted,
    SecurityPreferenceSessionDuration,
    SecurityPreferenceIdleAutoDisable,
    SecurityPreferenceUsersCannotManageKeys,
]

#: Settings every check passes with default parameters.
HARDENED = SecurityPreference(
    mfa_operation_for_login="mandatory",
    enable_save_mfa_ticket=False,
    login_network_masks="10.0.0.0/8;192.168.0.0/16",
    login_session_duration_hours=6,
    max_idle_days_for_users=90,
    max_idle_days_for_access_keys=90,
    allow_user_to_manage_access_keys=False,
)


def verdict(check: type[Check], preference: SecurityPreference, **params: Any) -> Status:
    findings = run_check(check, make_snapshot(security_preference=preference), **params)
    assert len(findings) == 1, findings
    (finding,) = findings
    assert (finding.resource.type, finding.resource.id) == ("account", ACCOUNT_ID)
    return finding.status


def with_(**changes: Any) -> SecurityPreference:
    return HARDENED.model_copy(update=changes)


@pytest.mark.parametrize("check", ALL_CHECKS)
def test_hardened_settings_pass(check: type[Check]) -> None:
    assert verdict(check, HARDENED) == Status.PASS


@pytest.mark.parametrize("check", ALL_CHECKS)
def test_missing_preference_is_unknown(check: type[Check]) -> None:
    assert [f.status for f in run_check(check, make_snapshot())] == [Status.UNKNOWN]


@pytest.mark.parametrize(
    ("operation", "enforce", "allow_adaptive", "expected"),
    [
        ("mandatory", None, False, Status.PASS),
        ("adaptive", None, False, Status.FAIL),
        ("adaptive", None, True, Status.PASS),
        ("independent", None, False, Status.FAIL),
        ("independent", None, True, Status.FAIL),
        # The older RAM field.
        (None, True, False, Status.PASS),
        (None, False, False, Status.FAIL),
        (None, None, False, Status.UNKNOWN),
        # MFAOperationForLogin replaces EnforceMFAForLogin and wins when both are present.
        ("independent", True, False, Status.FAIL),
        ("adaptive", True, False, Status.FAIL),
        ("mandatory", False, False, Status.PASS),
    ],
)
def test_mfa_enforced(
    operation: str | None, enforce: bool | None, allow_adaptive: bool, expected: Status
) -> None:
    preference = with_(mfa_operation_for_login=operation, enforce_mfa_for_login=enforce)
    status = verdict(SecurityPreferenceMfaEnforced, preference, allow_adaptive=allow_adaptive)
    assert status == expected


@pytest.mark.parametrize(
    ("save_ticket", "expected"),
    [(False, Status.PASS), (True, Status.FAIL), (None, Status.UNKNOWN)],
)
def test_mfa_ticket_not_saved(save_ticket: bool | None, expected: Status) -> None:
    preference = with_(enable_save_mfa_ticket=save_ticket)
    assert verdict(SecurityPreferenceMfaTicketNotSaved, preference) == expected


@pytest.mark.parametrize(
    ("masks", "expected"),
    [
        ("", Status.FAIL),
        (" ; ", Status.FAIL),
        ("203.0.113.0/24", Status.PASS),
        ("10.0.0.0/8;192.168.0.0/16", Status.PASS),
    ],
)
def test_login_ip_restricted(masks: str, expected: Status) -> None:
    preference = with_(login_network_masks=masks)
    assert verdict(SecurityPreferenceLoginIpRestricted, preference) == expected


@pytest.mark.parametrize(
    ("hours", "params", "expected"),
    [
        (1, {}, Status.PASS),
        (6, {}, Status.PASS),
        (7, {}, Status.FAIL),
        (24, {}, Status.FAIL),
        (None, {}, Status.UNKNOWN),
        (12, {"max_hours": 12}, Status.PASS),
        (13, {"max_hours": 12}, Status.FAIL),
    ],
)
def test_session_duration(hours: int | None, params: dict, expected: Status) -> None:
    preference = with_(login_session_duration_hours=hours)
    assert verdict(SecurityPreferenceSessionDuration, preference, **params) == expected


@pytest.mark.parametrize(
    ("users", "keys", "params", "expected"),
    [
        (90, 90, {}, Status.PASS),
        (90, 180, {}, Status.FAIL),
        (180, 90, {}, Status.FAIL),
        (730, 730, {}, Status.FAIL),
        (0, 90, {}, Status.FAIL),
        # An absent setting is UNKNOWN unless the other one already fails.
        (90, None, {}, Status.UNKNOWN),
        (None, 90, {}, Status.UNKNOWN),
        (None, None, {}, Status.UNKNOWN),
        (0, None, {}, Status.FAIL),
        (None, 180, {}, Status.FAIL),
        (180, 180, {"max_idle_days": 180}, Status.PASS),
        (365, 180, {"max_idle_days": 180}, Status.FAIL),
    ],
)
def test_idle_auto_disable(
    users: int | None, keys: int | None, params: dict, expected: Status
) -> None:
    preference = with_(max_idle_days_for_users=users, max_idle_days_for_access_keys=keys)
    assert verdict(SecurityPreferenceIdleAutoDisable, preference, **params) == expected


@pytest.mark.parametrize(
    ("allowed", "expected"),
    [(False, Status.PASS), (True, Status.FAIL), (None, Status.UNKNOWN)],
)
def test_users_cannot_manage_keys(allowed: bool | None, expected: Status) -> None:
    preference = with_(allow_user_to_manage_access_keys=allowed)
    assert verdict(SecurityPreferenceUsersCannotManageKeys, preference) == expected


def _catalogue_cases() -> list:
    """Cases for tests/checks/test_catalogue_cases.py: the account alias names the status."""
    from auditor.testing import Case

    weak = with_(
        mfa_operation_for_login="independent",
        enable_save_mfa_ticket=True,
        login_network_masks="",
        login_session_duration_hours=24,
        max_idle_days_for_users=730,
        max_idle_days_for_access_keys=730,
        allow_user_to_manage_access_keys=True,
    )

    def account(alias: str, preference: SecurityPreference | None) -> object:
        return make_snapshot(alias=alias, security_preference=preference)

    cases = []
    for check in ALL_CHECKS:
        cases.append(Case(check, account("pass_hardened", HARDENED)))
        cases.append(Case(check, account("fail_weak", weak)))
        cases.append(Case(check, account("unknown_preference_not_collected", None)))
    return [
        *cases,
        Case(SecurityPreferenceMfaEnforced, account(
            "pass_adaptive_allowed", with_(mfa_operation_for_login="adaptive")
        ), {"allow_adaptive": True}),
        Case(SecurityPreferenceMfaEnforced, account(
            "fail_adaptive", with_(mfa_operation_for_login="adaptive")
        )),
        Case(SecurityPreferenceIdleAutoDisable, account(
            "unknown_key_idle_days_absent", with_(max_idle_days_for_access_keys=None)
        )),
    ]


CASES = _catalogue_cases()
