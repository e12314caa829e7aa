"""What the graph builder needs from a snapshot, indexed once: principals, ARNs, admin
policies, and the targets each statement's Resource patterns can cover."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from auditor.policy.authorize import NO_CONTEXT, Authorizer, Context, evidence
from auditor.policy.decisions import Authorization, Decision, Evidence
from auditor.policy.model import (
    ADMINISTRATOR_ACCESS,
    SERVICE_KEY,
    TRUSTED_TYPES_KEY,
    Holding,
    PolicyModel,
    Profile,
    Statement,
    policy_model,
)
from auditor.policy.patterns import ResourcePattern, compile_wildcard, has_wildcard
from auditor.policy.trust import named_exactly
from auditor.snapshot import AccountSnapshot, Group, Role, User

#: Every action an edge of §3 needs: indexed per principal once.
GRAPH_ACTIONS = (
    "ram:CreateAccessKey", "ram:DeleteAccessKey", "ram:CreateLoginProfile",
    "ram:UpdateLoginProfile", "sts:AssumeRole", "ram:UpdateRole", "ram:PassRole",
    "ecs:RunInstances", "ecs:AttachInstanceRamRole", "ram:AddUserToGroup",
    "ram:AttachPolicyToUser", "ram:AttachPolicyToRole", "ram:AttachPolicyToGroup",
    "ram:CreatePolicy", "ram:CreatePolicyVersion", "ram:SetDefaultPolicyVersion",
    "ram:CreateRole",
)
TargetKind = str  # "user" | "role" | "group"
AdminParts = tuple[tuple[Statement, ...], tuple[Statement, ...], tuple[Statement, ...]]
#: A full-admin edge's authorization, notes and exceptions (see graph.full_admin_edge).
FullAdminParts = tuple[Authorization, tuple[str, ...], tuple[Evidence, ...]]


@dataclass(frozen=True)
class AdminPolicy:
    """A policy whose default version allows every action on every resource
    (``conditioned``: only through a conditioned statement, so attaching it is CONDITIONAL)."""

    arn: str
    label: str
    conditioned: bool = False
    assumed: bool = False  # not in the snapshot: AdministratorAccess, which every account has


class Decided(Mapping[str, Authorization]):
    """Targets and their decisions, each decided when looked up (a broad grant has one
    target per principal of its kind; most are never looked up). ``uniform`` is the
    decision of every target when the Allows all cover every target and no Deny applies
    (each target's authorization then differs only in its resource)."""

    __slots__ = ("_decide", "_targets", "evidence", "uniform")

    def __init__(self, targets: frozenset[str],
                 decide: Callable[[str], Authorization],
                 uniform: Decision | None = None,
                 evidence: tuple[Evidence, ...] = ()) -> None:
        self._targets = targets
        self._decide = decide
        self.uniform = uniform
        self.evidence = evidence  # every target's, when uniform

    @property
    def targets(self) -> frozenset[str]:
        return self._targets

    def only(self, targets: frozenset[str]) -> Decided:
        """The same decisions, for ``targets`` (some of :attr:`targets`) only: what a fan
        keeps, rather than every candidate of one search round."""
        return Decided(targets, self._decide, self.uniform, self.evidence)

    def __getitem__(self, target: str) -> Authorization:
        if target not in self._targets:
            raise KeyError(target)
        return self._decide(target)

    def __contains__(self, target: object) -> bool:
        return target in self._targets

    def __iter__(self) -> Iterator[str]:
        return iter(self._targets)

    def __len__(self) -> int:
        return len(self._targets)


_NONE = Decided(frozenset(), lambda t: Authorization("", t, Decision.IMPLICIT_DENY))


class World:
    """One snapshot, indexed for the graph builder."""

    def __init__(self, snapshot: AccountSnapshot) -> None:
        self.snapshot = snapshot
        self.account_id = snapshot.account_id
        self.model: PolicyModel = policy_model(snapshot)
        self.users: dict[str, User] = {u.name: u for u in snapshot.users}
        self.roles: dict[str, Role] = {r.name: r for r in snapshot.roles}
        self.groups: dict[str, Group] = {g.name: g for g in snapshot.groups}
        self.live_users = frozenset(n for n, u in self.users.items() if not u.frozen)
        self.authorizer = Authorizer(
            self.model,
            {
                "role": frozenset(self.roles),
                "policy": frozenset(p.name for p in snapshot.policies if p.type == "Custom"),
                "instance": frozenset(),
            },
        )
        self.authorizer.index(GRAPH_ACTIONS)
        self._arns: dict[tuple[TargetKind, str], str] = {}
        self._names: dict[TargetKind, frozenset[str]] = {
            "user": self.live_users,
            "role": frozenset(n for n, r in self.roles.items() if not r.is_service_linked),
            "group": frozenset(self.groups),
        }
        self._lower: dict[TargetKind, dict[str, frozenset[str]]] = {}
        self._sorted: dict[TargetKind, list[str]] = {}
        self._shared: dict[frozenset[str], frozenset[str]] = {}
        self._targets: dict[tuple[int, TargetKind], frozenset[str]] = {}
        self._evidence: dict[tuple[int, int], Evidence] = {}
        self._trust_named: dict[str, frozenset[str] | None] = {}
        #: (profile, action, kind, context) -> the ``within`` of the last decide_targets
        #: for it, and its answer (see there)
        self._decided: dict[tuple[Profile, str, TargetKind, str, bool],
                            tuple[frozenset[str] | None, Mapping[str, Authorization]]] = {}
        self._broad: set[str] | None = None
        self._trusting_any: tuple[frozenset[str], frozenset[str]] | None = None
        #: policy key -> (admin Allows, disqualifying Denies, other Denies); see graph.py
        self.admin_parts: dict[tuple[str, str], AdminParts] = {}
        #: profile -> its full-admin edge's parts, or None (no edge): see graph.py
        self.full_admin: dict[Profile, FullAdminParts | None] = {}
        #: id of a holding -> its admin grants' and exceptions' evidence, None: disqualifying
        self.held_admin: dict[int, tuple[tuple[Evidence, ...], tuple[Evidence, ...]] | None] = {}
        self.admin_policies = self._admin_policies()
        self.has_gaps = any(i.resource is not None for i in snapshot.issues)

    def arn(self, kind: TargetKind, name: str) -> str:
        """The ARN of a user, role or group (one string each, however many edges name it)."""
        key = (kind, name)
        found = self._arns.get(key)
        if found is None:
            found = self._arns[key] = f"acs:ram::{self.account_id}:{kind}/{name}"
        return found

    def names(self, kind: TargetKind) -> frozenset[str]:
        """The names a statement can target: live users, roles that are not service-linked,
        groups."""
        return self._names[kind]

    def sorted_names(self, kind: TargetKind) -> list[str]:
        """:meth:`names` sorted (once)."""
        found = self._sorted.get(kind)
        if found is None:
            found = self._sorted[kind] = sorted(self._names[kind])
        return found

    def groups_of(self, user: str) -> tuple[Group, ...]:
        return self.snapshot.groups_of(user)

    def _admin_policies(self) -> tuple[AdminPolicy, ...]:
        found: list[AdminPolicy] = []
        for policy in self.model.policies.values():
            admin = [
                s for s in policy.document.statements
                if s.allows and s.action is not None and s.action.every_action
                and s.resource is not None and any(p.every_arn for p in s.resource)
            ]
            if admin:
                conditioned = all(s.conditioned for s in admin)
                found.append(AdminPolicy(policy.arn, f"{policy.name} ({policy.type})",
                                         conditioned))
        if ("System", ADMINISTRATOR_ACCESS) not in self.model.policies:
            found.append(AdminPolicy(
                f"acs:ram:*:system:policy/{ADMINISTRATOR_ACCESS}",
                f"{ADMINISTRATOR_ACCESS} (System, not in the snapshot)",
                assumed=True,
            ))
        return tuple(sorted(found, key=lambda a: (a.conditioned, a.assumed, a.label)))

    # --- targets a statement can cover --------------------------------------------------

    def _lowered(self, kind: TargetKind) -> dict[str, frozenset[str]]:
        found = self._lower.get(kind)
        if found is None:
            groups: dict[str, set[str]] = {}
            for name in self._names[kind]:
                groups.setdefault(name.lower(), set()).add(name)
            found = self._lower[kind] = {k: frozenset(v) for k, v in groups.items()}
        return found

    def _pattern_targets(self, patterns: tuple[ResourcePattern, ...], kind: TargetKind,
                         deny: bool) -> set[str]:
        names = self._names[kind]
        hits: set[str] = set()
        prefix = f"{kind}/"
        for pattern in patterns:
            if pattern.text == "*":
                return set(names)
            if not pattern.head_matches("ram", self.account_id):
                continue
            rel = pattern.segments[4]
            if not has_wildcard(rel):
                if deny:
                    if rel.lower().startswith(prefix):
                        hits |= self._lowered(kind).get(rel[len(prefix):].lower(), frozenset())
                elif rel.startswith(prefix) and rel[len(prefix):] in names:
                    hits.add(rel[len(prefix):])
                continue
            regex = compile_wildcard(rel, ignore_case=deny)
            hits.update(n for n in names if regex.fullmatch(prefix + n))
        return hits

    def statement_targets(self, stmt: Statement, kind: TargetKind) -> frozenset[str]:
        """The ``kind`` objects the statement's Resource (or NotResource) covers."""
        key = (id(stmt), kind)
        found = self._targets.get(key)
        if found is None:
            deny = not stmt.allows
            if stmt.resource is not None:
                found = frozenset(self._pattern_targets(stmt.resource, kind, deny))
            elif stmt.not_resource is not None:
                found = self._names[kind] - self._pattern_targets(stmt.not_resource, kind, deny)
            else:
                found = frozenset()
            found = self._targets[key] = self.shared(found)
        return found

    def shared(self, names: frozenset[str]) -> frozenset[str]:
        """One object for equal sets of names: many statements (each copy of a policy on
        ``user/*``) and many fans cover the same targets."""
        return self._shared.setdefault(names, names)

    def _evidence_of(self, holding: Holding, stmt: Statement, note: str = "") -> Evidence:
        key = (id(holding), id(stmt))
        found = self._evidence.get(key)
        if found is None:
            found = self._evidence[key] = evidence(holding, stmt, note)
        return found

    def decide_targets(self, node: str, action: str, kind: TargetKind,
                       context: Context = NO_CONTEXT,
                       within: AbstractSet[str] | None = None,
                       ) -> Mapping[str, Authorization]:
        """The targets of ``kind`` (of ``within``, when given) that ``node`` may do
        ``action`` on (ALLOW or CONDITIONAL), decided as :meth:`Authorizer.authorize`
        would: the target set from the statements' precomputed target sets, each target's
        decision when it is looked up.

        The answer depends on ``node``'s holdings alone, not on ``node``: the last one per
        profile, action, kind and context is kept with the ``within`` it was for (None or
        a frozenset), and given again for that same ``within`` object (one round of the
        escalation graph's search asks every holder about one set of targets)."""
        if within is not None and not isinstance(within, frozenset):
            return self._decide_targets(node, action, kind, context, within)
        key = (self.model.profile(node), action, kind, context.service, context.ram_trust)
        last = self._decided.get(key)
        if last is not None and last[0] is within:
            return last[1]
        found = self._decide_targets(node, action, kind, context, within)
        self._decided[key] = (within, found)
        return found

    def _decide_targets(self, node: str, action: str, kind: TargetKind, context: Context,
                        within: AbstractSet[str] | None) -> Mapping[str, Authorization]:
        matching = self.authorizer.matching(node, action)
        if not matching:
            return _NONE
        allows: list[tuple[Evidence, frozenset[str], bool]] = []
        denies: list[tuple[Evidence, frozenset[str], bool]] = []
        for holding, stmt, via_ims in matching:
            if context.service and stmt.excludes(SERVICE_KEY, context.service):
                continue
            if context.ram_trust and stmt.excludes(TRUSTED_TYPES_KEY, "RAM", ignore_case=True):
                continue
            targets = self.statement_targets(stmt, kind)
            if not targets:
                continue
            if stmt.allows:
                allows.append((self._evidence_of(holding, stmt), targets, stmt.conditioned))
            else:
                note = ("ims: Deny may cover the ram: action" if via_ims
                        else "Deny with NotResource" if stmt.not_resource is not None else "")
                hard = not (via_ims or stmt.conditioned or stmt.not_resource is not None)
                denies.append((self._evidence_of(holding, stmt, note), targets, hard))
        if not allows:
            return _NONE
        first = allows[0][1]
        alike = all(t is first or t == first for _, t, _ in allows[1:])
        if alike:  # each set & a small ``within`` costs the smaller of the two
            candidates = first if within is None else first & within
        elif within is None:
            candidates = frozenset().union(*(t for _, t, _ in allows))
        else:
            candidates = frozenset().union(*(t & within for _, t, _ in allows))
        if not denies and alike:
            # every Allow covers every target: one decision and evidence for all
            plain = tuple(e for e, _, conditioned in allows if not conditioned)
            uniform = Decision.ALLOW if plain else Decision.CONDITIONAL
            evs = plain or tuple(e for e, _, _ in allows)
            return Decided(candidates, lambda t: Authorization(
                action, self.arn(kind, t), uniform, evs), uniform, evs)

        def decide(target: str) -> Authorization:
            soft = [e for e, t, hard in denies if not hard and target in t]
            plain = [e for e, t, cond in allows if not cond and target in t]
            cond = [e for e, t, c in allows if c and target in t]
            decision = Decision.ALLOW if plain and not soft else Decision.CONDITIONAL
            chosen = plain if decision is Decision.ALLOW else plain + cond + soft
            return Authorization(action, self.arn(kind, target), decision, tuple(chosen))

        # a hard Deny covering a target removes it
        return Decided(candidates.difference(*(t for _, t, hard in denies if hard)), decide)

    def allow_targets(self, node: str, action: str, kind: TargetKind
                      ) -> list[frozenset[str]]:
        """The ``kind`` objects each Allow statement of ``node`` for ``action`` may cover
        (their union is :meth:`candidates`; not built here: a grant on ``user/*`` held by
        many covers every user)."""
        return [self.statement_targets(stmt, kind)
                for _, stmt, _ in self.authorizer.matching(node, action) if stmt.allows]

    def candidates(self, node: str, action: str, kind: TargetKind) -> frozenset[str]:
        """Names of ``kind`` objects that some Allow statement of ``node`` for ``action``
        may cover (a superset: each is then authorized precisely)."""
        covered = self.allow_targets(node, action, kind)
        first = covered[0] if covered else frozenset()
        if all(t is first for t in covered):  # one set, often every user: not copied
            return first
        return frozenset().union(*covered)

    def may_trust(self, role: str, node: str) -> bool:
        """False when the role's trust policy certainly does not name ``node``."""
        if role not in self._trust_named:
            self._trust_named[role] = named_exactly(self.model.trusts[role], self.account_id)
        named = self._trust_named[role]
        return named is None or node.lower() in named

    def has_allow(self, node: str, action: str) -> bool:
        key = action.lower()
        if key in self.authorizer.indexed_actions:
            return key in self.authorizer.allowed_actions(node)
        return any(stmt.allows for _, stmt, _ in self.authorizer.matching(node, action))

    def trusting(self, node: str, among: AbstractSet[str] | None = None
                 ) -> set[str] | frozenset[str]:
        """Roles (of ``among``, when given) whose trust policy may name ``node`` (a
        superset). Those of a frozen ``among`` for a node no trust names by name are one
        frozenset, kept for the last such ``among`` (see :meth:`decide_targets`)."""
        if self._broad is None:
            self._broad = set()
            self._exact: dict[str, set[str]] = {}
            for role in self.roles:
                named = named_exactly(self.model.trusts[role], self.account_id)
                if named is None:
                    self._broad.add(role)
                else:
                    for n in named:
                        self._exact.setdefault(n, set()).add(role)
        exact = self._exact.get(node.lower(), set())
        if among is None:
            return self._broad | exact
        if not exact and isinstance(among, frozenset):
            last = self._trusting_any
            if last is None or last[0] is not among:
                last = self._trusting_any = (among, frozenset(among & self._broad))
            return last[1]
        return {r for r in among if r in self._broad or r in exact}

    def sources(self) -> Iterator[str]:
        """Own principal nodes that hold permissions: live users and roles."""
        yield from (f"user/{n}" for n in sorted(self.live_users))
        yield from (f"role/{n}" for n in sorted(self.roles))
