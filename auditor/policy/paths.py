"""Shortest paths in the principal graph (spec §3): one shortest path per distinct
(primitive, first target) of a source. Unknown edges never form reported paths.

The searches run backwards from the goal over the graph's edges and its fans (see
:class:`~auditor.policy.graph.Graph`): a fan's edge is built only for a source the search
reaches through it. A source's paths are summarised (:class:`PathSummary`): the shortest
few are built, the others counted. A fan's targets are counted with set operations on the
search's shortest-path tree, so a grant onto every user costs a few set operations, not
one path per user.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from auditor.policy.decisions import Decision, Evidence
from auditor.policy.edges import ADMIN, Edge, Fan, Path, path_decision
from auditor.policy.graph import Graph, Place

#: Where a path sorts among a source's paths: shortest first, then by first hop.
Order = tuple[int, str, str]


def _walkable(edge: Edge | Fan, unknown_as_allow: bool) -> bool:
    return edge.usable or (unknown_as_allow and edge.decision is Decision.UNKNOWN)


@dataclass(frozen=True)
class PathSummary:
    """A source's paths to a goal: the ``shown`` shortest (all of them without a limit),
    how many there are, whether one is ALLOW at every hop, and ``grants``: the evidence of
    every path's first hop, each once, in path order (what to remove to cut them)."""

    shown: tuple[Path, ...]
    total: int
    allow: bool
    grants: tuple[Evidence, ...]
    #: One object for the summaries of alike sources (see :meth:`PathFinder._alike_key`),
    #: equal but for the source of their first hops; None for the others. Their messages
    #: and views can be written once but for the source.
    alike: object = field(default=None, compare=False)


class _Tree:
    """One backward search's shortest-path tree: each node's distance to the goal, whether
    its path is ALLOW at every hop, and the names of each kind by distance."""

    def __init__(self, goal: str, toward: dict[str, Edge]) -> None:
        self.goal = goal
        self.toward = toward
        self.depth = {goal: 0}
        self.allow = {goal: True}
        self.reach: dict[str, set[str]] = {}
        self.allowed: dict[str, set[str]] = {}
        self.levels: dict[str, dict[int, set[str]]] = {}
        self._sorted: dict[tuple[str, int], list[str]] = {}
        self._children: dict[str, list[str]] | None = None
        self._add(goal)
        for node, edge in toward.items():  # found nearest first: its next hop is known
            self.depth[node] = self.depth[edge.target] + 1
            self.allow[node] = edge.decision is Decision.ALLOW and self.allow[edge.target]
            self._add(node)

    def _add(self, node: str) -> None:
        kind, _, name = node.partition("/")
        self.reach.setdefault(kind, set()).add(name)
        if self.allow[node]:
            self.allowed.setdefault(kind, set()).add(name)
        self.levels.setdefault(kind, {}).setdefault(self.depth[node], set()).add(name)

    def chain(self, node: str) -> list[Edge]:
        """The path from ``node`` to the goal along the tree."""
        hops = []
        while node != self.goal:
            hop = self.toward[node]
            hops.append(hop)
            node = hop.target
        return hops

    def below(self, node: str) -> dict[str, set[str]]:
        """The names, by kind, of the nodes whose path runs through ``node``."""
        if self._children is None:
            self._children = {}
            for child, edge in self.toward.items():
                self._children.setdefault(edge.target, []).append(child)
        found: dict[str, set[str]] = {}
        stack = list(self._children.get(node, ()))
        while stack:
            child = stack.pop()
            kind, _, name = child.partition("/")
            found.setdefault(kind, set()).add(name)
            stack.extend(self._children.get(child, ()))
        return found

    def nearest(self, kind: str, names: AbstractSet[str], limit: int | None) -> list[str]:
        """``names`` (all reaching the goal) nearest first, then by name; the first
        ``limit``."""
        found: list[str] = []
        for depth, level in sorted(self.levels.get(kind, {}).items()):
            if limit is None:
                found += sorted(names & level)
                continue
            need = limit - len(found)
            if need <= 0:
                break
            # ``names`` is dense in the level (a grant on every user): its first names do
            ordered = self._sorted_level(kind, depth)
            first = _first(ordered[:_SCAN * need], names, need)
            if len(first) < need and len(ordered) > _SCAN * need:
                first = sorted(names & level)[:need]
            found += first
        return found

    def _sorted_level(self, kind: str, depth: int) -> list[str]:
        key = (kind, depth)
        found = self._sorted.get(key)
        if found is None:
            found = self._sorted[key] = sorted(self.levels[kind][depth])
        return found


