"""Tests of the per-user checks."""

from __future__ import annotations

import pytest

from auditor.check import Check
from auditor.findings import Finding, Status
from auditor.snapshot import Group, Policy, PolicyAttachment
from auditor.testing import (
    ACCOUNT_ID,
    assert_by_prefix,
    make_key,
    make_snapshot,
    make_user,
    run_check,
    statuses,
)
from checks.users import (
    UserAdminAccessAllowlisted,
    UserConsoleApiSeparated,
    UserConsoleInactiveDisabled,
    UserConsoleMfaBound,
    UserInGroup,
    UserNoDirectPolicies,
    UserUnused,
)

ADMIN_DOC = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ_DOC = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"}],
}


def group(name: str, *members: str) -> Group:
    return Group(id=f"g-{name}", name=name, members=members)


def policy(
    name: str, *attached: tuple[str, str], kind: str = "Custom", document: dict | None = None
) -> Policy:
    """A policy attached to ``(principal_type, principal_name)`` pairs."""
    return Policy(
        name=name,
        type=kind,
        document=document,
        attachment_count=len(attached),
        attachments=tuple(
            PolicyAttachment(principal_type=t, principal_name=n) for t, n in attached
        ),
    )


def account_na(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    (finding,) = findings
    assert finding.status == Status.NOT_APPLICABLE
    assert (finding.resource.type, finding.resource.id) == ("account", ACCOUNT_ID)
    return finding


@pytest.mark.parametrize(
    "check",
    [
        UserConsoleMfaBound,
        UserConsoleApiSeparated,
        UserConsoleInactiveDisabled,
        UserUnused,
        UserInGroup,
        UserNoDirectPolicies,
        UserAdminAccessAllowlisted,
    ],
)
def test_no_users_is_not_applicable_for_the_account(check: type[Check]) -> None:
    account_na(run_check(check, make_snapshot()))


def test_user_console_mfa_bound() -> None:
    snap = make_snapshot(
        users=[
            make_user("pass_console_mfa", console=True, mfa=True),
            make_user("fail_console_no_mfa", console=True),
            # MFABindRequired / a login profile that is not Active is not console access.
            make_user("api_only", keys=[make_key("LTAI1")]),
            make_user("disabled_profile", console=False, has_login_profile=True),
        ]
    )
    findings = run_check(UserConsoleMfaBound, snap)
    assert_by_prefix(findings)
    assert set(statuses(findings)) == {"pass_console_mfa", "fail_console_no_mfa"}


def test_user_console_mfa_bound_without_console_users() -> None:
    snap = make_snapshot(users=[make_user("api_only", keys=[make_key("LTAI1")])])
    assert "console" in account_na(run_check(UserConsoleMfaBound, snap)).message


def test_user_console_api_separated() -> None:
    snap = make_snapshot(
        users=[
            make_user("pass_console_only", console=True, mfa=True),
            make_user("pass_api_only", keys=[make_key("LTAI1")]),
            make_user(
                "pass_console_inactive_key", console=True, keys=[make_key("LTAI2", active=False)]
            ),
            make_user("fail_console_and_key", console=True, keys=[make_key("LTAI3")]),
            make_user("pass_nothing"),
        ]
    )
    findings = run_check(UserConsoleApiSeparated, snap)
    assert_by_prefix(findings)
    assert len(findings) == 5


@pytest.mark.parametrize(
    ("last_login", "created", "params", "expected"),
    [
        (89, 365, {}, Status.PASS),
        (90, 365, {}, Status.PASS),
        (91, 365, {}, Status.FAIL),
        # Exact durations: 90 days and 5 hours is more than 90 days (checks/_time.py).
        (90 + 5 / 24, 365, {}, Status.FAIL),
        (None, 90 + 5 / 24, {}, Status.FAIL),
        (None, 89, {}, Status.PASS),
        (None, 90, {}, Status.PASS),
        (None, 91, {}, Status.FAIL),
        (None, 365, {}, Status.FAIL),
        (31, 365, {"max_days": 30}, Status.FAIL),
        (30, 365, {"max_days": 30}, Status.PASS),
        (None, 31, {"max_days": 30}, Status.FAIL),
    ],
)
def test_user_console_inactive_disabled(
    last_login: float | None, created: float, params: dict, expected: Status
) -> None:
    user = make_user(
        "u", console=True, mfa=True, created_days_ago=created, last_login_days_ago=last_login
    )
    findings = run_check(UserConsoleInactiveDisabled, make_snapshot(users=[user]), **params)
    assert statuses(findings) == {"u": expected}
    assert str(params.get("max_days", 90)) in findings[0].message


def test_user_console_inactive_disabled_ignores_users_without_console() -> None:
    snap = make_snapshot(
        users=[
            make_user("api_only", keys=[make_key("LTAI1")], created_days_ago=900),
            make_user("fail_idle", console=True, last_login_days_ago=200),
        ]
    )
    findings = run_check(UserConsoleInactiveDisabled, snap)
    assert_by_prefix(findings)
    assert set(statuses(findings)) == {"fail_idle"}


def test_user_unused() -> None:
    snap = make_snapshot(
        users=[
            make_user("pass_console_recent", console=True, last_login_days_ago=90),
            make_user("fail_console_stale", console=True, last_login_days_ago=91),
            make_user("fail_console_never", console=True),
            make_user(
                "pass_key_used", keys=[make_key("K1", created_days_ago=400, last_used_days_ago=3)]
            ),
            make_user(
                "pass_key_created",
                keys=[make_key("K2", created_days_ago=89, last_used_days_ago=None)],
            ),
            make_user(
                "fail_key_stale",
                keys=[make_key("K3", created_days_ago=400, last_used_days_ago=91)],
            ),
            # Recent use of a key disabled since still shows the user was in use.
            make_user(
                "pass_inactive_key_used",
                keys=[make_key("K4", active=False, created_days_ago=400, last_used_days_ago=10)],
            ),
            make_user("fail_no_credentials"),
            # 90 days and 5 hours ago is not within 90 days.
            make_user(
                "fail_activity_90d5h",
                console=True,
                last_login_days_ago=90 + 5 / 24,
                keys=[make_key("K5", created_days_ago=400, last_used_days_ago=90 + 5 / 24)],
            ),
            make_user("fail_created_90d5h_no_credentials", created_days_ago=90 + 5 / 24),
            # A user without credentials counts as unused even with an old recent logon.
            make_user("fail_no_credentials_logged_on", last_login_days_ago=5),
            # Created within max_days: not evaluated.
            make_user("young", created_days_ago=90),
            make_user("young_too", created_days_ago=10),
        ]
    )
    findings = run_check(UserUnused, snap)
    assert_by_prefix(findings)
    assert not {"young", "young_too"} & set(statuses(findings))
    messages = {f.resource.name: f.message for f in findings}
    assert "no credentials" in messages["fail_no_credentials"]
    assert "K1 used 3 day(s) ago" in messages["pass_key_used"]


def test_user_unused_max_days_override() -> None:
    snap = make_snapshot(
        users=[
            make_user("fail_login_31", console=True, created_days_ago=40, last_login_days_ago=31),
            make_user("pass_login_30", console=True, created_days_ago=40, last_login_days_ago=30),
            make_user("young", console=True, created_days_ago=30),
        ]
    )
    findings = run_check(UserUnused, snap, max_days=30)
    assert_by_prefix(findings)
    assert "young" not in statuses(findings)


def test_user_unused_only_young_users_is_not_applicable() -> None:
    snap = make_snapshot(users=[make_user("new", created_days_ago=3)])
    account_na(run_check(UserUnused, snap))


def test_user_in_group() -> None:
    snap = make_snapshot(
        users=[make_user("pass_dev"), make_user("pass_both"), make_user("fail_loner")],
        groups=[group("dev", "pass_dev", "pass_both"), group("ops", "pass_both"), group("empty")],
    )
    findings = run_check(UserInGroup, snap)
    assert_by_prefix(findings)
    assert "dev, ops" in next(f.message for f in findings if f.resource.name == "pass_both")


def test_user_no_direct_policies() -> None:
    snap = make_snapshot(
        users=[
            make_user("fail_system_direct"),
            make_user("fail_custom_direct"),
            make_user("pass_via_group"),
            make_user("pass_nothing"),
        ],
        groups=[group("dev", "pass_via_group")],
        policies=[
            policy("ReadOnlyAccess", ("user", "fail_system_direct"), kind="System"),
            policy("deploy", ("user", "fail_custom_direct"), ("group", "dev"), ("role", "ci")),
        ],
    )
    findings = run_check(UserNoDirectPolicies, snap)
    assert_by_prefix(findings)
    message = next(f.message for f in findings if f.resource.name == "fail_system_direct")
    assert "ReadOnlyAccess (System)" in message


def admin_snapshot() -> object:
    return make_snapshot(
        users=[
            make_user("fail_direct_system_admin"),
            make_user("fail_custom_admin_via_group"),
            make_user("pass_allowed_admin"),
            make_user("reader"),
            make_user("no_policies"),
        ],
        groups=[
            group("admins", "fail_custom_admin_via_group"),
            group("readers", "reader"),
        ],
        policies=[
            policy(
                "AdministratorAccess",
                ("user", "fail_direct_system_admin"),
                ("user", "pass_allowed_admin"),
                ("role", "break-glass"),
                kind="System",
            ),
            policy("everything", ("group", "admins"), document=ADMIN_DOC),
            policy("read-ecs", ("group", "readers"), ("user", "reader"), document=READ_DOC),
        ],
    )


def test_user_admin_access_allowlisted() -> None:
    findings = run_check(
        UserAdminAccessAllowlisted, admin_snapshot(), allowed_users=["pass_allowed_admin"]
    )
    assert_by_prefix(findings)
    # Users without admin access are not evaluated.
    assert set(statuses(findings)) == {
        "fail_direct_system_admin",
        "fail_custom_admin_via_group",
        "pass_allowed_admin",
    }
    message = next(f.message for f in findings if f.resource.name == "fail_custom_admin_via_group")
    assert "everything (Custom) via group admins" in message


def test_user_admin_access_default_allow_list_is_empty() -> None:
    findings = run_check(UserAdminAccessAllowlisted, admin_snapshot())
    assert set(statuses(findings).values()) == {Status.FAIL}
    assert len(findings) == 3


def test_user_admin_access_no_admin_is_not_applicable() -> None:
    snap = make_snapshot(
        users=[make_user("reader")],
        policies=[policy("read-ecs", ("user", "reader"), document=READ_DOC)],
    )
    assert "admin" in account_na(run_check(UserAdminAccessAllowlisted, snap)).message


def _catalogue_cases() -> list:
    """Cases for tests/checks/test_catalogue_cases.py: resources named for their status."""
    from auditor.testing import Case

    return [
        Case(UserConsoleMfaBound, make_snapshot(users=[
            make_user("pass_console_mfa", console=True, mfa=True),
            make_user("fail_console_no_mfa", console=True),
            make_user("api_only", keys=[make_key("LTAI1")]),
            make_user("disabled_profile", console=False, has_login_profile=True),
        ])),
        Case(UserConsoleMfaBound, make_snapshot(
            alias="na_no_console_user", users=[make_user("api_only", keys=[make_key("LTAI1")])]
        )),
        Case(UserConsoleApiSeparated, make_snapshot(users=[
            make_user("pass_console_only", console=True, mfa=True),
            make_user("pass_api_only", keys=[make_key("LTAI1")]),
            make_user(
                "pass_console_inactive_key", console=True, keys=[make_key("LTAI2", active=False)]
            ),
            make_user("fail_console_and_key", console=True, keys=[make_key("LTAI3")]),
        ])),
        Case(UserConsoleInactiveDisabled, make_snapshot(users=[
            make_user("pass_login_89d", console=True, last_login_days_ago=89),
            make_user("fail_login_91d", console=True, last_login_days_ago=91),
            make_user("fail_never_created_91d", console=True, created_days_ago=91),
            make_user("pass_never_created_89d", console=True, created_days_ago=89),
            make_user("api_only", keys=[make_key("LTAI1")], created_days_ago=900),
        ])),
        Case(UserConsoleInactiveDisabled, make_snapshot(users=[
            make_user("pass_login_30d", console=True, last_login_days_ago=30),
            make_user("fail_login_31d", console=True, last_login_days_ago=31),
        ]), {"max_days": 30}),
        Case(UserUnused, make_snapshot(users=[
            make_user("pass_console_recent", console=True, last_login_days_ago=90),
            make_user("fail_console_stale", console=True, last_login_days_ago=91),
            make_user(
                "pass_key_used", keys=[make_key("K1", created_days_ago=400, last_used_days_ago=3)]
            ),
            make_user(
                "fail_key_stale", keys=[make_key("K3", created_days_ago=400, last_used_days_ago=91)]
            ),
            make_user("fail_no_credentials"),
            make_user("young", created_days_ago=10),
        ])),
        Case(UserUnused, make_snapshot(alias="na_only_young_users",
                                       users=[make_user("new", created_days_ago=3)])),
        Case(UserInGroup, make_snapshot(
            users=[make_user("pass_dev"), make_user("pass_both"), make_user("fail_loner")],
            groups=[group("dev", "pass_dev", "pass_both"), group("ops", "pass_both")],
        )),
        Case(UserNoDirectPolicies, make_snapshot(
            users=[
                make_user("fail_system_direct"),
                make_user("fail_custom_direct"),
                make_user("pass_via_group"),
                make_user("pass_nothing"),
            ],
            groups=[group("dev", "pass_via_group")],
            policies=[
                policy("ReadOnlyAccess", ("user", "fail_system_direct"), kind="System"),
                policy("deploy", ("user", "fail_custom_direct"), ("group", "dev")),
            ],
        )),
        Case(UserAdminAccessAllowlisted, admin_snapshot(),
             {"allowed_users": ["pass_allowed_admin"]}),
        Case(UserAdminAccessAllowlisted, make_snapshot(
            alias="na_no_admin",
            users=[make_user("reader")],
            policies=[policy("read-ecs", ("user", "reader"), document=READ_DOC)],
        )),
    ]


CASES = _catalogue_cases()
