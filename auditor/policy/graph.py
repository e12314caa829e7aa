"""The principal graph of one snapshot (spec §1, §3, §4): nodes, full administrators and
every primitive's edges, built once. The full graph holds every edge one by one; the
escalation graph (:mod:`auditor.policy.escalation`) keeps broad grants' edges as fans."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from auditor.policy.authorize import evidence
from auditor.policy.decisions import Authorization, Decision, Evidence, lowest
from auditor.policy.edges import ADMIN, ROOT, Edge, Fan, Node, node_kind
from auditor.policy.model import Holding, Statement
from auditor.policy.primitives import TAKE_OVER_ORDER, EdgeBuilder
from auditor.policy.trust import external_nodes, trust_decision
from auditor.policy.world import AdminParts, FullAdminParts, World

ATTACH_ACTIONS = ("ram:AttachPolicyToUser", "ram:AttachPolicyToRole", "ram:AttachPolicyToGroup")
_ATTACH_KEYS = frozenset(a.lower() for a in ATTACH_ACTIONS)  # indexed: see GRAPH_ACTIONS
#: A place among the edges into one node: see :meth:`Graph.take_over_place`.
Place = tuple[int, int]
_AFTER = 1 << 62


def _out_place(edge: Edge) -> tuple[int, int, str]:
    """One source's out-edges in build order: to ``admin`` (kept in their order), then
    take-over edges by primitive and target, then ``attach-admin-to-reachable``."""
    order = TAKE_OVER_ORDER.get(edge.primitive)
    if order is not None:
        return (1, order, edge.target)
    return (2 if edge.primitive == "attach-admin-to-reachable" else 0, 0, "")


@dataclass
class Graph:
    """Nodes by id, edges in build order, and adjacency in both directions.

    The escalation graph also holds :class:`Fan` values (the full graph none): each
    stands for one take-over grant's edges onto many alike targets, which are in neither
    :attr:`edges`, :attr:`out` nor :attr:`into`. :attr:`fans` are in build order with
    their place among the take-over edges into a target (``(rank of the source, primitive
    order)``, as :meth:`take_over_place` gives for an edge); :meth:`expanded_from` lists a
    node's out-edges with its fans' edges among them, as the full graph has them.
    """

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    out: dict[str, list[Edge]] = field(default_factory=dict)
    into: dict[str, list[Edge]] = field(default_factory=dict)
    fans: list[tuple[Place, Fan]] = field(default_factory=list)
    fans_out: dict[str, list[Fan]] = field(default_factory=dict)
    ranks: dict[str, int] = field(default_factory=dict)

    def add_fan(self, fan: Fan, rank: int) -> None:
        """Adds ``fan`` (after every fan added before it), its source ranked ``rank``."""
        self.add_node(fan.source)
        self.ranks[fan.source] = rank
        self.fans.append(((rank, TAKE_OVER_ORDER[fan.primitive]), fan))
        self.fans_out.setdefault(fan.source, []).append(fan)

    def take_over_place(self, edge: Edge) -> Place:
        """Where ``edge`` sits among the edges into its target: take-over edges by the
        source's rank, then primitive; the others (external nodes' edges) after them."""
        rank = self.ranks.get(edge.source)
        order = TAKE_OVER_ORDER.get(edge.primitive)
        if rank is None or order is None:
            return (_AFTER, 0)
        return (rank, order)

    def expanded_from(self, node_id: str) -> list[Edge]:
        """:meth:`edges_from` with the edges of ``node_id``'s fans among them, in the full
        graph's order (admin edges, take-over edges by primitive then target, the rest)."""
        edges = self.edges_from(node_id)
        fans = self.fans_out.get(node_id)
        if not fans:
            return edges
        every = [*edges, *(e for fan in fans for e in fan.edges())]
        return sorted(every, key=_out_place)

    def add_node(self, node_id: str, **flags: bool) -> None:
        if node_id not in self.nodes:
            self.nodes[node_id] = Node(node_id, node_kind(node_id), **flags)

    def add_edge(self, edge: Edge) -> None:
        self.add_node(edge.source)
        self.add_node(edge.target)
        self.edges.append(edge)
        self.out.setdefault(edge.source, []).append(edge)
        self.into.setdefault(edge.target, []).append(edge)

    def edges_from(self, node_id: str) -> list[Edge]:
        return self.out.get(node_id, [])

    def to_dict(self, *, only_escalation: bool = False) -> dict[str, Any]:
        """``{"nodes": [...], "edges": [...]}``; ``only_escalation`` keeps the edges on
        some usable path to ``admin`` and their nodes. For the full graph: the edges of
        fans (the escalation graph's) are not listed."""
        edges: Iterable[Edge] = self.edges
        if only_escalation:
            keep = reaches(self, ADMIN)
            edges = [e for e in self.edges if e.usable and e.source in keep and e.target in keep]
            ids = {n for e in edges for n in (e.source, e.target)}
            nodes = [n for n in self.nodes.values() if n.id in ids]
        else:
            nodes = list(self.nodes.values())
        return {"nodes": [n.to_dict() for n in nodes], "edges": [e.to_dict() for e in edges]}


