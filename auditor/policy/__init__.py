"""The policy engine (spec ``policy-analysis.md`` §1–§4): effective permissions, trust and
privilege-escalation paths of one account snapshot, offline.

Public API::

    engine = PolicyEngine.from_snapshot(snapshot)           # cached per snapshot
    engine.authorize("user/alice", "ram:CreateAccessKey", "acs:ram::123:user/bob")
    engine.can_assume("user/alice", "acs:ram::123:role/ops")
    engine.who_can("ram:AttachPolicyToUser")                # [WhoCan(node, authorization)]
    engine.full_admins()                                    # [FullAdmin]
    engine.paths("user/alice", to="admin")                  # [Path] (tuples of Edge)
    engine.can_reach("user/alice", unknown_as_allow=True)
    engine.doubts("user/alice")                             # why it may hold more
    engine.external_nodes()                                 # account/…, anyone, …
    engine.graph().to_dict()                                # {"nodes": [...], "edges": [...]}

Decisions are :class:`Decision` values; :class:`Authorization`, :class:`Evidence`,
:class:`Edge`, :class:`Node` and :class:`FullAdmin` are frozen and have ``to_dict()``.
The primitive catalogue is :data:`PRIMITIVES` (``python -m auditor.policy.catalogue``).
"""

from auditor.policy.decisions import Authorization, Decision, Evidence
from auditor.policy.edges import ADMIN, ANYONE, ROOT, Edge, FullAdmin, Node, Path, path_decision
from auditor.policy.engine import PolicyEngine, UnknownPrincipal, WhoCan
from auditor.policy.graph import Graph
from auditor.policy.model import Document, ParsedPolicy, Statement, parse_document
from auditor.policy.primitives import PRIMITIVE_IDS, PRIMITIVES, Primitive

__all__ = [
    "ADMIN",
    "ANYONE",
    "PRIMITIVES",
    "PRIMITIVE_IDS",
    "ROOT",
    "Authorization",
    "Decision",
    "Document",
    "Edge",
    "Evidence",
    "FullAdmin",
    "Graph",
    "Node",
    "ParsedPolicy",
    "Path",
    "PolicyEngine",
    "Primitive",
    "Statement",
    "UnknownPrincipal",
    "WhoCan",
    "parse_document",
    "path_decision",
]