#: How far :meth:`_Tree.nearest` reads a level in order before it sorts the names found
#: there instead (per name wanted).
_SCAN = 16


def _first(ordered: list[str], among: AbstractSet[str], count: int) -> list[str]:
    found: list[str] = []
    for name in ordered:
        if name in among:
            found.append(name)
            if len(found) == count:
                break
    return found


_NO_PATHS = PathSummary((), 0, False, ())
_EMPTY: frozenset[str] = frozenset()


def _from(source: str, edge: Edge) -> Edge:
    """``edge`` from ``source`` instead (an edge with no ``via`` or ``exceptions``)."""
    return Edge(source, edge.target, edge.primitive, edge.decision, edge.authorizations,
                edge.notes)


def _primitive(edge: Edge) -> str:
    return edge.primitive


def _distinct(evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    """``evidence`` each once, in order (repeated objects dropped first, cheaply)."""
    once = {id(ev): ev for ev in evidence}
    return tuple(dict.fromkeys(once.values()))


#: The fewest paths a summary builds (see :meth:`PathFinder.summary`): the report's
#: ``escalation`` section keeps this many per principal, the checks' messages fewer, so
#: both read one summary.
BUILT_PATHS = 10


def _covers(built: int | None, limit: int | None) -> bool:
    """Whether a summary built with limit ``built`` holds the first ``limit`` paths."""
    return built is None or (limit is not None and limit <= built)


@dataclass
class _Opening:
    """What a source's paths are before any is built (see :meth:`PathFinder._open`)."""

    paths: list[tuple[Order, Path]] = field(default_factory=list)
    fans: list[tuple[Fan, AbstractSet[str]]] = field(default_factory=list)
    total: int = 0
    allow: bool = False
    grants: tuple[Evidence, ...] = ()


class _FanIndex:
    """A graph's fans grouped by their targets (many holders of one grant have fans onto
    the same names), and for each target node the groups that hold it."""

    def __init__(self, fans: list[tuple[Place, Fan]]) -> None:
        by_targets: dict[tuple[str, frozenset[str]], list[tuple[Place, Fan]]] = {}
        for place, fan in fans:
            by_targets.setdefault((fan.kind, fan.names), []).append((place, fan))
        self.groups = list(by_targets.values())
        self.onto: dict[str, list[int]] = {}
        for i, (kind, names) in enumerate(by_targets):
            for name in names:
                self.onto.setdefault(f"{kind}/{name}", []).append(i)


class PathFinder:
    """Answers path questions on one graph; the backwards search per goal is cached."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._toward: dict[tuple[str, bool], dict[str, Edge]] = {}
        self._any: dict[tuple[frozenset[str], bool], dict[str, Edge]] = {}
        self._trees: dict[str, _Tree] = {}
        #: per (source, goal): the limit built (None: every path) and the summary
        self._summaries: dict[tuple[str, str], tuple[int | None, PathSummary]] = {}
        self._fans: _FanIndex | None = None
        self._unknown: bool | None = None
        self._openings: dict[tuple[str, str], _Opening] = {}
        self._fan_edges: dict[tuple[int, str], Edge] = {}  # the graph keeps its fans alive
        self._firsts: dict[tuple[object, ...], list[tuple[Order, tuple[Evidence, ...]]]] = {}
        #: per class of alike sources (see :meth:`_alike_key`): one source's fans (they
        #: keep the evidence whose ids the key holds alive) and summary
        self._alike: dict[tuple[object, ...], tuple[tuple[Fan, ...], PathSummary]] = {}
        #: :func:`_distinct` of an edge's evidence tuple, by its id (the tuple kept alive)
        self._grants: dict[int, tuple[tuple[Evidence, ...], tuple[Evidence, ...]]] = {}

    def toward(self, goal: str, *, unknown_as_allow: bool = False) -> dict[str, Edge]:
        """For every node with a path to ``goal``: the first edge of one shortest path
        (nearest nodes first)."""
        if unknown_as_allow and not self._has_unknown():
            unknown_as_allow = False  # the same search: share it
        key = (goal, unknown_as_allow)
        found = self._toward.get(key)
        if found is None:
            found = self._toward[key] = self._backwards({goal}, unknown_as_allow)
        return found

    def _has_unknown(self) -> bool:
        """Whether some edge or fan of the graph is UNKNOWN (most accounts: none)."""
        if self._unknown is None:
            self._unknown = any(e.decision is Decision.UNKNOWN for e in self.graph.edges) or any(
                fan.decision is Decision.UNKNOWN for _, fan in self.graph.fans)
        return self._unknown

    def _backwards(self, goals: set[str], unknown_as_allow: bool) -> dict[str, Edge]:
        found: dict[str, Edge] = {}
        seen = set(goals)
        queue = deque(sorted(goals))
        fans = self._fan_index()
        groups = [[pf for pf in group if _walkable(pf[1], unknown_as_allow)]
                  for group in fans.groups]
        while queue:
            node = queue.popleft()
            into: Iterable[Edge | Fan] = self.graph.into.get(node, ())
            here: list[tuple[Place, Fan]] = []
            for i in fans.onto.get(node, ()):
                groups[i] = [pf for pf in groups[i] if pf[1].source not in seen]
                here += groups[i]
            if here:
                into = self._merged(self.graph.into.get(node, []), here)
            for item in into:
                if item.source in seen or not _walkable(item, unknown_as_allow):
                    continue
                seen.add(item.source)
                found[item.source] = (self._fan_edge(item, node.partition("/")[2])
                                      if isinstance(item, Fan) else item)
                queue.append(item.source)
        return found

    def _merged(self, edges: list[Edge], fans: list[tuple[Place, Fan]]) -> list[Edge | Fan]:
        """The edges into one node and the fans onto it, in the full graph's order."""
        placed: list[tuple[Place, Edge | Fan]] = [
            (self.graph.take_over_place(e), e) for e in edges]
        placed += fans
        placed.sort(key=lambda pe: pe[0])  # stable: no edge shares a fan's place, and the
        # edges of external nodes (all placed last) keep their order
        return [item for _, item in placed]

    def _fan_index(self) -> _FanIndex:
        if self._fans is None:
            self._fans = _FanIndex(self.graph.fans)
        return self._fans

    def shortest_to_any(self, source: str, goals: set[str]) -> Path:
        """One shortest usable path from ``source`` to any of ``goals`` (empty: none)."""
        key = (frozenset(goals), False)
        toward = self._any.get(key)
        if toward is None:
            toward = self._any[key] = self._backwards(goals, False)
        path: list[Edge] = []
        node = source
        while node not in goals and node in toward:
            path.append(toward[node])
            node = toward[node].target
        return tuple(path) if node in goals else ()

    def can_reach(self, source: str, goal: str = ADMIN, *, unknown_as_allow: bool = False
                  ) -> bool:
        """A path exists (``unknown_as_allow``: if every unknown edge were ALLOW)."""
        return source == goal or source in self.toward(goal, unknown_as_allow=unknown_as_allow)

    def paths(self, source: str, goal: str = ADMIN) -> list[Path]:
        """One shortest path per distinct (primitive, first target), shortest first, then
        by primitive and first target."""
        return list(self.summary(source, goal).shown)

    def summary(self, source: str, goal: str = ADMIN, limit: int | None = None
                ) -> PathSummary:
        """:meth:`paths` summarised: the first ``limit`` built (all without a limit), the
        others counted. Computed once per source and goal, with at least
        :data:`BUILT_PATHS` paths built: a smaller limit asked later (or before: the
        checks' messages show 3 paths, the report 10) is a slice of it."""
        if source not in self.graph.out and source not in self.graph.fans_out:
            return _NO_PATHS  # most sources: nothing to build
        key = (source, goal)
        found = self._summaries.get(key)
        if found is None or not _covers(found[0], limit):
            built = None if limit is None else max(limit, BUILT_PATHS)
            found = self._summaries[key] = (built, self._summary_of(source, goal, built))
        summary = found[1]
        if limit is None or len(summary.shown) <= limit:
            return summary
        return PathSummary(summary.shown[:limit], summary.total, summary.allow, summary.grants,
                           summary.alike)

    def _tree(self, goal: str) -> _Tree:
        found = self._trees.get(goal)
        if found is None:
            found = self._trees[goal] = _Tree(goal, self.toward(goal))
        return found

    def _opening(self, source: str, goal: str) -> _Opening:
        key = (source, goal)
        found = self._openings.get(key)
        if found is None:
            found = self._openings[key] = self._open(source, goal)
        return found

    def _open(self, source: str, goal: str) -> _Opening:
        """``source``'s paths through its edges, its fans' targets that open a path, and
        what all of them tell together."""
        opening = _Opening()
        firsts: list[tuple[Order, tuple[Evidence, ...]]] = []
        for path in self._edge_paths(source, goal):
            first = path[0]
            at = (len(path), first.primitive, first.target)
            opening.paths.append((at, path))
            firsts.append((at, first.evidence))
            opening.total += 1
            opening.allow = opening.allow or path_decision(path) is Decision.ALLOW
        fans = self.graph.fans_out.get(source, ())
        tree = self._tree(goal)
        under = tree.below(source) if fans else {}  # one walk of the tree for all its fans
        for fan in fans:
            if not fan.usable:
                continue
            below = under.get(fan.kind, set())
            names: AbstractSet[str] = (fan.names & tree.reach.get(fan.kind, set())) - below
            if not names:
                continue
            if len(names) == len(fan.names):
                names = fan.names  # all of them (a fan holds no one twice): keep one set
            opening.fans.append((fan, names))
            opening.total += len(names)
            opening.allow = opening.allow or (
                fan.decision is Decision.ALLOW
                and not names.isdisjoint(tree.allowed.get(fan.kind, ())))
            if fan.evidence is None:  # its edges share their evidence: the first path's
                name = tree.nearest(fan.kind, names, 1)[0]
                firsts.append((self._order(tree, fan, name), self._fan_edge(fan, name).evidence))
            else:  # the grant's evidence first, then each target's, in path order
                ordered = self._fan_firsts(tree, fan, names)
                firsts.append((ordered[0][0], fan.shared))
                firsts += ordered
        firsts.sort(key=lambda oe: oe[0])
        # a fan's grant is one object in each of its firsts: drop repeats cheaply first
        opening.grants = _distinct(ev for _, evs in firsts for ev in evs)
        return opening

    def _fan_firsts(self, tree: _Tree, fan: Fan, names: AbstractSet[str]
                    ) -> list[tuple[Order, tuple[Evidence, ...]]]:
        """Where the path through each of ``names`` sorts, and its first hop's own
        evidence (but the grant's), nearest first: alike for the fans of one primitive
        onto one target set with one evidence function (the holders of one grant), so
        built once for all of them."""
        assert fan.evidence is not None
        key = (tree.goal, fan.primitive, fan.kind, frozenset(names), fan.evidence)
        found = self._firsts.get(key)
        if found is None:
            found = self._firsts[key] = [(self._order(tree, fan, name), fan.evidence(name))
                                         for name in tree.nearest(fan.kind, names, None)]
        return found

    @staticmethod
    def _order(tree: _Tree, fan: Fan, name: str) -> Order:
        node = f"{fan.kind}/{name}"
        return (tree.depth[node] + 1, fan.primitive, node)

    def _summary_of(self, source: str, goal: str, limit: int | None) -> PathSummary:
        """:meth:`_summarise`, or the summary of an alike source (see :meth:`_alike_key`)
        with ``source`` put in its first hops."""
        edges = self._direct_edges(source, goal)
        if edges is not None:
            return self._direct(edges, limit)
        key = self._alike_key(source, goal, limit)
        if key is None:
            return self._summarise(source, goal, limit)
        alike = self._alike.get(key)
        if alike is None:
            found = self._summarise(source, goal, limit)
            if all(not p[0].via and not p[0].exceptions for p in found.shown):
                found = PathSummary(found.shown, found.total, found.allow, found.grants,
                                    object())
                self._alike[key] = (tuple(self.graph.fans_out[source]), found)
            return found
        found = alike[1]
        return PathSummary(tuple((_from(source, p[0]), *p[1:]) for p in found.shown),
                           found.total, found.allow, found.grants, found.alike)

    def _direct_edges(self, source: str, goal: str) -> list[Edge] | None:
        """``source``'s edges when it has no fan and all go to ``goal`` (see
        :meth:`_direct`), else None."""
        edges = self.graph.out.get(source)
        if not edges or source in self.graph.fans_out or any(
                e.target != goal for e in edges):
            return None
        return edges

    def _direct(self, edges: list[Edge], limit: int | None) -> PathSummary:
        """The summary of a source whose edges all go to the goal and that has no fan (one
        that can make itself admin: 2,300 at 10,000 users): what :meth:`_summarise` gives,
        each usable edge a path (the first per primitive; ``(1, primitive, goal)`` orders
        them), without its general walk."""
        firsts: dict[str, Edge] = {}
        for edge in sorted(edges, key=_primitive) if len(edges) > 1 else edges:
            if edge.usable and edge.primitive not in firsts:
                firsts[edge.primitive] = edge
        paths = tuple((edge,) for edge in firsts.values())
        if len(paths) == 1 and len(paths[0][0].authorizations) == 1:
            # most: one edge of one authorization, whose evidence tuple (not a new one per
            # call, see Edge.evidence) alike sources share
            evidence = paths[0][0].authorizations[0].evidence
            found = self._grants.get(id(evidence))
            if found is None:
                found = self._grants[id(evidence)] = (evidence, _distinct(evidence))
            grants = found[1]
        else:
            grants = _distinct([ev for edge in firsts.values() for ev in edge.evidence])
        return PathSummary(paths if limit is None else paths[:limit], len(paths),
                           any(edge.decision is Decision.ALLOW for edge in firsts.values()),
                           grants)

    def _alike_key(self, source: str, goal: str, limit: int | None
                   ) -> tuple[object, ...] | None:
        """What ``source``'s summary is a function of, besides its name in the first hops,
        when its paths all start with a fan of roles by trust (an assume-role fan): None
        for other sources.

        Such a source has no edge of its own, and no fan target's path to the goal runs
        through it (``below`` it). Its paths are then: for each fan, its targets that reach
        the goal (``names & reach``), each along the tree (which does not pass through the
        source), their count, order and first hops' evidence; all read the fan's
        primitive, kind, names, decision, grant evidence (``shared``: the same objects,
        one per holding and statement) and trust evidence function (one per kind of
        source: the roles' trust decides alike for each own principal of that kind, and
        one :class:`Authorization` per role and kind is given). So is the first hop
        itself, but its source: ``Edge(source, role, "assume-role", decision, (grant,
        trust))`` (``_fan_assume_edge``), whose grant is the uniform grant's ``(action,
        role ARN, decision, shared)``. Two sources with one key thus have equal summaries
        but for that source (see the tests)."""
        if self.graph.out.get(source):
            return None
        fans = self.graph.fans_out.get(source, ())
        if not fans or any(fan.evidence is None or fan.primitive != "assume-role"
                           for fan in fans):
            return None
        under = self._tree(goal).below(source)
        if under and any(not under.get(fan.kind, _EMPTY).isdisjoint(fan.names)
                         for fan in fans):
            return None
        return (goal, limit, source.partition("/")[0], *(
            (fan.primitive, fan.kind, fan.names, fan.decision, tuple(map(id, fan.shared)),
             fan.evidence) for fan in fans))

    def _summarise(self, source: str, goal: str, limit: int | None) -> PathSummary:
        opening = self._opening(source, goal)
        ordered: list[tuple[Order, Path, tuple[Fan, str] | None]] = [
            (at, path, None) for at, path in opening.paths]
        for fan, names in opening.fans:
            tree = self._tree(goal)
            ordered += [(self._order(tree, fan, name), (), (fan, name))
                        for name in tree.nearest(fan.kind, names, limit)]
        ordered.sort(key=lambda op: op[0])
        shown = ordered if limit is None else ordered[:limit]
        paths = tuple(path if onto is None else self._through(goal, *onto)
                      for _, path, onto in shown)
        return PathSummary(paths, opening.total, opening.allow, opening.grants)

    def _through(self, goal: str, fan: Fan, name: str) -> Path:
        """The path through ``fan``'s edge onto ``name``, then along the tree."""
        return (self._fan_edge(fan, name), *self._tree(goal).chain(f"{fan.kind}/{name}"))

    def _fan_edge(self, fan: Fan, name: str) -> Edge:
        """``fan``'s edge onto ``name``, built once."""
        key = (id(fan), name)
        found = self._fan_edges.get(key)
        if found is None:
            found = self._fan_edges[key] = fan.edge(name)
        return found

    def _edge_paths(self, source: str, goal: str) -> Iterable[Path]:
        """The paths whose first hop is one of ``source``'s edges (not of its fans): one
        per distinct (primitive, first target), by first hop."""
        toward = self.toward(goal)
        seen: set[tuple[str, str]] = set()
        for first in sorted(self.graph.edges_from(source),
                            key=lambda e: (e.primitive, e.target)):
            key = (first.primitive, first.target)
            if not first.usable or key in seen:
                continue
            seen.add(key)
            path = [first]
            visited = {source, first.target}
            node = first.target
            while node != goal and node in toward:
                hop = toward[node]
                if hop.target in visited:
                    break
                path.append(hop)
                visited.add(hop.target)
                node = hop.target
            if node == goal:
                yield tuple(path)