ROOT_EDGE = Edge(ROOT, ADMIN, "full-admin", Decision.ALLOW,
                 notes=("the account root can do everything",))


def external_edges(world: World) -> Iterator[Edge]:
    """``account/…``, ``anyone``, ``federated/…`` and ``service/…`` onto the roles whose
    trust may let them in (ALLOW, CONDITIONAL or UNKNOWN), by role, then node."""
    for name in sorted(world.roles):
        trust = world.model.trusts[name]
        if trust.service_linked:
            continue
        for node in sorted(set(external_nodes(trust, world.account_id))):
            decision = trust_decision(trust, node, world.account_id)
            if decision.decision.grants or decision.decision is Decision.UNKNOWN:
                yield Edge(node, f"role/{name}", "assume-role", decision.decision, (decision,))


def reaches(graph: Graph, goal: str) -> set[str]:
    """Nodes with a usable path to ``goal`` (``goal`` included)."""
    seen = {goal}
    queue = deque([goal])
    while queue:
        for edge in graph.into.get(queue.popleft(), ()):
            if edge.usable and edge.source not in seen:
                seen.add(edge.source)
                queue.append(edge.source)
    return seen


def _admin_statements(world: World, holding: Holding) -> AdminParts:
    """(admin Allows, disqualifying Denies, other Denies) of a held policy, once per policy."""
    key = holding.policy.key
    found = world.admin_parts.get(key)
    if found is None:
        grants: list[Statement] = []
        disqualifying: list[Statement] = []
        exceptions: list[Statement] = []
        for stmt in holding.policy.document.statements:
            every = (stmt.action is not None and stmt.action.every_action
                     and stmt.resource is not None and any(p.every_arn for p in stmt.resource))
            if stmt.allows:
                if every and not stmt.conditioned:
                    grants.append(stmt)
            elif every and not stmt.conditioned:
                disqualifying.append(stmt)
            else:
                exceptions.append(stmt)
        found = world.admin_parts[key] = (tuple(grants), tuple(disqualifying), tuple(exceptions))
    return found


def _held_admin(world: World, holding: Holding
                ) -> tuple[tuple[Evidence, ...], tuple[Evidence, ...]] | None:
    """The evidence of a (readable) holding's admin Allows and of its exceptions, or
    None when it disqualifies its holder: once per holding (one object per policy and
    way of holding it, shared by every node holding it so)."""
    key = id(holding)  # the model keeps every holding alive
    if key not in world.held_admin:
        allows, disqualifying, others = _admin_statements(world, holding)
        world.held_admin[key] = None if disqualifying else (
            tuple(evidence(holding, s) for s in allows),
            tuple(evidence(holding, s, "exception") for s in others))
    return world.held_admin[key]


def full_admin_edge(world: World, node: str) -> Edge | None:
    """``node → admin`` (full-admin) when it is a full administrator; an UNKNOWN edge when
    it is not provably one but holds an unreadable policy (§3)."""
    profile = world.model.profile(node)
    if profile not in world.full_admin:
        world.full_admin[profile] = _full_admin(world, node)  # decided once per profile
    found = world.full_admin[profile]
    if found is None:
        return None
    auth, notes, exceptions = found
    return Edge(node, ADMIN, "full-admin", auth.decision, (auth,), notes, exceptions=exceptions)


def _full_admin(world: World, node: str) -> FullAdminParts | None:
    """The authorization, notes and exceptions of :func:`full_admin_edge` (they depend on
    ``node``'s holdings alone)."""
    grants: list[Evidence] = []
    exceptions: list[Evidence] = []
    unreadable: list[str] = []
    for holding in world.model.held_by(node):
        document = holding.policy.document
        if not document.readable:
            unreadable.append(f"{holding.policy.name} ({holding.policy.type}, {holding.how}) "
                              f"cannot be read: {document.error}")
            continue
        held = _held_admin(world, holding)
        if held is None:
            return None
        grants += held[0]
        exceptions += held[1]
    if grants:
        return (Authorization("*", "*", Decision.ALLOW, tuple(grants)), tuple(unreadable),
                tuple(exceptions))
    if unreadable:
        notes = tuple(unreadable)
        return Authorization("*", "*", Decision.UNKNOWN, notes=notes), notes, ()
    return None


def add_principal_nodes(graph: Graph, world: World) -> None:
    """``admin``, ``root``, and every user (frozen flagged) and role (service-linked
    flagged): the nodes of both the full and the escalation graph."""
    graph.add_node(ADMIN)
    graph.add_node(ROOT)
    nodes = graph.nodes  # each principal's Node made here (as add_node would), once
    for user in world.snapshot.users:
        node_id = f"user/{user.name}"
        if node_id not in nodes:
            nodes[node_id] = Node(node_id, "user", user.frozen, False)
    for role in world.snapshot.roles:
        node_id = f"role/{role.name}"
        if node_id not in nodes:
            nodes[node_id] = Node(node_id, "role", False, role.is_service_linked)


