"""Who holds an admin-equivalent policy, and when the collected data cannot tell.

A policy whose document could not be read or parsed, a policy whose attachments could not
be listed, or a group whose members could not be listed may hide administrator access:
such a principal is UNKNOWN, never "not an administrator".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from auditor.per_snapshot import per_snapshot
from auditor.policy.documents import is_admin_equivalent
from auditor.policy.model import policy_model
from auditor.snapshot import AccountSnapshot, Policy


def policy_label(policy: Policy) -> str:
    return f"{policy.name} ({policy.type})"


def admin_verdict(snapshot: AccountSnapshot, policy: Policy) -> bool | str:
    """True or False when the policy's document decides (AdministratorAccess by name);
    else why it cannot be read."""
    parsed = policy_model(snapshot).policies[(policy.type, policy.name)]
    if is_admin_equivalent(parsed):
        return True
    issue = snapshot.gaps(policy).get("document")
    if issue is not None:
        return f"its document could not be read ({issue.describe()})"
    if parsed.document.error is not None:
        return f"its document cannot be analysed ({parsed.document.error})"
    return False


@dataclass(frozen=True)
class AdminHolding:
    """A principal's admin-equivalent grants, and what leaves its admin access open."""

    grants: tuple[str, ...]
    doubts: tuple[str, ...]


class AdminIndex:
    """Admin verdicts of every policy of one snapshot, computed once."""

    def __init__(self, snapshot: AccountSnapshot) -> None:
        self.snapshot = snapshot

    @staticmethod
    def of(snapshot: AccountSnapshot) -> AdminIndex:
        """The index of ``snapshot``, built once per snapshot object (every admin check of a
        run shares it)."""
        return _admin_index(snapshot)

    @cached_property
    def verdicts(self) -> dict[tuple[str, str], bool | str]:
        return {(p.type, p.name): admin_verdict(self.snapshot, p) for p in self.snapshot.policies}

    def verdict(self, policy: Policy) -> bool | str:
        return self.verdicts[(policy.type, policy.name)]

    def _risky(self, policy: Policy) -> bool:
        return self.verdict(policy) is not False

    @cached_property
    def unlisted_attachments(self) -> tuple[str, ...]:
        """Admin-capable policies whose attachments are unknown: they may be held by anyone."""
        return tuple(
            f"the attachments of {policy_label(p)}, which "
            f"{'is admin-equivalent' if self.verdict(p) is True else 'cannot be analysed'}, "
            f"could not be listed ({self.snapshot.gaps(p)['attachments'].describe()})"
            for p in self.snapshot.policies
            if "attachments" in self.snapshot.gaps(p) and self._risky(p)
        )

    @cached_property
    def unlisted_groups(self) -> tuple[str, ...]:
        """Groups with unknown members holding an admin-capable policy."""
        doubts = []
        for group in self.snapshot.groups:
            issue = self.snapshot.gaps(group).get("members")
            held = [p for p in self.snapshot.policies_attached_to("group", group.name)]
            if issue is not None and any(self._risky(p) for p in held):
                doubts.append(
                    f"the members of group {group.name}, which holds admin-capable policies, "
                    f"could not be listed ({issue.describe()})"
                )
        return tuple(doubts)

    def _held(self, policies: Iterable[Policy], how: str) -> tuple[list[str], list[str]]:
        """The admin-equivalent grants among ``policies`` and the doubts they leave."""
        verdicts = self.verdicts
        grants: list[str] = []
        doubts: list[str] = []
        for policy in policies:
            verdict = verdicts[(policy.type, policy.name)]
            if verdict is True:
                grants.append(f"{policy_label(policy)} {how}")
            elif verdict is not False:
                doubts.append(f"{policy_label(policy)} {how}: {verdict}")
        return grants, doubts

    @cached_property
    def _via_groups(self) -> dict[str, tuple[list[str], list[str]]]:
        """Per group, what its policies give its members (judged once, not per member)."""
        return {
            group.name: self._held(
                self.snapshot.policies_attached_to("group", group.name),
                f"via group {group.name}",
            )
            for group in self.snapshot.groups
        }

    def holding(self, principal_type: Literal["user", "role"], name: str) -> AdminHolding:
        grants, doubts = self._held(
            self.snapshot.policies_attached_to(principal_type, name), "attached directly"
        )
        if principal_type == "user":
            via_groups = self._via_groups
            for group in self.snapshot.groups_of(name):
                group_grants, group_doubts = via_groups[group.name]
                grants += group_grants
                doubts += group_doubts
        doubts += self.unlisted_attachments
        if principal_type == "user":
            doubts += self.unlisted_groups
        if not grants and not doubts:
            return _NO_HOLDING
        return AdminHolding(tuple(sorted(grants)), tuple(doubts))


_NO_HOLDING = AdminHolding((), ())
_admin_index = per_snapshot(AdminIndex)
