"""``PolicyEngine``: the public face of the policy engine, one per snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.per_snapshot import per_snapshot
from auditor.policy.decisions import Authorization, Decision, EvidenceTexts, lowest
from auditor.policy.edges import ADMIN, FullAdmin, Node, Path, path_decision
from auditor.policy.escalation import build_escalation_graph
from auditor.policy.graph import Graph, build_graph
from auditor.policy.model import ParsedPolicy, Profile
from auditor.policy.paths import PathFinder, PathSummary
from auditor.policy.patterns import parse_arn
from auditor.policy.trust import ASSUME_ROLE, external_nodes, trust_decision
from auditor.policy.world import World
from auditor.snapshot import AccountSnapshot

PERMISSION_KINDS = ("user", "role", "group")
_ADMIN_ONLY = (ADMIN,)  # the goals of almost every _finder call


class UnknownPrincipal(KeyError):
    """A node id that names no principal of the snapshot."""


@dataclass(frozen=True)
class WhoCan:
    """One answer of :meth:`PolicyEngine.who_can`: a direct grant (``authorization``) or,
    with ``paths=True``, a path to ``admin`` or to a principal holding the grant."""

    node: str
    decision: Decision
    authorization: Authorization | None = None
    path: Path = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.node, "decision": self.decision.value}
        if self.authorization is not None:
            out["evidence"] = [e.to_dict() for e in self.authorization.evidence]
        else:
            out["path"] = [e.to_dict() for e in self.path]
        return out


class PolicyEngine:
    """Effective permissions, trust and escalation paths of one snapshot (offline).

    Build it with :meth:`from_snapshot` (cached per snapshot object). Node ids are those of
    spec §1: ``user/<name>``, ``role/<name>``, ``group/<name>``, ``root``,
    ``account/<id>``, ``service/<name>``, ``federated/<ARN>``, ``anyone``, ``admin``.
    """

    def __init__(self, snapshot: AccountSnapshot) -> None:
        self.snapshot = snapshot
        self.world = World(snapshot)
        self._known: dict[str, frozenset[str]] = {
            "user": frozenset(self.world.users), "role": frozenset(self.world.roles),
            "group": frozenset(self.world.groups),
        }
        self._graph: Graph | None = None
        self._escalation: Graph | None = None
        self._paths: PathFinder | None = None
        self._full_paths: PathFinder | None = None
        self._doubts: dict[tuple[Profile, str], tuple[str, ...]] = {}
        self._doubtless: bool | None = None
        #: the evidence texts of this engine's edges, for the checks and the report alike
        self.evidence_texts = EvidenceTexts()

    @classmethod
    def from_snapshot(cls, snapshot: AccountSnapshot) -> PolicyEngine:
        """The engine of ``snapshot``, built once per snapshot object."""
        return _engine_of(snapshot)

    # --- principals and policies --------------------------------------------------------

    def _check_principal(self, node_id: str) -> None:
        kind, _, name = node_id.partition("/")
        if name not in self._known.get(kind, frozenset()):
            raise UnknownPrincipal(node_id)

    def policy(self, name: str, policy_type: str = "Custom") -> ParsedPolicy | None:
        """The parsed policy (statements, or ``document.error`` when unreadable)."""
        return self.world.model.policies.get((policy_type, name))

    # --- requests ----------------------------------------------------------------------

    def authorize(self, node_id: str, action: str, resource: str = "*") -> Authorization:
        """The decision of §2 for a ``user/…``, ``role/…`` or ``group/…`` node.

        ``sts:AssumeRole`` on a role ARN of this account combines the identity grant with
        the role's trust (:meth:`can_assume`). Raises :class:`UnknownPrincipal`.
        """
        self._check_principal(node_id)
        arn = parse_arn(resource)
        if action.lower() == ASSUME_ROLE.lower() and arn is not None and not arn.is_any:
            role = self._own_role(resource)
            if role is not None:
                return self.can_assume(node_id, resource)
        return self.world.authorizer.authorize(node_id, action, resource)

    def _own_role(self, role_arn: str) -> str | None:
        arn = parse_arn(role_arn)
        if arn is None or arn.service != "ram" or arn.account != self.world.account_id:
            return None
        kind, _, name = arn.relative.partition("/")
        return name if kind == "role" and name in self.world.roles else None

    def can_assume(self, node_id: str, role_arn: str) -> Authorization:
        """Whether ``node_id`` (own principal or external node) can assume the role:
        ALLOW only when the identity grant (own principals) and the trust both allow."""
        name = self._own_role(role_arn)
        if name is None:
            return Authorization(ASSUME_ROLE, role_arn, Decision.IMPLICIT_DENY,
                                 notes=("no such role in this account",))
        trust = trust_decision(self.world.model.trusts[name], node_id, self.world.account_id)
        parts = [trust]
        if node_id.partition("/")[0] in PERMISSION_KINDS:
            self._check_principal(node_id)
            parts.insert(0, self.world.authorizer.authorize(node_id, ASSUME_ROLE, role_arn))
        decisions = [p.decision for p in parts]
        if Decision.DENY in decisions:
            decision = Decision.DENY
        elif self.world.roles[name].is_service_linked:
            decision = Decision.IMPLICIT_DENY
        else:
            decision = lowest(decisions)
        return Authorization(
            ASSUME_ROLE, role_arn, decision,
            tuple(e for p in parts for e in p.evidence),
            tuple(n for p in parts for n in p.notes),
        )

    def who_can(self, action: str, resource: str = "*", *, paths: bool = False
                ) -> list[WhoCan]:
        """Users and roles whose decision is ALLOW or CONDITIONAL (never groups); with
        ``paths``, also those with a path to ``admin`` or to one of them (the path given)."""
        found = []
        for node in self.world.sources():
            auth = self.authorize(node, action, resource)
            if auth.decision.grants:
                found.append(WhoCan(node, auth.decision, auth))
        if not paths:
            return found
        direct = {w.node for w in found}
        finder = self._finder(ADMIN, *direct)
        for node in self.world.sources():
            if node in direct:
                continue
            path = finder.shortest_to_any(node, {ADMIN, *direct})
            if path:
                found.append(WhoCan(node, path_decision(path), path=path))
        return found

    @property
    def doubtless(self) -> bool:
        """Whether :meth:`doubts` is empty for every node: no held policy is unreadable
        and no issue names a resource (most accounts). Checks then need not ask."""
        if self._doubtless is None:
            model = self.world.model
            self._doubtless = not self.world.has_gaps and all(
                h.policy.document.readable for held in model.holdings.values() for h in held)
        return self._doubtless

    def doubts(self, node_id: str) -> tuple[str, ...]:
        """Why the permissions of a user, role or group node may be incomplete: held policies
        that cannot be read, policies whose attachments could not be listed (they may be held
        by anyone), and, for a user, groups whose members could not be listed. Written once
        per profile (nodes holding the same policies alike) and kind: nothing else of the
        node counts."""
        self._check_principal(node_id)
        key = (self.world.model.profile(node_id), node_id.partition("/")[0])
        found = self._doubts.get(key)
        if found is None:
            found = self._doubts[key] = self._doubts_of(node_id)
        return found

    def _doubts_of(self, node_id: str) -> tuple[str, ...]:
        snapshot = self.snapshot
        found = [
            f"{h.policy.name} ({h.policy.type}, {h.how}): {h.policy.document.error}"
            for h in self.world.model.held_by(node_id)
            if not h.policy.document.readable
        ]
        if not self.world.has_gaps:
            return tuple(found)
        found += [
            f"the attachments of {p.name} ({p.type}) could not be listed "
            f"({snapshot.gaps(p)['attachments'].describe()})"
            for p in snapshot.policies if "attachments" in snapshot.gaps(p)
        ]
        if node_id.startswith("user/"):
            found += [
                f"the members of group {g.name} could not be listed "
                f"({snapshot.gaps(g)['members'].describe()})"
                for g in snapshot.groups
                if "members" in snapshot.gaps(g) and self.world.model.held_by(f"group/{g.name}")
            ]
        return tuple(found)

    def external_nodes(self) -> list[str]:
        """Every external node (``account/…``, ``anyone``, ``federated/…``, ``service/…``)
        named by an applicable Allow statement of some trust policy, edge or not."""
        found: set[str] = set()
        for trust in self.world.model.trusts.values():
            found.update(external_nodes(trust, self.world.account_id))
        return sorted(found)

    # --- graph ---------------------------------------------------------------------------

    def graph(self) -> Graph:
        """The principal graph, every edge (built on first use: for export and queries)."""
        if self._graph is None:
            self._graph = build_graph(self.world)
        return self._graph

    def escalation_graph(self) -> Graph:
        """The edges into ``admin`` and into every node with an edge path to it, in the
        order of :meth:`graph`, a broad grant's alike edges kept as one fan (see
        :mod:`auditor.policy.escalation`): enough for every question about paths to
        ``admin``, without the full graph's holder × target edges. The full graph itself
        when it is built already."""
        if self._escalation is None:
            self._escalation = (self._graph if self._graph is not None
                                else build_escalation_graph(self.world))
        return self._escalation

    def node(self, node_id: str) -> Node | None:
        return self.graph().nodes.get(node_id)

    @property
    def finder(self) -> PathFinder:
        """Paths to ``admin`` (on :meth:`escalation_graph`)."""
        if self._paths is None:
            self._paths = PathFinder(self.escalation_graph())
        return self._paths

    def _finder(self, *goals: str) -> PathFinder:
        """:attr:`finder` for paths to ``admin``; one on the full graph for other goals
        (tens of thousands of calls per run ask for ``admin``: no set is built for them)."""
        if goals == _ADMIN_ONLY or all(goal == ADMIN for goal in goals):
            return self.finder
        if self._full_paths is None:
            self._full_paths = PathFinder(self.graph())
        return self._full_paths

    def full_admins(self) -> list[FullAdmin]:
        """Users, roles and joinable groups that are full administrators (§3)."""
        return [
            FullAdmin(e.source, e.evidence, e.exceptions)
            for e in self.escalation_graph().into.get(ADMIN, ())
            if e.primitive == "full-admin" and e.decision is Decision.ALLOW
            and e.source != "root"
        ]

    def paths(self, source: str, to: str = ADMIN) -> list[Path]:
        """One shortest usable path per distinct (primitive, first target), shortest first.

        A principal that can make itself admin outright has no edges but that one, so its
        paths to another principal are not listed (it can act as anyone).
        """
        return self._finder(to).paths(source, to)

    def path_summary(self, source: str, limit: int | None = None, to: str = ADMIN
                     ) -> PathSummary:
        """:meth:`paths` with only the first ``limit`` built, the others counted (a grant
        on every user gives its holder one path per user who can become admin)."""
        return self._finder(to).summary(source, to, limit)

    def can_reach(self, source: str, to: str = ADMIN, *, unknown_as_allow: bool = False
                  ) -> bool:
        """Whether a usable path exists (``unknown_as_allow``: were unknown edges ALLOW)."""
        return self._finder(to).can_reach(source, to, unknown_as_allow=unknown_as_allow)


_engine_of = per_snapshot(PolicyEngine)
