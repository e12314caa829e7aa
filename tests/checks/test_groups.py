"""Group checks: members and attached policies."""

from __future__ import annotations

from auditor.findings import Status
from auditor.snapshot import Group, Policy, PolicyAttachment
from auditor.testing import assert_by_prefix, make_snapshot, run_check
from checks.groups import GroupHasMembers, GroupHasPolicies


def group(name: str, *members: str) -> Group:
    return Group(id=f"g-{name}", name=name, members=members)


def test_group_has_members() -> None:
    snap = make_snapshot(groups=[group("pass_ops", "alice", "bob"), group("fail_empty")])
    findings = run_check(GroupHasMembers, snap)
    assert_by_prefix(findings)
    assert "no members" in next(f.message for f in findings if f.status is Status.FAIL)


def test_group_has_policies_from_group_attachments_only() -> None:
    policies = [
        Policy(
            name="ReadOnlyAccess",
            type="System",
            attachment_count=2,
            attachments=(
                PolicyAttachment(principal_type="group", principal_name="pass_readers"),
                # a user of the same name as a group does not count for the group
                PolicyAttachment(principal_type="user", principal_name="fail_named_like_user"),
            ),
        )
    ]
    snap = make_snapshot(
        groups=[group("pass_readers", "a"), group("fail_named_like_user", "b")],
        policies=policies,
    )
    findings = run_check(GroupHasPolicies, snap)
    assert_by_prefix(findings)
    assert "ReadOnlyAccess" in next(f.message for f in findings if f.status is Status.PASS)


def test_no_groups_is_not_applicable() -> None:
    for check in (GroupHasMembers, GroupHasPolicies):
        (finding,) = run_check(check, make_snapshot())
        assert finding.status is Status.NOT_APPLICABLE
        assert finding.resource.type == "account"


def _catalogue_cases() -> list:
    """Cases for tests/checks/test_catalogue_cases.py: resources named for their status."""
    from auditor.testing import Case

    read_only = Policy(
        name="ReadOnlyAccess",
        type="System",
        attachment_count=2,
        attachments=(
            PolicyAttachment(principal_type="group", principal_name="pass_readers"),
            # a user of the same name as a group does not count for the group
            PolicyAttachment(principal_type="user", principal_name="fail_named_like_user"),
        ),
    )
    return [
        Case(GroupHasMembers, make_snapshot(groups=[group("pass_ops", "alice", "bob"),
                                                    group("fail_empty")])),
        Case(GroupHasMembers, make_snapshot(alias="na_no_group")),
        Case(GroupHasPolicies, make_snapshot(
            groups=[group("pass_readers", "a"), group("fail_named_like_user", "b")],
            policies=[read_only],
        )),
        Case(GroupHasPolicies, make_snapshot(alias="na_no_group")),
    ]


CASES = _catalogue_cases()