class GraphBuilder:
    """Builds the :class:`Graph` of one :class:`World`."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.edges = EdgeBuilder(world)
        self.graph = Graph()
        self.admins: set[str] = set()

    def build(self) -> Graph:
        w, g = self.world, self.graph
        add_principal_nodes(g, w)
        g.add_edge(ROOT_EDGE)
        for source in w.sources():
            self._principal(source, take_over=True)
        joined = sorted({e.target for e in g.edges if e.primitive == "join-group"})
        for group in joined:
            self._principal(group, take_over=True)
        for edge in external_edges(w):
            g.add_edge(edge)
        self._attach_to_reachable([*w.sources(), *joined])
        return g

    def _principal(self, node: str, *, take_over: bool) -> None:
        for edge in self._admin_edges(node):
            self.graph.add_edge(edge)
        if take_over and node not in self.admins:
            for edge in self.edges.take_over(node):
                self.graph.add_edge(edge)

    def _admin_edges(self, node: str) -> list[Edge]:
        """``node``'s edges to ``admin`` (full-admin, then self-grants); records it in
        :attr:`admins` when one is ALLOW (its take-over edges would then add nothing)."""
        full = full_admin_edge(self.world, node)
        if full is not None and full.decision is Decision.ALLOW:
            self.admins.add(node)
            return [full]  # it can already do everything: its other edges add nothing
        found = [] if full is None else [full]
        grants = self.edges.self_grant(node)
        if not grants:
            return found  # most nodes
        if any(e.decision is Decision.ALLOW for e in grants):
            self.admins.add(node)  # it can make itself admin
        return found + grants

    def _may_attach(self, node: str) -> bool:
        """Whether ``node`` holds some Allow of an attach action (``World.has_allow`` of
        each, as one test of its allowed actions)."""
        return not self.world.authorizer.allowed_actions(node).isdisjoint(_ATTACH_KEYS)

    def _attach_to_reachable(self, sources: list[str]) -> None:
        for source in sources:
            if source in self.admins or not self._may_attach(source):
                continue
            edge = self._reachable_edge(source)
            if edge is not None:
                self.graph.add_edge(edge)

    def _forward(self, node: str) -> Iterable[Edge]:
        """``node``'s out-edges in the graph (the BFS skips those to ``admin``)."""
        return self.graph.edges_from(node)

    def _bfs(self, source: str, parents: dict[str, Edge | None]) -> Iterator[str]:
        """Nodes reachable from ``source`` without ``admin``, nearest first, as found
        (``parents`` gets each one's edge as it is yielded)."""
        parents[source] = None
        queue = deque([source])
        yield source
        while queue:
            for edge in self._forward(queue.popleft()):
                if edge.usable and edge.target != ADMIN and edge.target not in parents:
                    parents[edge.target] = edge
                    queue.append(edge.target)
                    yield edge.target

    def _reachable_edge(self, source: str) -> Edge | None:
        w, builder = self.world, self.edges
        cands = {(action, kind): w.candidates(source, action, kind) for action, kind in (
            ("ram:AttachPolicyToUser", "user"), ("ram:AttachPolicyToRole", "role"),
            ("ram:AttachPolicyToGroup", "group"))}
        if not any(cands.values()):
            return None  # no principal it may attach to: no need to walk
        parents: dict[str, Edge | None] = {}
        best: Edge | None = None
        for node in self._bfs(source, parents):  # BFS order: nearest first
            kind, _, name = node.partition("/")
            if node == source or node in self.admins or kind not in ("user", "role"):
                continue
            if kind == "user" and name not in w.live_users:
                continue
            options = [(f"ram:AttachPolicyTo{kind.title()}", kind, name)]
            if kind == "user":
                options += [("ram:AttachPolicyToGroup", "group", g.name)
                            for g in w.groups_of(name)]
            for action, target_kind, target in options:
                if target not in cands[(action, target_kind)]:
                    continue
                auth = builder.best_attach(source, action, w.arn(target_kind, target))
                if auth is None:
                    continue
                path = _path_to(parents, node)
                decision = lowest([auth.decision, *(e.decision for e in path)])
                edge = Edge(source, ADMIN, "attach-admin-to-reachable", decision, (auth,),
                            (f"attaches an admin policy to {target_kind}/{target}",), path)
                if best is None or (decision is Decision.ALLOW
                                    and best.decision is not Decision.ALLOW):
                    best = edge
                if best.decision is Decision.ALLOW:
                    return best
        return best


def _path_to(parents: dict[str, Edge | None], node: str) -> tuple[Edge, ...]:
    path: list[Edge] = []
    edge = parents[node]
    while edge is not None:
        path.append(edge)
        edge = parents[edge.source]
    return tuple(reversed(path))


def build_graph(world: World) -> Graph:
    return GraphBuilder(world).build()
