"""The escalation primitives of spec §3: the catalogue (public ids) and, for one source
node, the edges each primitive gives it.

Every take-over edge is bound to its target: the candidate targets come from the Resource
patterns of the source's Allow statements (matched against the snapshot's ARNs once), and
each candidate is then authorized precisely. For the escalation graph,
:meth:`EdgeBuilder.take_over_fans` gives the edges of a uniform grant (its Allows cover every
target alike, no Deny) onto users or roles whose own facts decide their edge alike as one
:class:`~auditor.policy.edges.Fan` per decision, each edge built only when wanted.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Set
from dataclasses import dataclass
from functools import partial

from auditor.policy.authorize import (
    INSTANCE_PROBE,
    POLICY_PROBE,
    ROLE_PROBE,
    Context,
    Probe,
)
from auditor.policy.decisions import Authorization, Decision, Evidence, highest, lowest
from auditor.policy.edges import ADMIN, Edge, Fan
from auditor.policy.model import Profile
from auditor.policy.trust import ASSUME_ROLE, alike_for_own, named_exactly, trust_decision
from auditor.policy.world import Decided, World

ECS = "ecs.aliyuncs.com"
_CREDENTIALS = frozenset({"ram:createaccesskey", "ram:createloginprofile",
                          "ram:updateloginprofile"})
_ROLES = frozenset({"sts:assumerole", "ram:passrole"})
_TAKE_OVER = _CREDENTIALS | _ROLES | {"ram:addusertogroup"}
_CREDENTIAL_PRIMITIVES = (("ram:CreateAccessKey", "create-access-key"),
                          ("ram:CreateLoginProfile", "create-login-profile"),
                          ("ram:UpdateLoginProfile", "update-login-profile"))
_PRIMITIVE_OF = dict(_CREDENTIAL_PRIMITIVES)
_NO_GRANTS: Mapping[str, Authorization] = {}
_ATTACH = {"user": "ram:AttachPolicyToUser", "role": "ram:AttachPolicyToRole",
           "group": "ram:AttachPolicyToGroup"}


@dataclass(frozen=True)
class Primitive:
    """One row of the catalogue."""

    id: str
    kind: str  # "take-over" | "self-grant" | "admin"
    target: str
    needs: str
    condition: str = ""


PRIMITIVES: tuple[Primitive, ...] = (
    Primitive("full-admin", "admin", "ADMIN",
              "one unconditioned Allow of every action (`*`, `*:*`) on every resource, and no "
              "unconditioned Deny of every action on every resource (other Denies are listed "
              "as exceptions)", "an unreadable held policy gives an UNKNOWN edge instead"),
    Primitive("create-access-key", "take-over", "user B",
              "`ram:CreateAccessKey` on B (and `ram:DeleteAccessKey` on B when B has 2 keys)",
              "B ≠ A, B not frozen"),
    Primitive("create-login-profile", "take-over", "user B",
              "`ram:CreateLoginProfile` on B",
              "B ≠ A, not frozen, no login profile; CONDITIONAL (MFA-gated) if B has MFA"),
    Primitive("update-login-profile", "take-over", "user B",
              "`ram:UpdateLoginProfile` on B",
              "B ≠ A, not frozen, has a login profile; CONDITIONAL (MFA-gated) if B has MFA"),
    Primitive("assume-role", "take-over", "role B",
              "`sts:AssumeRole` on B (own principals), and B's trust policy allows A",
              "B not service-linked; external principals need the trust alone"),
    Primitive("update-role-trust", "take-over", "role B",
              "`ram:UpdateRole` and `sts:AssumeRole` on B", "B not service-linked"),
    Primitive("pass-role-ecs", "take-over", "role B",
              "`ram:PassRole` on B, and `ecs:RunInstances` (on all resources) or "
              "`ecs:AttachInstanceRamRole` on some instance",
              "B's trust policy allows `service/ecs.aliyuncs.com`"),
    Primitive("join-group", "take-over", "group/G",
              "`ram:AddUserToGroup` on G and on A itself", "A is a user not already in G"),
    Primitive("attach-admin-to-self", "self-grant", "ADMIN",
              "`ram:AttachPolicyToUser`/`ToRole`/`ToGroup` (by A's kind) on A and on an admin "
              "policy"),
    Primitive("attach-admin-to-own-group", "self-grant", "ADMIN",
              "A is a user: `ram:AttachPolicyToGroup` on one of A's groups and on an admin "
              "policy"),
    Primitive("create-admin-policy", "self-grant", "ADMIN",
              "`ram:CreatePolicy` on some new policy P, and the attach permission of "
              "attach-admin-to-self or attach-admin-to-own-group on P"),
    Primitive("edit-own-policy", "self-grant", "ADMIN",
              "`ram:CreatePolicyVersion` on a custom policy A holds; "
              "`ram:SetDefaultPolicyVersion` alone gives at most CONDITIONAL"),
    Primitive("create-role", "self-grant", "ADMIN",
              "`ram:CreateRole` on some new role P, `ram:AttachPolicyToRole` on P and on an "
              "admin policy (or a policy A can create), and `sts:AssumeRole` on P",
              "a `ram:TrustedPrincipalTypes` condition excluding RAM removes the CreateRole grant"),
    Primitive("attach-admin-to-reachable", "self-grant", "ADMIN",
              "`ram:AttachPolicyToUser`/`ToRole` on a user or role X ≠ A that A can reach "
              "without this edge (or `ram:AttachPolicyToGroup` on a group of user X), and on "
              "an admin policy", "evidence includes A's path to X; decision the lower of both"),
)

PRIMITIVE_IDS = frozenset(p.id for p in PRIMITIVES)
#: The order in which :meth:`EdgeBuilder.take_over` yields one source's edges (then by
#: target): the full graph keeps it, and the escalation graph sorts its edges by it.
TAKE_OVER_ORDER = {p: i for i, p in enumerate((
    "create-access-key", "create-login-profile", "update-login-profile", "assume-role",
    "update-role-trust", "pass-role-ecs", "join-group"))}
#: Target names by kind (``user``, ``role``, ``group``) a take-over search is limited to.
Within = Mapping[str, Set[str]]
#: By kind, sets of names covering every target of a node's take-over edges.
Scope = dict[str, list[frozenset[str]]]


def _edge(source: str, target: str, primitive: str, auths: list[Authorization],
          extra: Decision = Decision.ALLOW, notes: tuple[str, ...] = ()) -> Edge | None:
    """An edge when every authorization may succeed (UNKNOWN ones make it unknown)."""
    decision = lowest([a.decision for a in auths] + [extra])
    if decision not in (Decision.ALLOW, Decision.CONDITIONAL, Decision.UNKNOWN):
        return None
    return Edge(source, target, primitive, decision, tuple(auths), notes)


def _some(within: Within | None, kind: str) -> bool:
    return within is None or bool(within.get(kind))


def _part(within: Within | None, kind: str) -> Set[str] | None:
    return None if within is None else within.get(kind, frozenset())


def best_of(auths: list[Authorization]) -> Authorization:
    """The first authorization with the strongest decision."""
    top = highest(a.decision for a in auths)
    return next(a for a in auths if a.decision is top)


def _better(best: Edge | None, edge: Edge | None) -> Edge | None:
    """The stronger of two candidate edges for one (source, primitive, target)."""
    if edge is None or (best is not None and (best.decision is Decision.ALLOW
                                              or edge.decision is not Decision.ALLOW)):
        return best
    return edge


class EdgeBuilder:
    """Computes the primitives' edges of nodes of one :class:`World`."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.az = world.authorizer
        self._trust_groups: dict[str, tuple[list[tuple[Decision, frozenset[str]]],
                                            frozenset[str]]] = {}
        self._two: frozenset[str] | None = None
        self._alike_facts: list[tuple[str, list[str]]] | None = None
        self._users_by_fact: dict[str, tuple[list[tuple[Decision, frozenset[str]]],
                                             frozenset[str]]] = {}
        self._ecs_trust: dict[str, Authorization] = {}  # role -> whether ECS may assume it
        self._alike: dict[str, bool] = {}
        self._by_kind: dict[tuple[str, str], Authorization] = {}
        self._trust_evidence_of: dict[str, Callable[[str], tuple[Evidence, ...]]] = {}
        self._attach_choice: dict[tuple[Hashable, str], tuple[str, Authorization] | None] = {}
        self._gates: dict[tuple[frozenset[str], str], tuple[Callable[[str], Edge | None], ...]] = {}
        self._scopes: dict[tuple[Profile, bool], Scope] = {}

    def _alike_for_own(self, role: str) -> bool:
        found = self._alike.get(role)
        if found is None:
            found = self._alike[role] = alike_for_own(self.world.model.trusts[role],
                                                      self.world.account_id)
        return found

    def _trust(self, role: str, node: str) -> Authorization:
        """:func:`trust_decision` of the role for an own ``node``, decided once per kind
        when the trust names no own principal by name (a role trusting the account)."""
        key = (role, node.partition("/")[0])
        found = self._by_kind.get(key)
        if found is not None:
            return found
        w = self.world
        trust = w.model.trusts[role]
        if not self._alike_for_own(role):
            return trust_decision(trust, node, w.account_id)
        found = self._by_kind[key] = trust_decision(trust, node, w.account_id)
        return found

    # --- helpers ----------------------------------------------------------------------

    def _kind_name(self, node: str) -> tuple[str, str]:
        kind, _, name = node.partition("/")
        return kind, name

    def best_attach(self, node: str, action: str, target_arn: str) -> Authorization | None:
        """The best attach of an admin policy (or a created one) onto ``target_arn``.

        When ``node``'s grants of ``action`` decide alike on every resource
        (:meth:`Authorizer.resource_blind`), so does the choice of admin policy: it is
        made once per such decision and action (every user holding one helpdesk policy
        may attach to itself), and only the resource names ``target_arn``."""
        outcome = self.az.blind_outcome(node, action)
        if outcome is None:
            found = self._best_attach(node, action, target_arn)
            return None if found is None else found[1]
        key = (outcome, action)
        if key not in self._attach_choice:
            self._attach_choice[key] = self._best_attach(node, action, target_arn)
        found = self._attach_choice[key]
        if found is None:
            return None
        policy, auth = found
        return Authorization(auth.action, f"{target_arn} + {policy}", auth.decision,
                             auth.evidence, auth.notes)

    def _best_attach(self, node: str, action: str, target_arn: str
                     ) -> tuple[str, Authorization] | None:
        """:meth:`best_attach`, and the ARN of the admin policy it attaches."""
        best: tuple[str, Authorization] | None = None
        for admin in self.world.admin_policies:
            auth = self.az.authorize_attach(node, action, target_arn, admin.arn)
            if admin.conditioned and auth.decision is Decision.ALLOW:
                auth = Authorization(auth.action, auth.resource, Decision.CONDITIONAL,
                                     auth.evidence, (*auth.notes, f"{admin.label} is conditioned"))
            if best is None or best_of([best[1], auth]) is auth:
                best = (admin.arn, auth)
            if best[1].decision is Decision.ALLOW:
                break
        return best if best is not None and best[1].decision.grants else None

    # --- take-over --------------------------------------------------------------------

    def has_take_over(self, node: str) -> bool:
        """Whether ``node`` holds some Allow of a take-over action (a superset)."""
        return not self.az.allowed_actions(node).isdisjoint(_TAKE_OVER)

    def take_over_scope(self, node: str) -> Scope:
        """By kind, sets of names that together hold every target some take-over edge of
        ``node`` may have (a superset: what its Allow statements of take-over actions
        cover). It depends on ``node``'s holdings and on whether it is a user alone, so it
        is one object per profile and kind: do not change it."""
        user = node.startswith("user/")
        key = (self.world.model.profile(node), user)
        found = self._scopes.get(key)
        if found is None:
            found = self._scopes[key] = self._scope(node, user)
        return found

    def _scope(self, node: str, user: bool) -> Scope:
        allowed = self.az.allowed_actions(node)
        w = self.world

        def covered(actions: tuple[str, ...], kind: str) -> list[frozenset[str]]:
            return [t for a in actions if a.lower() in allowed
                    for t in w.allow_targets(node, a, kind) if t]

        return {"user": covered(tuple(a for a, _ in _CREDENTIAL_PRIMITIVES), "user"),
                "role": covered((ASSUME_ROLE, "ram:PassRole"), "role"),
                "group": covered(("ram:AddUserToGroup",), "group") if user else []}

    def take_over(self, node: str, within: Within | None = None) -> Iterator[Edge]:
        """The take-over edges of ``node`` (only onto the targets ``within``, by kind,
        when given: the same edges, in the same order, as the unrestricted ones)."""
        for item in self._take_over(node, within, fans=False):
            assert isinstance(item, Edge)
            yield item

    def take_over_fans(self, node: str, within: Within | None = None
                       ) -> Iterator[Edge | Fan]:
        """:meth:`take_over`'s edges, those of a uniform credential grant onto alike users
        as :class:`Fan` values (one per grant and decision), the others one by one: the
        same edges, not in the same order."""
        return self._take_over(node, within, fans=True)

    def _take_over(self, node: str, within: Within | None, *, fans: bool
                   ) -> Iterator[Edge | Fan]:
        allowed = self.az.allowed_actions(node)
        if allowed.isdisjoint(_TAKE_OVER):
            return
        kind, name = self._kind_name(node)
        if allowed & _CREDENTIALS and _some(within, "user"):
            yield from self._user_credentials(node, kind, name, _part(within, "user"), fans)
        if allowed & _ROLES and _some(within, "role"):
            yield from self._roles(node, name, _part(within, "role"), fans)
        if kind == "user" and "ram:addusertogroup" in allowed and _some(within, "group"):
            yield from self._join_group(node, name, _part(within, "group"))

    def _user_credentials(self, node: str, kind: str, name: str,
                          within: Set[str] | None = None, fans: bool = False
                          ) -> Iterator[Edge | Fan]:
        w = self.world
        for action, primitive in _CREDENTIAL_PRIMITIVES:
            granted = w.decide_targets(node, action, "user", within=within)
            if not granted:
                continue
            deletes = (w.decide_targets(node, "ram:DeleteAccessKey", "user", within=within)
                       if action == "ram:CreateAccessKey" else {})
            targets: Set[str] = granted.keys()
            if isinstance(granted, Decided):
                targets = granted.targets
                if fans and granted.uniform is not None:
                    alike, targets = self._fans(node, kind, name, action, granted, deletes)
                    yield from alike
            for target in self._in_order(targets):
                edge = self._credential_edge(node, kind, name, action, primitive, target,
                                             granted, deletes)
                if edge is not None:
                    yield edge

    def _in_order(self, users: Set[str]) -> Iterator[str]:
        """``users`` by name; many (a grant on ``user/*``) are not sorted again for each
        holder: the walks of attach-admin-to-reachable read a holder's first edges only."""
        if len(users) <= 64:
            return iter(sorted(users))
        return (u for u in self.world.sorted_names("user") if u in users)

    def _fans(self, node: str, kind: str, name: str, action: str, granted: Decided,
              deletes: Mapping[str, Authorization]) -> tuple[list[Fan], Set[str]]:
        """The fans of a uniform grant of ``action``, and the targets left to decide one
        by one (their edge depends on more than the grant)."""
        assert granted.uniform is not None
        primitive = _PRIMITIVE_OF[action]
        own = frozenset((name,)) if kind == "user" else frozenset()
        groups, rest = self._alike_users(action)
        found: list[Fan] = []
        for extra, users in groups:
            names = self.world.shared((granted.targets & users) - own)
            if names:  # its edges need no DeleteAccessKey (see _alike_users)
                found.append(Fan(node, primitive, "user", names, lowest([granted.uniform, extra]),
                                 partial(self._credential_edge, node, kind, name, action,
                                         primitive, granted=granted.only(names),
                                         deletes=_NO_GRANTS)))
        if action != "ram:CreateAccessKey":
            return found, granted.targets & rest
        # a second AccessKey: an edge only with DeleteAccessKey on the user too
        two = self._two_keys()
        both = (granted.targets & two) - own
        if both and isinstance(deletes, Decided) and deletes.uniform is not None:
            names = self.world.shared(both & deletes.targets)
            if names:
                found.append(Fan(node, primitive, "user", names,
                                 lowest([granted.uniform, deletes.uniform]),
                                 partial(self._credential_edge, node, kind, name, action,
                                         primitive, granted=granted.only(names),
                                         deletes=deletes.only(names))))
            both = frozenset()
        return found, (granted.targets & (rest - two)) | (both & deletes.keys())

    def _two_keys(self) -> frozenset[str]:
        """Live users with two AccessKeys (all of them listed): taking one over needs
        ``ram:DeleteAccessKey`` on it too."""
        if self._two is None:
            w = self.world
            self._two = frozenset(
                u for one, users in self._by_facts() if "access_keys" not in self._gaps(one)
                and len(w.users[one].access_keys) >= 2 for u in users)
        return self._two

    def _by_facts(self) -> list[tuple[str, list[str]]]:
        """Live users grouped by every fact of a user that :meth:`_needs_more`,
        :meth:`_user_fact` and :meth:`_two_keys` read (two AccessKeys, a login profile, MFA,
        which of them could not be collected), each group with one of its users: their
        rules are applied once per group, not once per user and action."""
        if self._alike_facts is None:
            w = self.world
            groups: dict[tuple[bool, ...], list[str]] = {}
            for name in w.live_users:
                user = w.users[name]
                gaps = self._gaps(name)  # empty without collection gaps (most accounts)
                key = (len(user.access_keys) >= 2, user.has_login_profile, user.mfa_bound,
                       "access_keys" in gaps, "login_profile" in gaps, "mfa" in gaps)
                groups.setdefault(key, []).append(name)
            self._alike_facts = [(users[0], users) for users in groups.values()]
        return self._alike_facts

    def _alike_users(self, action: str) -> tuple[list[tuple[Decision, frozenset[str]]],
                                                  frozenset[str]]:
        """Live users by the decision a uniform grant of ``action`` gives their edge (its
        lowest with the user's facts: MFA, unknown facts), and the users whose edge needs
        more (``ram:DeleteAccessKey`` for a second AccessKey); users in neither get none."""
        found = self._users_by_fact.get(action)
        if found is None:
            by: dict[Decision, set[str]] = {}
            rest: set[str] = set()
            for one, users in self._by_facts():  # users alike to ``one`` for these rules
                if self._needs_more(action, one):
                    rest.update(users)
                elif (extra := self._user_fact(action, one)) is not None:
                    by.setdefault(extra, set()).update(users)
            found = self._users_by_fact[action] = (
                [(d, frozenset(u)) for d, u in sorted(by.items())], frozenset(rest))
        return found

    def _gaps(self, target: str) -> Mapping[str, object]:
        w = self.world
        return w.snapshot.gaps(w.users[target]) if w.has_gaps else {}

    def _needs_more(self, action: str, target: str) -> bool:
        """Whether ``target``'s edge through ``action`` needs more than the grant (a
        second AccessKey: ``ram:DeleteAccessKey`` too, or keys that could not be listed)."""
        return action == "ram:CreateAccessKey" and (
            "access_keys" in self._gaps(target)
            or len(self.world.users[target].access_keys) >= 2)

    def _user_fact(self, action: str, target: str) -> Decision | None:
        """What :meth:`_credential_edge` adds to a granted ``action`` on ``target`` when
        it needs nothing more: a decision (the edge's is its lowest with the grant's), or
        None (no edge: the login profile it needs is missing, or the one it creates exists)."""
        if action == "ram:CreateAccessKey":
            return Decision.ALLOW
        fact = self._login_fact(action, target)
        return None if fact is None else fact[0]

    def _login_fact(self, action: str, target: str) -> tuple[Decision, list[str]] | None:
        """What a granted login-profile ``action`` on user ``target`` adds to its edge, and
        why: UNKNOWN when the login profile could not be read, CONDITIONAL when MFA gates
        it; None when there is no edge (the login profile it needs is missing, or the one
        it creates exists)."""
        gaps, user = self._gaps(target), self.world.users[target]
        extra, notes = Decision.ALLOW, []
        if "login_profile" in gaps:
            extra = Decision.UNKNOWN
            notes.append(f"the login profile of {target} could not be read")
        elif user.has_login_profile != (action == "ram:UpdateLoginProfile"):
            return None
        if user.mfa_bound or "mfa" in gaps:
            extra = lowest([extra, Decision.CONDITIONAL])
            notes.append(f"MFA-gated: {target} has an MFA device"
                         if user.mfa_bound else f"MFA state of {target} unknown")
        return extra, notes

    def _credential_edge(self, node: str, kind: str, name: str, action: str, primitive: str,
                         target: str, granted: Mapping[str, Authorization],
                         deletes: Mapping[str, Authorization]) -> Edge | None:
        """``node``'s edge onto user ``target`` through ``action`` (granted on it)."""
        if kind == "user" and target == name:
            return None
        auths, extra = [granted[target]], Decision.ALLOW
        notes: list[str] = []
        if action != "ram:CreateAccessKey":
            fact = self._login_fact(action, target)
            if fact is None:
                return None
            extra, notes = fact
        elif self._needs_more(action, target):
            if target in deletes:
                auths.append(deletes[target])
            elif "access_keys" in self._gaps(target):
                extra = Decision.UNKNOWN
                notes.append(f"the AccessKeys of {target} could not be listed")
            else:
                return None
        return _edge(node, f"user/{target}", primitive, auths, extra, tuple(notes))

    def _roles(self, node: str, name: str, within: Set[str] | None = None,
               fans: bool = False) -> Iterator[Edge | Fan]:
        w = self.world
        updatable = w.decide_targets(node, "ram:UpdateRole", "role", Context(ram_trust=True),
                                     within=within)
        trusting = w.trusting(node, within)
        assumable = w.decide_targets(node, ASSUME_ROLE, "role", within=trusting.union(
            updatable) if updatable else trusting)
        targets: Set[str] = assumable.keys()
        if fans and isinstance(assumable, Decided) and assumable.uniform is not None:
            alike, targets = self._role_fans(node, name, assumable)
            yield from alike
        for target in sorted(targets):
            edge = self._assume_edge(node, target, assumable)
            if edge is not None:
                yield edge
        if updatable:
            for target in sorted(updatable.keys() & assumable.keys()):
                if node == f"role/{target}":
                    continue
                edge = _edge(node, f"role/{target}", "update-role-trust",
                             [updatable[target], assumable[target]])
                if edge is not None:
                    yield edge
        ecs = Context(service=ECS)
        passable = w.decide_targets(node, "ram:PassRole", "role", ecs, within=within)
        if not passable:
            return
        run = best_of([self.az.authorize(node, "ecs:RunInstances", "*", ecs),
                       self.az.authorize(node, "ecs:AttachInstanceRamRole", INSTANCE_PROBE, ecs)])
        if not run.decision.grants:
            return
        for target in sorted(passable):
            if node == f"role/{target}":
                continue
            ecs_trust = self._ecs_trust.get(target)
            if ecs_trust is None:
                ecs_trust = self._ecs_trust[target] = trust_decision(
                    w.model.trusts[target], f"service/{ECS}", w.account_id)
            if not (ecs_trust.decision.grants or ecs_trust.decision is Decision.UNKNOWN):
                continue
            edge = _edge(node, f"role/{target}", "pass-role-ecs",
                         [passable[target], run, ecs_trust])
            if edge is not None:
                yield edge

    def _assume_edge(self, node: str, target: str, assumable: Mapping[str, Authorization]
                     ) -> Edge | None:
        """``node``'s assume-role edge onto ``target`` (granted on it) when its trust may
        let ``node`` in."""
        if node == f"role/{target}" or not self.world.may_trust(target, node):
            return None
        trust = self._trust(target, node)
        if trust.decision in (Decision.DENY, Decision.IMPLICIT_DENY):
            return None
        return _edge(node, f"role/{target}", "assume-role", [assumable[target], trust])

    def _fan_assume_edge(self, node: str, target: str, assumable: Decided) -> Edge:
        """:meth:`_assume_edge` onto a role of an assume-role fan: the role is not
        ``node`` and its trust lets ``node``'s kind in (see :meth:`_roles_by_trust`), so
        only the edge is left to build."""
        grant, trust = assumable[target], self._trust(target, node)
        return Edge(node, f"role/{target}", "assume-role",
                    lowest((grant.decision, trust.decision)), (grant, trust))

    def _trust_evidence(self, node: str) -> Callable[[str], tuple[Evidence, ...]]:
        """The evidence of a fan role's trust for ``node`` (the rest of an assume-role fan
        edge's evidence after the grant's), without building the edge: one function per
        kind of ``node``, as the trust of a fan's roles decides alike for every own
        principal of a kind (see :meth:`_roles_by_trust`)."""
        kind = node.partition("/")[0]
        found = self._trust_evidence_of.get(kind)
        if found is None:
            found = self._trust_evidence_of[kind] = partial(self._role_trust_evidence, node)
        return found

    def _role_trust_evidence(self, node: str, role: str) -> tuple[Evidence, ...]:
        return self._trust(role, node).evidence

    def _role_fans(self, node: str, name: str, assumable: Decided
                   ) -> tuple[list[Fan], Set[str]]:
        """The assume-role fans of a uniform ``sts:AssumeRole`` grant (onto roles whose
        trust decides alike for every own principal of ``node``'s kind), and the targets
        left to decide one by one."""
        assert assumable.uniform is not None
        own = frozenset((name,)) if node.startswith("role/") else frozenset()
        groups, rest = self._roles_by_trust(node)
        found = [
            Fan(node, "assume-role", "role", names, lowest([assumable.uniform, decision]),
                partial(self._fan_assume_edge, node, assumable=assumable.only(names)),
                assumable.evidence, self._trust_evidence(node))
            for decision, roles in groups
            if (names := self.world.shared((assumable.targets & roles) - own))]
        return found, assumable.targets & rest

    def _roles_by_trust(self, node: str) -> tuple[list[tuple[Decision, frozenset[str]]],
                                                  frozenset[str]]:
        """Roles by the decision of their trust for an own principal of ``node``'s kind,
        when it is the same for all of them, and the roles whose trust names some by name;
        roles in neither let none in."""
        kind = node.partition("/")[0]
        found = self._trust_groups.get(kind)
        if found is None:
            w = self.world
            by: dict[Decision, set[str]] = {}
            rest: set[str] = set()
            for role in w.names("role"):
                named = named_exactly(w.model.trusts[role], w.account_id)
                if not self._alike_for_own(role) or named:
                    rest.add(role)
                elif w.may_trust(role, node):
                    decision = self._trust(role, node).decision
                    if decision not in (Decision.DENY, Decision.IMPLICIT_DENY):
                        by.setdefault(decision, set()).add(role)
            found = self._trust_groups[kind] = (
                [(d, frozenset(r)) for d, r in sorted(by.items())], frozenset(rest))
        return found

    def _join_group(self, node: str, name: str, within: Set[str] | None = None
                    ) -> Iterator[Edge]:
        w = self.world
        groups = w.decide_targets(node, "ram:AddUserToGroup", "group", within=within)
        if not groups:
            return
        on_self = self.az.authorize(node, "ram:AddUserToGroup", w.arn("user", name))
        if not on_self.decision.grants:
            return
        for target in sorted(groups):
            if name in w.groups[target].members:
                continue
            edge = _edge(node, f"group/{target}", "join-group", [groups[target], on_self])
            if edge is not None:
                yield edge

    # --- self-grant -------------------------------------------------------------------

    def self_grant(self, node: str) -> list[Edge]:
        """``node``'s self-grant edges, in order (most nodes: no builder applies)."""
        builders = self._self_grants(node)
        if not builders:
            return []
        return [edge for build in builders if (edge := build(node)) is not None]

    def _self_grants(self, node: str) -> tuple[Callable[[str], Edge | None], ...]:
        """The self-grant builders, in order, whose first needed actions ``node`` is
        allowed (each checks them again): chosen once per set of allowed actions (nodes
        holding the same policies share one) and kind, not once per node."""
        allowed = self.az.allowed_actions(node)
        kind = node.partition("/")[0]
        found = self._gates.get((allowed, kind))
        if found is None:
            needs: tuple[tuple[Callable[[str], Edge | None], bool], ...] = (
                (self._attach_to_self, _ATTACH[kind].lower() in allowed),
                (self._attach_to_own_group, "ram:attachpolicytogroup" in allowed),
                (self._create_admin_policy, "ram:createpolicy" in allowed),
                (self._edit_own_policy, not allowed.isdisjoint(
                    {"ram:createpolicyversion", "ram:setdefaultpolicyversion"})),
                (self._create_role, {"ram:createrole", ASSUME_ROLE.lower()} <= allowed))
            found = self._gates[(allowed, kind)] = tuple(b for b, may in needs if may)
        return found

    def _own_targets(self, node: str) -> list[tuple[str, str]]:
        """(attach action, target ARN) pairs for A itself and, for a user, its groups."""
        kind, name = self._kind_name(node)
        pairs = [(_ATTACH[kind], self.world.arn(kind, name))]
        if kind == "user":
            pairs += [("ram:AttachPolicyToGroup", self.world.arn("group", g.name))
                      for g in self.world.groups_of(name)]
        return pairs

    def _attach_to_self(self, node: str) -> Edge | None:
        kind, name = self._kind_name(node)
        action, arn = _ATTACH[kind], self.world.arn(kind, name)  # _own_targets' first
        if not self.world.has_allow(node, action):
            return None
        auth = self.best_attach(node, action, arn)
        return _edge(node, ADMIN, "attach-admin-to-self", [auth]) if auth else None

    def _attach_to_own_group(self, node: str) -> Edge | None:
        if not self.world.has_allow(node, "ram:AttachPolicyToGroup"):
            return None
        found = [a for action, arn in self._own_targets(node)[1:]
                 if (a := self.best_attach(node, action, arn)) is not None]
        if not found:
            return None
        return _edge(node, ADMIN, "attach-admin-to-own-group", [best_of(found)])

    def _create_admin_policy(self, node: str) -> Edge | None:
        if not self.world.has_allow(node, "ram:CreatePolicy"):
            return None
        targets = [(a, arn) for a, arn in self._own_targets(node) if self.world.has_allow(node, a)]
        if not targets:
            return None
        best: Edge | None = None
        actions = ["ram:CreatePolicy", *(a for a, _ in targets)]
        for probe in self.az.probe_names(node, actions, POLICY_PROBE):
            create = self.az.authorize(node, "ram:CreatePolicy", probe)
            if not create.decision.grants:
                continue
            options = [self.az.authorize_attach(node, action, arn, probe)
                       for action, arn in targets]
            options = [o for o in options if o.decision.grants]
            if options:
                edge = _edge(node, ADMIN, "create-admin-policy", [create, best_of(options)])
                best = _better(best, edge)
        return best

    def _edit_own_policy(self, node: str) -> Edge | None:
        best: Edge | None = None
        actions = [(action, cap) for action, cap in (
            ("ram:CreatePolicyVersion", Decision.ALLOW),
            ("ram:SetDefaultPolicyVersion", Decision.CONDITIONAL),
        ) if self.world.has_allow(node, action)]
        if not actions:
            return None
        for holding in self.world.model.held_by(node):
            policy = holding.policy
            if policy.type != "Custom":
                continue
            for action, cap in actions:
                auth = self.az.authorize(node, action, policy.arn)
                note = () if cap is Decision.ALLOW else (
                    "older versions are not in the snapshot",)
                edge = _edge(node, ADMIN, "edit-own-policy", [auth], cap,
                             (f"{policy.name} is held {holding.how}", *note))
                if edge and (best is None or (edge.decision is Decision.ALLOW
                                              and best.decision is not Decision.ALLOW)):
                    best = edge
        return best

    def _create_role(self, node: str) -> Edge | None:
        w, az = self.world, self.az
        if not (w.has_allow(node, "ram:CreateRole") and w.has_allow(node, ASSUME_ROLE)):
            return None
        best: Edge | None = None
        actions = ("ram:CreateRole", "ram:AttachPolicyToRole", ASSUME_ROLE)
        for probe in az.probe_names(node, actions, ROLE_PROBE):
            create = az.authorize(node, "ram:CreateRole", probe, Context(ram_trust=True))
            assume = az.authorize(node, ASSUME_ROLE, probe)
            if not (create.decision.grants and assume.decision.grants):
                continue
            attach = self._attach_onto_probe(node, probe)
            if attach is not None:
                best = _better(best, _edge(node, ADMIN, "create-role", [create, attach, assume]))
            if best is not None and best.decision is Decision.ALLOW:
                break
        return best

    def _attach_onto_probe(self, node: str, role: Probe) -> Authorization | None:
        """``ram:AttachPolicyToRole`` on the new role and on an admin policy (or one A can
        create)."""
        az = self.az
        on_role = az.authorize(node, "ram:AttachPolicyToRole", role)
        if not on_role.decision.grants:
            return None
        best: Authorization | None = None
        policies: list[tuple[str | Probe, bool, Decision]] = [
            (a.arn, a.conditioned, Decision.ALLOW) for a in self.world.admin_policies]
        for probe in az.probe_names(node, ("ram:CreatePolicy", "ram:AttachPolicyToRole"),
                                    POLICY_PROBE, limit=4):
            create = az.authorize(node, "ram:CreatePolicy", probe)
            if create.decision.grants:
                policies.append((probe, False, create.decision))
        for policy, conditioned, created in policies:
            on_policy = az.authorize(node, "ram:AttachPolicyToRole", policy)
            parts = [on_role.decision, on_policy.decision, created]
            if on_policy.decision is Decision.IMPLICIT_DENY:
                parts[1] = Decision.CONDITIONAL
            if conditioned:
                parts.append(Decision.CONDITIONAL)
            decision = lowest(parts)
            auth = Authorization("ram:AttachPolicyToRole", f"{role} + {policy}", decision,
                                 on_role.evidence + on_policy.evidence)
            if best is None or (decision is Decision.ALLOW
                                and best.decision is not Decision.ALLOW):
                best = auth
        return best if best is not None and best.decision.grants else None
