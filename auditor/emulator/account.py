"""The account a world describes, with times resolved and derived data computed once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auditor.emulator.errors import not_found
from auditor.emulator.system_policies import SYSTEM_POLICIES
from auditor.emulator.world import (
    AccessKeySpec,
    CustomPolicySpec,
    GroupSpec,
    PolicyRef,
    RoleSpec,
    UserSpec,
    World,
    resolve_time,
    stable_id,
)


def iso(moment: datetime) -> str:
    """``2026-01-31T08:00:00Z``: the timestamp form every API answers with."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Attachment:
    """One policy attached to one principal."""

    kind: str  # "User", "Group" or "Role"
    principal: str
    policy: PolicyRef
    attach_date: str


@dataclass(frozen=True)
class PolicyInfo:
    """A system or custom policy as the list/get APIs show it."""

    name: str
    type: str
    description: str
    created: str
    default_version: str
    versions: tuple[tuple[str, str, str], ...]  # (id, document JSON, create date)


def document_json(document: dict[str, Any] | str) -> str:
    return document if isinstance(document, str) else json.dumps(document)


class Account:
    """Everything the APIs answer, derived from one world at one moment ``now``."""

    def __init__(self, world: World, now: datetime) -> None:
        self.world = world
        self.now = now
        self.id = world.account.id
        self.alias = world.account.alias
        self.domain = f"{self.alias}.onaliyun.com"
        self.users: dict[str, UserSpec] = {u.name: u for u in world.users}
        self.groups: dict[str, GroupSpec] = {g.name: g for g in world.groups}
        self.roles: dict[str, RoleSpec] = {r.name: r for r in world.roles}
        self.policies: dict[tuple[str, str], PolicyInfo] = self._policies()
        self.attachments = self._attachments()
        self._keys: dict[str, tuple[UserSpec | None, AccessKeySpec]] = {
            key.id: (None, key) for key in world.root.access_keys
        }
        for user in world.users:
            self._keys.update({key.id: (user, key) for key in user.access_keys})
        self.members: dict[str, list[UserSpec]] = {name: [] for name in self.groups}
        for user in world.users:
            for group in user.groups:
                self.members[group].append(user)

    # -- times and names -------------------------------------------------------------
    def time(self, when: str) -> str:
        return iso(resolve_time(when, self.now))

    def opt_time(self, when: str | None) -> str | None:
        return None if when is None else self.time(when)

    def upn(self, user: UserSpec) -> str:
        return f"{user.name}@{self.domain}"

    def user_id(self, user: UserSpec) -> str:
        return user.id or stable_id("user", self.id, user.name)

    def group_id(self, group: GroupSpec) -> str:
        return group.id or stable_id("group", self.id, group.name)

    def role_id(self, role: RoleSpec) -> str:
        return role.id or stable_id("role", self.id, role.name, digits=19)

    def arn(self, kind: str, name: str) -> str:
        return f"acs:ram::{self.id}:{kind}/{name}"

    # -- lookups that answer EntityNotExist.* -----------------------------------------
    def user(self, name: str) -> UserSpec:
        if name not in self.users:
            raise not_found("User", name)
        return self.users[name]

    def user_by_upn(self, upn: str) -> UserSpec:
        name, _, domain = upn.partition("@")
        if domain.lower() != self.domain or name not in self.users:
            raise not_found("User", upn)
        return self.users[name]

    def user_by_id(self, user_id: str) -> UserSpec:
        for user in self.users.values():
            if self.user_id(user) == user_id:
                return user
        raise not_found("User", user_id)

    def group(self, name: str) -> GroupSpec:
        if name not in self.groups:
            raise not_found("Group", name)
        return self.groups[name]

    def role(self, name: str) -> RoleSpec:
        if name not in self.roles:
            raise not_found("Role", name)
        return self.roles[name]

    def policy(self, name: str, policy_type: str) -> PolicyInfo:
        if (policy_type, name) not in self.policies:
            raise not_found("Policy", name)
        return self.policies[(policy_type, name)]

    def key_owner(self, access_key_id: str) -> tuple[UserSpec | None, AccessKeySpec] | None:
        """(owner, key) with owner ``None`` for a root key; ``None`` if nobody has it."""
        return self._keys.get(access_key_id)

    # -- derived data ------------------------------------------------------------------
    def attachments_of(self, kind: str, principal: str) -> list[Attachment]:
        return [a for a in self.attachments if a.kind == kind and a.principal == principal]

    def attachments_to(self, policy: PolicyInfo) -> list[Attachment]:
        return [
            a for a in self.attachments
            if a.policy.name == policy.name and a.policy.type == policy.type
        ]

    def _policies(self) -> dict[tuple[str, str], PolicyInfo]:
        created = self.time("now-1500d")
        result: dict[tuple[str, str], PolicyInfo] = {}
        system = {name: (desc, doc) for name, (desc, doc) in SYSTEM_POLICIES.items()}
        system.update({p.name: (p.description, p.document) for p in self.world.system_policies})
        for name, (description, document) in sorted(system.items()):
            result[("System", name)] = PolicyInfo(
                name, "System", description, created, "v1",
                (("v1", document_json(document), created),),
            )
        for policy in self.world.policies:
            result[("Custom", policy.name)] = self._custom(policy)
        return result

    def _custom(self, policy: CustomPolicySpec) -> PolicyInfo:
        created = self.time(policy.created)
        versions = tuple(
            (v.id, document_json(v.document), self.time(v.created) if v.created else created)
            for v in policy.all_versions()
        )
        return PolicyInfo(
            policy.name, "Custom", policy.description, created,
            policy.default_version().id, versions,
        )

    def _attachments(self) -> list[Attachment]:
        result: list[Attachment] = []
        owners: list[tuple[str, str, str, list[PolicyRef]]] = [
            ("User", u.name, u.created, u.policies) for u in self.world.users
        ]
        owners += [("Group", g.name, g.created, g.policies) for g in self.world.groups]
        owners += [("Role", r.name, r.created, r.policies) for r in self.world.roles]
        for kind, name, created, refs in owners:
            for ref in refs:
                policy = self.policies[(ref.type, ref.name)]
                date = max(self.time(created), policy.created)
                result.append(Attachment(kind, name, ref, date))
        return result
