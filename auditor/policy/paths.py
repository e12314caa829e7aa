"""Shortest paths in the principal graph (spec §3): one shortest path per distinct
(primitive, first target) of a source. Unknown edges never form reported paths."""

from __future__ import annotations

from collections import deque

from auditor.policy.decisions import Decision
from auditor.policy.edges import ADMIN, Edge, Path
from auditor.policy.graph import Graph


def _walkable(edge: Edge, unknown_as_allow: bool) -> bool:
    return edge.usable or (unknown_as_allow and edge.decision is Decision.UNKNOWN)


class PathFinder:
    """Answers path questions on one graph; the backwards search per goal is cached."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._toward: dict[tuple[str, bool], dict[str, Edge]] = {}
        self._any: dict[tuple[frozenset[str], bool], dict[str, Edge]] = {}
        self._paths: dict[tuple[str, str], list[Path]] = {}

    def toward(self, goal: str, *, unknown_as_allow: bool = False) -> dict[str, Edge]:
        """For every node with a path to ``goal``: the first edge of one shortest path."""
        key = (goal, unknown_as_allow)
        found = self._toward.get(key)
        if found is None:
            found = self._toward[key] = self._backwards({goal}, unknown_as_allow)
        return found

    def _backwards(self, goals: set[str], unknown_as_allow: bool) -> dict[str, Edge]:
        found: dict[str, Edge] = {}
        seen = set(goals)
        queue = deque(sorted(goals))
        while queue:
            node = queue.popleft()
            for edge in self.graph.into.get(node, ()):
                if edge.source not in seen and _walkable(edge, unknown_as_allow):
                    seen.add(edge.source)
                    found[edge.source] = edge
                    queue.append(edge.source)
        return found

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
        """One shortest path per distinct (primitive, first target), shortest first
        (computed once per source and goal: the checks and the report both ask)."""
        key = (source, goal)
        found = self._paths.get(key)
        if found is None:
            found = self._paths[key] = self._find_paths(source, goal)
        return list(found)

    def _find_paths(self, source: str, goal: str) -> list[Path]:
        toward = self.toward(goal)
        seen: set[tuple[str, str]] = set()
        found: list[Path] = []
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
                found.append(tuple(path))
        return sorted(found, key=len)
