"""Checks on RAM user groups: each group has members and has policies attached."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from auditor.check import CheckMeta, NoParams, PerResourceCheck, of_group
from auditor.findings import Finding, Severity
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot, CollectionIssue, Group


class _GroupCheck(PerResourceCheck[Group]):
    """One verdict per RAM user group."""

    __abstract__ = True
    none_message = "The account has no RAM user group."

    def items(self, snapshot: AccountSnapshot, params: NoParams) -> Iterable[Group]:
        return snapshot.groups


_GROUP_MEMBERS_URL = (
    "https://www.alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-addusertogroup"
)
_GROUP_POLICIES_URL = (
    "https://www.alibabacloud.com/help/en/ram/developer-reference/"
    "api-ram-2015-05-01-attachpolicytogroup"
)


class GroupHasMembers(_GroupCheck):
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
        tags=("groups", "hygiene"),
        requires=frozenset({Section.GROUPS}),
    )

    reads = frozenset({"members"})

    def judge(self, snapshot: AccountSnapshot, group: Group, params: NoParams) -> Iterator[Finding]:
        if group.members:
            yield self.passed(
                of_group(group), f"Group {group.name} has {len(group.members)} member(s)."
            )
        else:
            yield self.failed(of_group(group), f"Group {group.name} has no members.")


class GroupHasPolicies(_GroupCheck):
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
        tags=("groups",),
        requires=frozenset({Section.GROUPS, Section.POLICIES}),
    )

    def judge(self, snapshot: AccountSnapshot, group: Group, params: NoParams) -> Iterator[Finding]:
        names = [p.name for p in snapshot.policies_attached_to("group", group.name)]
        if names:
            yield self.passed(
                of_group(group), f"Group {group.name} has policies {', '.join(names)}."
            )
        else:
            yield self.failed(of_group(group), f"Group {group.name} has no policy attached.")

    depends_on = ("policy", "attachments")  # a policy not listed may be attached to it

    def decided_without(
        self, snapshot: AccountSnapshot, group: Group, missing: Mapping[str, CollectionIssue]
    ) -> bool:
        return any(snapshot.policies_attached_to("group", group.name))  # one decides
