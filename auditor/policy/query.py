"""Answers of ``ram-audit query can|who-can|paths`` (spec §6): JSON-ready dicts and text.

Bad input (a principal the snapshot does not have, a resource that is neither ``*`` nor an
ARN, a bad ``--to``) raises :class:`QueryError`; the command line maps it to exit code 2.
"""

from __future__ import annotations

from typing import Any

from auditor.errors import UsageError
from auditor.policy.edges import ADMIN, Edge, Path, node_kind, path_decision
from auditor.policy.engine import PolicyEngine, UnknownPrincipal
from auditor.policy.patterns import parse_arn
from auditor.policy.trust import ASSUME_ROLE

#: Node kinds that hold permissions of this account (``can`` judges their requests).
OWN_KINDS = ("user", "role", "group")


class QueryError(UsageError):
    """A query names something the snapshot does not have, or is malformed."""


def _resource(resource: str) -> str:
    if parse_arn(resource) is None:
        raise QueryError(f"resource {resource!r} is neither '*' nor an ARN "
                         "(acs:<service>:<region>:<account>:<relative-id>)")
    return resource


def _action(action: str) -> str:
    service, sep, name = action.partition(":")
    if not sep or not service or not name:
        raise QueryError(f"action {action!r} is not SERVICE:Action (e.g. ram:CreateAccessKey)")
    return action


def _node(engine: PolicyEngine, node: str) -> str:
    if node == ADMIN or node in engine.graph().nodes:
        return node
    kind = node_kind(node)
    if kind in OWN_KINDS:
        try:
            engine.authorize(node, "ram:GetUser")  # raises for a principal it does not know
        except UnknownPrincipal:
            raise QueryError(f"no principal {node!r} in the snapshot (node ids look like "
                             "user/NAME, role/NAME)") from None
        return node
    raise QueryError(f"no principal {node!r} in the snapshot (node ids look like user/NAME, "
                     "role/NAME, account/ID, anyone)")


def can(engine: PolicyEngine, principal: str, action: str, resource: str = "*"
        ) -> dict[str, Any]:
    """``{"principal", "action", "resource", "decision", "evidence", "notes"}``."""
    _action(action)
    _resource(resource)
    node = _node(engine, principal)
    if node_kind(node) in OWN_KINDS:
        auth = engine.authorize(node, action, resource)
    elif action.lower() == ASSUME_ROLE.lower():
        auth = engine.can_assume(node, resource)
    else:
        raise QueryError(f"{node} is an external principal: only sts:AssumeRole on a role of "
                         "this account can be asked")
    return {"principal": node, "action": action, "resource": resource,
            "decision": auth.decision.value,
            "evidence": [e.to_dict() for e in auth.evidence], "notes": list(auth.notes)}


def who_can(engine: PolicyEngine, action: str, resource: str = "*", *, paths: bool = False
            ) -> dict[str, Any]:
    """``{"action", "resource", "principals": [{"id", "decision", "evidence" | "path"}]}``."""
    _action(action)
    _resource(resource)
    found = engine.who_can(action, resource, paths=paths)
    return {"action": action, "resource": resource,
            "principals": [w.to_dict() for w in found]}


def paths(engine: PolicyEngine, principal: str, to: str = ADMIN) -> dict[str, Any]:
    """``{"from", "to", "paths": [[{"from", "to", "primitive", "decision", "evidence"}]]}``."""
    if to != ADMIN and node_kind(to) not in ("user", "role"):
        raise QueryError(f"--to {to!r}: expected admin, user/NAME or role/NAME")
    source = _node(engine, principal)
    target = _node(engine, to)
    found = engine.paths(source, target)
    return {"from": source, "to": target,
            "paths": [[e.to_dict() for e in path] for path in found],
            "decisions": [path_decision(p).value for p in found]}


# --- text ---------------------------------------------------------------------------------

def _evidence_lines(evidence: list[dict[str, Any]], indent: str = "  ") -> list[str]:
    lines = []
    for ev in evidence:
        where = ", ".join(x for x in (ev["policy_type"], ev["version"], ev["held"]) if x)
        keys = f" if {', '.join(ev['condition_keys'])}" if ev["condition_keys"] else ""
        note = f" ({ev['note']})" if ev["note"] else ""
        lines.append(f"{indent}{ev['policy']} ({where}) statement {ev['statement']} "
                     f"{ev['effect']}{keys}{note}")
    return lines


def can_text(answer: dict[str, Any]) -> str:
    lines = [f"{answer['principal']} {answer['action']} {answer['resource']}: "
             f"{answer['decision']}"]
    lines += _evidence_lines(answer["evidence"])
    lines += [f"  note: {n}" for n in answer["notes"]]
    return "\n".join(lines)


def who_can_text(answer: dict[str, Any]) -> str:
    head = f"Who can {answer['action']} on {answer['resource']}:"
    if not answer["principals"]:
        return f"{head} nobody (no user or role is allowed, even conditionally)."
    lines = [head]
    for entry in answer["principals"]:
        lines.append(f"{entry['id']}: {entry['decision']}")
        if "evidence" in entry:
            lines += _evidence_lines(entry["evidence"], "    ")
        else:
            lines.append("    via " + " ".join(_hop(e) for e in entry["path"]))
    return "\n".join(lines)


def _hop(edge: dict[str, Any]) -> str:
    flag = ", conditional" if edge["decision"] == "CONDITIONAL" else ""
    return f"{edge['from']} -[{edge['primitive']}{flag}]-> {edge['to']}"


def path_lines(path: Path) -> list[str]:
    """One line per hop, with the grants that make it: for text and HTML."""
    lines = []
    for edge in path:
        lines.append(edge_line(edge))
    return lines


def edge_line(edge: Edge) -> str:
    grants = "; ".join(dict.fromkeys(e.describe() for e in edge.evidence))
    flag = ", conditional" if edge.decision.value == "CONDITIONAL" else ""
    return f"{edge.source} -[{edge.primitive}{flag}]-> {edge.target}" + (
        f"  ({grants})" if grants else "")


def paths_text(answer: dict[str, Any]) -> str:
    if not answer["paths"]:
        return f"No path from {answer['from']} to {answer['to']}."
    lines = [f"{len(answer['paths'])} path(s) from {answer['from']} to {answer['to']}:"]
    for i, (path, decision) in enumerate(zip(answer["paths"], answer["decisions"],
                                             strict=True), 1):
        lines.append(f"path {i} ({decision}):")
        for edge in path:
            lines.append(f"  {_hop(edge)}")
            for auth in edge["evidence"]:
                lines += _evidence_lines(auth["evidence"], "      ")
            if edge.get("via"):
                lines.append("      after " + " ".join(_hop(v) for v in edge["via"]))
    return "\n".join(lines)

