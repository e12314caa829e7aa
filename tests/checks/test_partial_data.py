"""Checks on snapshots with per-resource gaps, unreadable policies and frozen users.

Issue 13: only the resources whose data is missing are UNKNOWN; a verdict decided by the
data at hand stands; an unreadable policy never hides admin access; frozen users are
evaluated like any other and their results say so.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from auditor.engine import Evaluation, evaluate
from auditor.findings import Finding, Status
from auditor.registry import CheckRegistry
from auditor.sections import Section
from auditor.snapshot import (
    CollectionIssue,
    Group,
    IdentityProvider,
    Policy,
    PolicyAttachment,
    ResourceRef,
    Role,
    SsoSettings,
)
from auditor.testing import make_key, make_snapshot, make_user, missing, run_check, statuses
from checks.access_keys import (
    AccessKeyDisabledRemoved,
    AccessKeyPreferSts,
    AccessKeyRotated,
    AccessKeySingleActive,
    AccessKeyUsedRecently,
)
from checks.groups import GroupHasMembers, GroupHasPolicies
from checks.policies import PolicyCustomUnused, PolicyNoFullAdmin
from checks.roles import RoleAdminAccessAllowlisted, RoleMaxSessionShort, RoleTrustRestricted
from checks.sso import SsoEnabled
from checks.users import (
    UserAdminAccessAllowlisted,
    UserConsoleApiSeparated,
    UserConsoleInactiveDisabled,
    UserConsoleMfaBound,
    UserInGroup,
    UserNoDirectPolicies,
    UserUnused,
)

ADMIN = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"}],
}


def gap(kind: str, name: str, *facts: str, action: str = "ims:ListAccessKeys") -> CollectionIssue:
    """A failed per-resource read: ``facts`` of one resource are unknown."""
    section = {
        "user": Section.USERS,
        "group": Section.GROUPS,
        "policy": Section.POLICIES,
        "role": Section.ROLES,
    }[kind]
    policy_type = "Custom" if kind == "policy" else ""
    return CollectionIssue(
        section=section,
        action=action,
        code="NoPermission",
        message="You are not authorized to do this action.",
        permission=f"ram:{action.partition(':')[2]}",
        resource=ResourceRef(type=kind, name=name, policy_type=policy_type),  # type: ignore[arg-type]
        facts=facts,
    )


def attached(
    name: str,
    *to: tuple[str, str],
    document: dict | None = None,
    kind: str = "Custom",
    text: str = "",
) -> Policy:
    return Policy(
        name=name,
        type=kind,  # type: ignore[arg-type]
        document=document,
        document_text=text,
        attachment_count=len(to),
        attachments=tuple(PolicyAttachment(principal_type=t, principal_name=n) for t, n in to),  # type: ignore[arg-type]
    )


def test_a_user_missing_its_keys_is_unknown_alone() -> None:
    snap = make_snapshot(
        users=[
            make_user("unknown_bob"),
            make_user("fail_old_key", keys=[make_key("K1", created_days_ago=200)]),
        ],
        issues=[gap("user", "unknown_bob", "access_keys")],
    )
    found = statuses(run_check(AccessKeyRotated, snap))
    assert found == {"unknown_bob": Status.UNKNOWN, "fail_old_key": Status.FAIL}
    (unknown,) = [f for f in run_check(AccessKeyRotated, snap) if f.status is Status.UNKNOWN]
    assert "ims:ListAccessKeys failed" in unknown.message
    assert "grant ram:ListAccessKeys" in unknown.message


def test_data_at_hand_decides_despite_a_gap() -> None:
    snap = make_snapshot(
        users=[
            make_user("pass_no_console", console=False),
            make_user("unknown_console", console=True),
            make_user("pass_recent_logon", console=True, last_login_days_ago=3),
        ],
        issues=[
            gap("user", "pass_no_console", "access_keys"),
            gap("user", "unknown_console", "access_keys"),
            gap("user", "pass_recent_logon", "access_keys"),
        ],
    )
    assert statuses(run_check(UserConsoleApiSeparated, snap)) == {
        "pass_no_console": Status.PASS,
        "unknown_console": Status.UNKNOWN,
        "pass_recent_logon": Status.UNKNOWN,
    }
    assert statuses(run_check(UserUnused, snap)) == {
        "pass_no_console": Status.UNKNOWN,  # no logon, keys unknown: maybe used by a key
        "unknown_console": Status.UNKNOWN,
        "pass_recent_logon": Status.PASS,  # a logon 3 days ago proves use
    }


def test_mfa_gap_matters_only_for_console_users() -> None:
    snap = make_snapshot(
        users=[make_user("api_only"), make_user("unknown_console", console=True)],
        issues=[gap("user", "api_only", "mfa"), gap("user", "unknown_console", "mfa")],
    )
    assert statuses(run_check(UserConsoleMfaBound, snap)) == {"unknown_console": Status.UNKNOWN}


def test_unlisted_group_members_leave_only_users_without_a_known_group_unknown() -> None:
    snap = make_snapshot(
        users=[make_user("pass_dev"), make_user("unknown_lonely")],
        groups=[
            Group(id="g1", name="dev", members=("pass_dev",)),
            Group(id="g2", name="ops"),
        ],
        issues=[gap("group", "ops", "members", action="ram:ListUsersForGroup")],
    )
    assert statuses(run_check(UserInGroup, snap)) == {
        "pass_dev": Status.PASS,
        "unknown_lonely": Status.UNKNOWN,
    }
    assert statuses(run_check(GroupHasMembers, snap)) == {"dev": Status.PASS, "ops": Status.UNKNOWN}


def test_unlisted_attachments_decide_only_where_an_attachment_is_known() -> None:
    snap = make_snapshot(
        users=[make_user("fail_direct"), make_user("unknown_maybe")],
        groups=[Group(id="g1", name="pass_team"), Group(id="g2", name="unknown_group")],
        policies=[
            attached("Known", ("user", "fail_direct"), ("group", "pass_team"), document=READ),
            Policy(name="Unlisted", type="Custom", document=READ, attachment_count=3),
            Policy(name="UnlistedNone", type="Custom", document=READ, attachment_count=0),
        ],
        issues=[
            gap("policy", "Unlisted", "attachments", action="ram:ListEntitiesForPolicy"),
            gap("policy", "UnlistedNone", "attachments", action="ram:ListEntitiesForPolicy"),
        ],
    )
    assert statuses(run_check(UserNoDirectPolicies, snap)) == {
        "fail_direct": Status.FAIL,
        "unknown_maybe": Status.UNKNOWN,
    }
    assert statuses(run_check(GroupHasPolicies, snap)) == {
        "pass_team": Status.PASS,
        "unknown_group": Status.UNKNOWN,
    }
    # The policy list's AttachmentCount still decides "unused" when it is not 0.
    assert statuses(run_check(PolicyCustomUnused, snap)) == {
        "Known": Status.PASS,
        "Unlisted": Status.PASS,
        "UnlistedNone": Status.UNKNOWN,
    }


def test_an_unreadable_policy_makes_its_holders_admin_verdict_unknown() -> None:
    """Item 5: a principal holding a policy whose document cannot be parsed is UNKNOWN for the
    admin checks, not NOT_APPLICABLE; a known admin grant still decides."""
    snap = make_snapshot(
        users=[make_user("unknown_holder"), make_user("fail_admin"), make_user("reader")],
        roles=[Role(id="r1", name="unknown_role", arn="acs:ram::1:role/unknown_role")],
        policies=[
            attached(
                "Broken",
                ("user", "unknown_holder"),
                ("user", "fail_admin"),
                ("role", "unknown_role"),
                text="{not json",
            ),
            attached("AdministratorAccess", ("user", "fail_admin"), kind="System"),
            attached("Reader", ("user", "reader"), document=READ),
        ],
    )
    assert statuses(run_check(UserAdminAccessAllowlisted, snap)) == {
        "unknown_holder": Status.UNKNOWN,
        "fail_admin": Status.FAIL,
    }
    (unknown,) = [
        f for f in run_check(UserAdminAccessAllowlisted, snap) if f.status is Status.UNKNOWN
    ]
    assert "Broken" in unknown.message and "cannot be analysed" in unknown.message
    assert statuses(run_check(RoleAdminAccessAllowlisted, snap)) == {"unknown_role": Status.UNKNOWN}


def test_a_policy_document_not_read_is_unknown_for_that_policy_and_its_holders() -> None:
    snap = make_snapshot(
        users=[make_user("unknown_holder")],
        policies=[
            attached("NotRead", ("user", "unknown_holder")),
            attached("pass_fine", document=READ),
        ],
        issues=[gap("policy", "NotRead", "document", action="ram:GetPolicy")],
    )
    assert statuses(run_check(PolicyNoFullAdmin, snap)) == {
        "NotRead": Status.UNKNOWN,
        "pass_fine": Status.PASS,
    }
    assert statuses(run_check(UserAdminAccessAllowlisted, snap)) == {
        "unknown_holder": Status.UNKNOWN
    }


def test_an_admin_group_with_unlisted_members_leaves_every_user_open() -> None:
    snap = make_snapshot(
        users=[make_user("unknown_anyone")],
        groups=[Group(id="g", name="admins")],
        policies=[attached("AdministratorAccess", ("group", "admins"), kind="System")],
        issues=[gap("group", "admins", "members", action="ram:ListUsersForGroup")],
    )
    assert statuses(run_check(UserAdminAccessAllowlisted, snap)) == {
        "unknown_anyone": Status.UNKNOWN
    }
    # An allow-listed user is fine either way: no UNKNOWN for it.
    assert (
        run_check(UserAdminAccessAllowlisted, snap, allowed_users=("unknown_anyone",))[0].status
        is Status.NOT_APPLICABLE
    )


def test_a_role_whose_details_failed_is_unknown_alone() -> None:
    trusted = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Service": ["ecs.aliyuncs.com"]},
                }
            ]
        }
    )

    snap = make_snapshot(
        roles=[
            Role(id="r1", name="unknown_role", arn="a"),
            Role(
                id="r2",
                name="pass_role",
                arn="b",
                trust_policy_text=trusted,
                trust_policy=json.loads(trusted),
            ),
        ],
        issues=[gap("role", "unknown_role", "details", action="ram:GetRole")],
    )
    for check in (RoleTrustRestricted, RoleMaxSessionShort):
        assert statuses(run_check(check, snap)) == {
            "unknown_role": Status.UNKNOWN,
            "pass_role": Status.PASS,
        }


def _engine(check_ids: Sequence[str], snap: object) -> dict[str, Status]:
    registry = CheckRegistry.discover()
    report = evaluate(snap, Evaluation(checks=[registry.get(i) for i in check_ids]))  # type: ignore[arg-type]
    return {r.check_id: r.status for r in report.results}


def test_enabled_user_sso_decides_sso_enabled_without_the_roles() -> None:
    enabled = make_snapshot(
        sso=SsoSettings(user_sso_enabled=True),
        issues=[missing(Section.ROLES, "ram:ListRoles")],
    )
    assert _engine(["sso_enabled"], enabled) == {"sso_enabled": Status.PASS}
    disabled = make_snapshot(
        sso=SsoSettings(user_sso_enabled=False),
        issues=[missing(Section.ROLES, "ram:ListRoles")],
    )
    assert _engine(["sso_enabled"], disabled) == {"sso_enabled": Status.UNKNOWN}


def test_sso_enabled_is_unknown_when_a_role_that_may_federate_was_not_read() -> None:
    snap = make_snapshot(
        sso=SsoSettings(
            user_sso_enabled=False,
            providers=(
                IdentityProvider(kind="saml", name="okta", arn="acs:ram::1:saml-provider/okta"),
            ),
        ),
        roles=[Role(id="r1", name="maybe_sso", arn="a")],
        issues=[gap("role", "maybe_sso", "details", action="ram:GetRole")],
    )
    (finding,) = run_check(SsoEnabled, snap)
    assert finding.status is Status.UNKNOWN and "ram:GetRole" in finding.message


def test_frozen_users_are_evaluated_and_say_so() -> None:
    snap = make_snapshot(
        users=[
            make_user("fail_frozen", console=True, status="freeze"),
            make_user("fail_active", console=True),
        ]
    )
    findings = {f.resource.name: f for f in run_check(UserConsoleMfaBound, snap)}
    assert {n: f.status for n, f in findings.items()} == {
        "fail_frozen": Status.FAIL,
        "fail_active": Status.FAIL,
    }
    assert "frozen" in findings["fail_frozen"].message
    assert "frozen" not in findings["fail_active"].message


def test_a_frozen_users_finding_is_what_validation_builds() -> None:
    snap = make_snapshot(users=[make_user("ice", console=True, status="freeze")])
    (finding,) = run_check(UserConsoleMfaBound, snap)
    expected = Finding(check_id="user_console_mfa_bound", status=Status.FAIL,
                       resource=finding.resource,
                       message="Console access but no MFA device bound. (frozen user)")
    assert type(finding) is Finding and finding == expected
    assert finding.model_fields_set == expected.model_fields_set
    assert list(finding.__dict__) == list(Finding.model_fields)
    assert finding.model_dump_json() == expected.model_dump_json()


def test_one_identity_decides_ram_identities_in_use_without_the_other_list() -> None:
    role = Role(id="r1", name="ops", arn="acs:ram::1:role/ops")
    users_denied = make_snapshot(roles=[role], issues=[missing(Section.USERS, "ims:ListUsers")])
    assert _engine(["ram_identities_in_use"], users_denied) == {
        "ram_identities_in_use": Status.PASS
    }
    roles_denied = make_snapshot(
        users=[make_user("alice")], issues=[missing(Section.ROLES, "ram:ListRoles")]
    )
    assert _engine(["ram_identities_in_use"], roles_denied) == {
        "ram_identities_in_use": Status.PASS
    }
    nothing_known = make_snapshot(issues=[missing(Section.ROLES, "ram:ListRoles")])
    assert _engine(["ram_identities_in_use"], nothing_known) == {
        "ram_identities_in_use": Status.UNKNOWN
    }
    # A role whose GetRole failed may be service-linked: it proves nothing.
    unread = make_snapshot(
        roles=[role], issues=[gap("role", "ops", "details", action="ram:GetRole")]
    )
    assert _engine(["ram_identities_in_use"], unread) == {"ram_identities_in_use": Status.UNKNOWN}


ADMIN_DOC = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ_DOC = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*",
                                           "Resource": "*"}]}


class _EveryUserAdminCheck(UserAdminAccessAllowlisted):
    """The allow-list check asking about every user (no pre-selection in ``items``)."""

    __abstract__ = True

    def items(self, snapshot, params):  # type: ignore[no-untyped-def]
        return snapshot.users


def test_admin_check_asks_every_user_that_may_hold_admin_access() -> None:
    """``items`` skips only users that hold nothing: the results equal asking everyone,
    with admin policies attached directly, via groups, unreadable, unlisted or frozen."""
    users = [make_user("direct"), make_user("via_group"), make_user("frozen", status="freeze"),
             make_user("reader"), make_user("nobody"), make_user("doubted")]
    groups = [Group(id="g1", name="admins", members=("via_group", "frozen")),
              Group(id="g2", name="readers", members=("reader",)),
              Group(id="g3", name="odd", members=("doubted",))]
    policies = [
        attached("AdministratorAccess", ("user", "direct"), kind="System"),
        attached("all", ("group", "admins"), document=ADMIN_DOC),
        attached("read", ("group", "readers"), ("user", "reader"), document=READ_DOC),
        attached("broken", ("group", "odd"), document=None),
    ]
    snapshots = [
        make_snapshot(users=users, groups=groups, policies=policies),
        make_snapshot(users=users, groups=groups, policies=policies,
                      issues=[gap("group", "admins", "members", action="ram:ListUsersForGroup")]),
        make_snapshot(users=users, groups=groups, policies=policies,
                      issues=[gap("policy", "all", "attachments",
                                  action="ram:ListEntitiesForPolicy")]),
        make_snapshot(users=users, groups=groups, policies=policies,
                      issues=[gap("policy", "read", "document", action="ram:GetPolicyVersion")]),
    ]
    for snap in snapshots:
        expected = run_check(_EveryUserAdminCheck, snap, allowed_users=["via_group"])
        assert run_check(UserAdminAccessAllowlisted, snap, allowed_users=["via_group"]) == expected
        assert {f.resource.name for f in expected} >= {"direct", "via_group", "frozen"}


@pytest.mark.parametrize("check", [UserConsoleMfaBound, UserConsoleInactiveDisabled,
                                   AccessKeyRotated, AccessKeyUsedRecently, AccessKeySingleActive,
                                   AccessKeyDisabledRemoved, AccessKeyPreferSts])
def test_checks_that_skip_users_judge_what_asking_every_user_judges(check: type) -> None:
    """Console and AccessKey checks ask only the users with console access or keys when no
    fact is missing, and every user otherwise: the results equal asking everyone."""
    every = type(f"Every{check.__name__}", (check,),
                 {"__abstract__": True, "items": lambda self, snapshot, params: snapshot.users})
    users = [
        make_user("console", console=True, last_login_days_ago=200),
        make_user("console_mfa", console=True, mfa=True, created_days_ago=5),
        make_user("keys", keys=[make_key("K1", created_days_ago=300, last_used_days_ago=None),
                                make_key("K2", active=False)]),
        make_user("both", console=True, keys=[make_key("K3")], status="freeze"),
        make_user("nothing"),
    ]
    snapshots = [
        make_snapshot(users=users),
        make_snapshot(users=users, issues=[gap("user", "nothing", "login_profile", "access_keys",
                                               action="ims:GetLoginProfile")]),
        make_snapshot(users=[make_user("nothing")]),
    ]
    for snap in snapshots:
        assert run_check(check, snap) == run_check(every, snap)
