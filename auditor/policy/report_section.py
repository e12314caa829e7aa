"""The report's ``escalation`` section (policy-analysis.md §7): for each principal that an
escalation check FAILs, its paths to ``admin`` hop by hop, and the subgraph they form."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.findings import Status, trusted
from auditor.policy.decisions import Decision, EvidenceTexts
from auditor.policy.edges import Edge, Path, path_decision
from auditor.policy.engine import PolicyEngine
from auditor.policy.paths import BUILT_PATHS, PathSummary
from auditor.report import (
    EscalationHop,
    EscalationInfo,
    EscalationPath,
    EscalationPrincipal,
    Result,
)
from auditor.snapshot import AccountSnapshot

#: Paths kept per principal (shortest first): a grant on every user gives one path per user
#: who can become admin, so the section would grow with users x admins. The path finder
#: builds this many for every source, the checks' messages read a slice of them.
REPORT_PATHS = BUILT_PATHS
#: Checks whose failing resources are principals with paths to admin.
PATH_CHECKS = ("principal_no_escalation_path", "external_principal_no_admin_path")
#: The fields each view is given: the section's views are built with :func:`trusted`
#: (typed by construction, one per hop, path and principal: 37,000 at 10,000 users).
_HOP_FIELDS = set(EscalationHop.model_fields)
_PATH_FIELDS = set(EscalationPath.model_fields)
_PRINCIPAL_FIELDS = set(EscalationPrincipal.model_fields)
#: A path's decision as its view spells it (an enum's ``value`` is a slow property).
_VALUE = {d: d.value for d in Decision}


def node_of(result: Result) -> str:
    """The node id of a result's resource (users and roles by name, external nodes by id)."""
    if result.resource.type in ("user", "role"):
        return f"{result.resource.type}/{result.resource.name}"
    return result.resource.id


class Hops:
    """Each hop's view built once: the hop onto an administrator ends the paths of every
    principal that can take it over (one edge per (source, primitive, target)); grant
    texts come from the engine's :class:`~auditor.policy.decisions.EvidenceTexts`."""

    def __init__(self, texts: EvidenceTexts) -> None:
        self._texts = texts
        self._views: dict[tuple[str, str, str], EscalationHop] = {}
        self._seen: dict[int, tuple[Edge, EscalationHop]] = {}
        #: grant texts by authorizations object: the first hops of alike sources' paths
        #: (see PathSummary.alike) share theirs
        self._grants: dict[int, tuple[Edge, tuple[str, ...]]] = {}
        #: per alike summary (PathSummary.alike): each path's decision and views but the
        #: first hop's
        self._alike: dict[object, list[tuple[str, list[EscalationHop]]]] = {}

    def paths(self, summary: PathSummary) -> list[EscalationPath]:
        """The views of ``summary``'s shown paths. Alike summaries' paths differ only by
        the source of their first hop (the same edge otherwise, see
        :meth:`PathFinder._alike_key`): their decisions and later hops' views are taken
        once, each first hop's view is built (where it first appears, as :meth:`path`
        does)."""
        if summary.alike is None:
            return [self.path(p) for p in summary.shown]
        found = self._alike.get(summary.alike)
        if found is None or len(found) != len(summary.shown):
            views = [self.path(p) for p in summary.shown]
            self._alike[summary.alike] = [(v.decision, v.hops[1:]) for v in views]
            return views
        # each first hop an Edge object of this summary alone: not kept in _seen
        return [trusted(EscalationPath, {"decision": decision,
                                         "hops": [self._view(p[0]), *rest]}, _PATH_FIELDS)
                for p, (decision, rest) in zip(summary.shown, found, strict=True)]

    def path(self, path: Path) -> EscalationPath:
        """The view of ``path``: its hops' views (most are views of one Edge object each
        time: looked up here, not through a call per hop)."""
        seen = self._seen
        hops = []
        for edge in path:
            found = seen.get(id(edge))
            hops.append(found[1] if found is not None else self._first(edge))
        return trusted(EscalationPath, {"decision": _VALUE[path_decision(path)],
                                        "hops": hops}, _PATH_FIELDS)

    def _first(self, edge: Edge) -> EscalationHop:
        """The view of an Edge object not seen before (another may have its hop)."""
        found = self._view(edge)
        self._seen[id(edge)] = (edge, found)  # keeps ``edge`` (its id) alive
        return found

    def _view(self, edge: Edge) -> EscalationHop:
        """The view of ``edge``'s hop, built where it first appears."""
        key = (edge.source, edge.primitive, edge.target)
        found = self._views.get(key)
        if found is None:
            found = self._views[key] = self._hop(edge)
        return found

    def views(self) -> list[EscalationHop]:
        """Every view built, in the order first asked for."""
        return list(self._views.values())

    def _hop(self, edge: Edge) -> EscalationHop:
        decision = "CONDITIONAL" if edge.decision is Decision.CONDITIONAL else "ALLOW"
        found = self._grants.get(id(edge.authorizations))
        if found is None:
            found = self._grants[id(edge.authorizations)] = (
                edge, self._texts.distinct(edge.evidence))  # keeps its authorizations alive
        grants = list(found[1])
        if edge.via:
            grants.append("after " + ", ".join(f"{v.source} -[{v.primitive}]-> {v.target}"
                                               for v in edge.via))
        return trusted(EscalationHop, {"source": edge.source, "target": edge.target,
                                       "primitive": edge.primitive, "decision": decision,
                                       "grants": grants}, _HOP_FIELDS)


def escalation_section(snapshot: AccountSnapshot, results: Iterable[Result]
                       ) -> EscalationInfo | None:
    """None when no escalation check FAILs a principal."""
    failing = [r for r in results if r.check_id in PATH_CHECKS and r.status is Status.FAIL]
    if not failing:
        return None
    engine = PolicyEngine.from_snapshot(snapshot)
    principals: list[EscalationPrincipal] = []
    view = Hops(engine.evidence_texts)
    for result in failing:
        node = node_of(result)
        paths = engine.path_summary(node, REPORT_PATHS)
        principals.append(trusted(EscalationPrincipal, {
            "node": node, "check_id": result.check_id, "result_uid": result.uid,
            "paths": view.paths(paths), "paths_total": paths.total},
            _PRINCIPAL_FIELDS))
    # each hop's view is built where it first appears: the subgraph's edges in path order
    return EscalationInfo(principals=principals, edges=view.views())
