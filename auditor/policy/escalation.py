"""The escalation graph: the part of the principal graph that paths to ``admin`` use.

A path to ``admin`` (usable, or usable were unknown edges ALLOW) only takes edges whose
target can itself reach ``admin``. The full graph binds one take-over edge to each
(holder, target) of a broad grant (``ram:CreateAccessKey`` on ``user/*``), so it grows with
holders × targets; this graph is searched backwards from ``admin`` instead: each round asks
the take-over holders only for edges onto the targets found in the round before.

Its edges are exactly the full graph's edges into ``admin`` and into the nodes with any
edge path to it (every edge is usable or unknown), in the full graph's order, so the path
searches of :class:`~auditor.policy.paths.PathFinder` toward ``admin`` give identical
answers on either graph. One representation differs: the edges of a uniform credential
grant onto alike users (:meth:`~auditor.policy.primitives.EdgeBuilder.take_over_fans`) are
kept as :class:`~auditor.policy.edges.Fan` values, one per grant, decision and round, each
placed where its edges would be (:attr:`Graph.fans`); a path search builds the edge onto a
fan's target only when a path takes it, so the graph grows with holders + targets.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from auditor.policy.edges import ADMIN, Edge, Fan
from auditor.policy.graph import (
    ROOT_EDGE,
    Graph,
    GraphBuilder,
    add_principal_nodes,
    external_edges,
)
from auditor.policy.primitives import TAKE_OVER_ORDER
from auditor.policy.world import World

#: Sort key reproducing the full graph's build order (see :meth:`GraphBuilder.build`).
Key = tuple[int | str, ...]
#: The fan keys sort before the edges of the same source and primitive: any place does,
#: fans are kept apart from the edges (see :class:`Graph`).
_FAN = ""


class _Lazy:
    """The items of an iterator, computed as far as some reader has got, shared by all."""

    def __init__(self, items: Iterator[Edge]) -> None:
        self._items = items
        self.seen: list[Edge] = []
        self.done = False

    def __iter__(self) -> Iterator[Edge]:
        i = 0
        while True:
            if i < len(self.seen):
                yield self.seen[i]
                i += 1
                continue
            if self.done:
                return
            item = next(self._items, None)
            if item is None:
                self.done = True
                return
            self.seen.append(item)


class EscalationGraphBuilder(GraphBuilder):
    """Builds the escalation graph of one world (see the module docstring)."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._out: dict[str, _Lazy] = {}
        self._rank: dict[str, int] = {}
        self._keyed: list[tuple[Key, Edge]] = []
        self._fans: list[tuple[Key, Fan]] = []

    def build(self) -> Graph:
        w = self.world
        self._keyed.append(((-1,), ROOT_EDGE))
        sources = list(w.sources())
        for node in sources:
            self._head(node)
        takers = [n for n in sources if self._takes_over(n)]  # only _head adds admins
        groups = {"group": frozenset(w.groups)}
        joined = sorted({e.target for node in takers for e in self.edges.take_over(node, groups)})
        for group in joined:
            self._head(group)
        externals: list[tuple[Key, Edge]] = [
            ((1, e.target, e.source), e) for e in external_edges(w)]
        for source in [*sources, *joined]:
            if source in self.admins or not self._may_attach(source):
                continue
            edge = self._reachable_edge(source)
            if edge is not None:
                self._keyed.append(((2, self._rank[source]), edge))
        self._backwards([*takers, *(n for n in joined if self._takes_over(n))], externals)
        self._out.clear()
        return self._graph()

    def _head(self, node: str) -> None:
        """``node``'s edges to ``admin`` and its place in the build order."""
        rank = self._rank[node] = len(self._rank)
        for i, edge in enumerate(self._admin_edges(node)):
            self._keyed.append(((0, rank, 0, i, ""), edge))

    def _takes_over(self, node: str) -> bool:
        return node not in self.admins and self.edges.has_take_over(node)

    def _forward(self, node: str) -> Iterable[Edge]:
        """Every out-edge of ``node`` (for the walks of attach-admin-to-reachable), each
        built when a walk first gets that far; admins have none but those to ``admin``."""
        found = self._out.get(node)
        if found is None:
            edges: Iterator[Edge] = iter(())
            if node in self._rank and node not in self.admins:
                edges = self.edges.take_over(node)
            found = self._out[node] = _Lazy(edges)
        return found

    def _backwards(self, holders: list[str], externals: list[tuple[Key, Edge]]) -> None:
        """Adds the edges into every node with an edge path to ``admin``, round by round."""
        reach = {ADMIN} | {e.source for _, e in self._keyed}
        frontier = reach - {ADMIN}
        scopes = {holder: self.edges.take_over_scope(holder) for holder in holders}
        while frontier:
            names: dict[str, set[str]] = {"user": set(), "role": set(), "group": set()}
            for node in frontier:
                kind, _, name = node.partition("/")
                if kind in names:
                    names[kind].add(name)
            # frozen: one object per kind and round, which World.decide_targets recognises
            within = {kind: frozenset(found) for kind, found in names.items()}
            found: set[str] = set()
            hits: dict[int, bool] = {}  # by scope: holders of one profile share theirs
            for holder in holders:
                scope = scopes[holder]
                hit = hits.get(id(scope))
                if hit is None:
                    hit = hits[id(scope)] = not all(
                        within[k].isdisjoint(names) for k, sets in scope.items() for names in sets)
                if not hit:
                    continue  # none of its grants covers a node found in the last round
                rank = self._rank[holder]
                for item in self.edges.take_over_fans(holder, within):
                    order = TAKE_OVER_ORDER[item.primitive]
                    if isinstance(item, Fan):
                        self._fans.append(((0, rank, 1, order, _FAN), item))
                    else:
                        self._keyed.append(((0, rank, 1, order, item.target), item))
                    found.add(item.source)
            for key, edge in externals:
                if edge.target in frontier:
                    self._keyed.append((key, edge))
                    found.add(edge.source)
            frontier = found - reach
            reach |= found

    def _graph(self) -> Graph:
        g = Graph()
        add_principal_nodes(g, self.world)
        for _, edge in sorted(self._keyed, key=lambda k: k[0]):
            g.add_edge(edge)
        for _, fan in sorted(self._fans, key=lambda k: k[0]):
            g.add_fan(fan, self._rank[fan.source])
        return g


def build_escalation_graph(world: World) -> Graph:
    return EscalationGraphBuilder(world).build()
