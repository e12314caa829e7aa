"""Checks on RAM user groups: each group has members and has policies attached."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.check import Check, CheckMeta, NoParams, account, of_group
from auditor.findings import Finding, Severity
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot

_GROUP_MEMBERS_URL = (
    "https://www.alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-addusertogroup"
)
_GROUP_POLICIES_URL = (
    "https://www.alibabacloud.com/help/en/ram/developer-reference/"
    "api-ram-2015-05-01-attachpolicytogroup"
)


class GroupHasMembers(Check):
    """Empty groups are leftovers: delete them or put their users back."""

    meta = CheckMeta(
        id="group_has_members",
        title="RAM user groups have members",
        severity=Severity.LOW,
        rationale=(
            "Permissions should reach users through groups. A group without members is a "
            "leftover that clutters reviews, and its policies may be granted by mistake to "
            "whoever is added to it later."
        ),
        remediation=(
            "In the RAM console open Identities > Groups. For each empty group either add the "
            "users who need its permissions (Add Group Members) or delete the group."
        ),
        remediation_cli="aliyun ram AddUserToGroup --UserName <user> --GroupName <group>",
        doc_url=_GROUP_MEMBERS_URL,
        compliance={"alibaba-ram-best-practices": ("S3", "S10")},
        tags=("groups", "hygiene"),
        requires=frozenset({Section.GROUPS}),
    )

    def evaluate(self, snapshot: AccountSnapshot, params: NoParams) -> Iterator[Finding]:
        if not snapshot.groups:
            yield self.not_applicable(account(snapshot), "The account has no RAM user group.")
        for group in snapshot.groups:
            if group.members:
                yield self.passed(
                    of_group(group), f"Group {group.name} has {len(group.members)} member(s)."
                )
            else:
                yield self.failed(of_group(group), f"Group {group.name} has no members.")


class GroupHasPolicies(Check):
    """A group without policies grants nothing: it is not used to manage permissions."""

    meta = CheckMeta(
        id="group_has_policies",
        title="RAM user groups have policies attached",
        severity=Severity.LOW,
        rationale=(
            "Groups exist to grant permissions to users by job function. A group with no "
            "attached policy grants nothing, which usually means permissions are attached to "
            "users directly instead."
        ),
        remediation=(
            "In the RAM console open Identities > Groups, select the group and use Grant "
            "Permission to attach the policies its members need (then detach them from the "
            "users), or delete the group if it is unused."
        ),
        remediation_cli=(
            "aliyun ram AttachPolicyToGroup --PolicyType Custom --PolicyName <policy> "
            "--GroupName <group>"
        ),
        doc_url=_GROUP_POLICIES_URL,
        compliance={"alibaba-ram-best-practices": ("S3",)},
        tags=("groups",),
        requires=frozenset({Section.GROUPS, Section.POLICIES}),
    )

    def evaluate(self, snapshot: AccountSnapshot, params: NoParams) -> Iterator[Finding]:
        if not snapshot.groups:
            yield self.not_applicable(account(snapshot), "The account has no RAM user group.")
        for group in snapshot.groups:
            names = [p.name for p in snapshot.policies_attached_to("group", group.name)]
            if names:
                yield self.passed(
                    of_group(group), f"Group {group.name} has policies {', '.join(names)}."
                )
            else:
                yield self.failed(of_group(group), f"Group {group.name} has no policy attached.")
