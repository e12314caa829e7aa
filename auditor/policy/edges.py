"""Nodes and edges of the principal graph (spec §1, §3), as frozen values for export, and
fans: one grant's edges onto many targets alike, kept as one value until a path shows one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from auditor.policy.decisions import Authorization, Decision, Evidence

ADMIN = "admin"
ROOT = "root"
ANYONE = "anyone"


def node_kind(node_id: str) -> str:
    """``user``, ``role``, ``group``, ``account``, ``service``, ``federated``, ``root``,
    ``anyone`` or ``admin``."""
    return node_id.partition("/")[0]


@dataclass(frozen=True, slots=True)
class Node:
    """One node: ``id`` as in §1, ``kind`` its prefix, flags for the checks."""

    id: str
    kind: str
    frozen: bool = False
    service_linked: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "frozen": self.frozen,
                "service_linked": self.service_linked}


@dataclass(frozen=True, slots=True)
class Edge:
    """``source`` can obtain ``target``'s permissions through ``primitive``.

    ``decision`` is ALLOW, CONDITIONAL or UNKNOWN (an *unknown edge*); ``authorizations``
    are the requests it needs with their evidence; ``via`` is, for
    ``attach-admin-to-reachable``, the source's path to the principal it attaches to;
    ``exceptions`` are, for ``full-admin``, the Deny statements that narrow it.
    """

    source: str
    target: str
    primitive: str
    decision: Decision
    authorizations: tuple[Authorization, ...] = ()
    notes: tuple[str, ...] = ()
    via: tuple[Edge, ...] = ()
    exceptions: tuple[Evidence, ...] = ()

    @property
    def usable(self) -> bool:
        """ALLOW or CONDITIONAL: may be part of a reported path."""
        return self.decision.grants

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        auths = self.authorizations
        if len(auths) == 1:
            return auths[0].evidence  # most edges: no new tuple
        return tuple(e for a in auths for e in a.evidence)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "from": self.source,
            "to": self.target,
            "primitive": self.primitive,
            "decision": self.decision.value,
            "evidence": [a.to_dict() for a in self.authorizations],
            "notes": list(self.notes),
        }
        if self.via:
            out["via"] = [e.to_dict() for e in self.via]
        if self.exceptions:
            out["exceptions"] = [e.to_dict() for e in self.exceptions]
        return out

    def describe(self) -> str:
        """``user/a -[create-access-key, ALLOW: Ops (Custom, v1, direct) statement 0 Allow]->
        user/b``."""
        why = "; ".join(e.describe() for e in self.evidence[:2]) or "; ".join(self.notes[:1])
        return f"{self.source} -[{self.primitive}, {self.decision}: {why}]-> {self.target}"


Path = tuple[Edge, ...]


@dataclass(frozen=True, eq=False)
class Fan:
    """The edges ``source -[primitive]-> kind/name`` for every name of ``names``, alike:
    one grant (``ram:CreateAccessKey`` on ``user/*``, ``sts:AssumeRole`` on roles trusting
    the account) decides them all, with one ``decision``; each edge differs only in its
    target (and the resource, notes and trust statement naming it), so it is built only
    when wanted (:meth:`edge`)."""

    source: str
    primitive: str
    kind: str
    names: frozenset[str]
    decision: Decision
    build: Callable[[str], Edge | None] = field(repr=False)
    #: When the edges' evidence differs by target (a role's trust statement): ``shared``
    #: is what every edge's evidence starts with (the grant), ``evidence`` gives the rest
    #: for a name. None when every edge has the same evidence. ``evidence`` depends on the
    #: name alone: fans that share it share what is derived from it (see paths.py).
    shared: tuple[Evidence, ...] = ()
    evidence: Callable[[str], tuple[Evidence, ...]] | None = field(default=None, repr=False)

    @property
    def usable(self) -> bool:
        return self.decision.grants

    def edge(self, name: str) -> Edge:
        """The edge onto ``kind/name`` (a name of :attr:`names`)."""
        edge = self.build(name)
        if edge is None or edge.decision is not self.decision:
            raise ValueError(f"{self.source} -[{self.primitive}]-> {self.kind}/{name} "
                             "is not alike the others of its fan")
        return edge

    def edges(self) -> Iterator[Edge]:
        """Every edge, by target."""
        return (self.edge(n) for n in sorted(self.names))


def path_decision(path: Path) -> Decision:
    """ALLOW when every hop is ALLOW, else CONDITIONAL (reported paths are usable)."""
    return Decision.ALLOW if all(e.decision is Decision.ALLOW for e in path) else (
        Decision.CONDITIONAL)


@dataclass(frozen=True)
class FullAdmin:
    """A full administrator (§3): the granting statements and the partial Denies."""

    node: str
    evidence: tuple[Evidence, ...]
    exceptions: tuple[Evidence, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.node, "evidence": [e.to_dict() for e in self.evidence],
                "exceptions": [e.to_dict() for e in self.exceptions]}
