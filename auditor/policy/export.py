"""``ram-audit graph``: the principal graph as JSON, Graphviz DOT, GraphML or BloodHound
OpenGraph (spec §6).

OpenGraph edge kinds must match ``^[A-Za-z0-9_]+$`` (BloodHound CE's ingest schema), so a
primitive id becomes ``RAM_`` + its words in PascalCase (``create-access-key`` ->
``RAM_CreateAccessKey``); the id itself is kept in the edge's ``primitive`` property.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

from auditor.policy.engine import PolicyEngine

FORMATS = ("json", "dot", "graphml", "opengraph")
#: OpenGraph node kinds per node kind (first = primary kind), plus the source kind.
SOURCE_KIND = "AlibabaRAM"
NODE_KINDS = {
    "user": "RAMUser", "role": "RAMRole", "group": "RAMGroup", "root": "RAMAccountRoot",
    "admin": "RAMFullAdmin", "account": "AlibabaCloudAccount", "service": "AlibabaService",
    "federated": "RAMIdentityProvider", "anyone": "RAMAnyone",
}
GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"


def graph_data(engine: PolicyEngine, *, only_escalation: bool = False) -> dict[str, Any]:
    """``{"account", "nodes", "edges"}``: the engine's graph as plain data."""
    data = engine.graph().to_dict(only_escalation=only_escalation)
    return {"account": engine.snapshot.account_id, **data}


def edge_kind(primitive: str) -> str:
    """``create-access-key`` -> ``RAM_CreateAccessKey``."""
    return "RAM_" + "".join(w.capitalize() for w in re.split(r"[^A-Za-z0-9]+", primitive) if w)


def _evidence_strings(edge: dict[str, Any]) -> list[str]:
    out = []
    for auth in edge["evidence"]:
        for ev in auth["evidence"]:
            where = ", ".join(x for x in (ev["policy_type"], ev["version"], ev["held"]) if x)
            out.append(f"{auth['action']} on {auth['resource']}: {ev['policy']} ({where}) "
                       f"statement {ev['statement']} {ev['effect']}")
    return out


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def to_opengraph(data: dict[str, Any]) -> str:
    """BloodHound CE OpenGraph JSON: node ids are ``<account>:<node id>`` so that graphs of
    several accounts can be loaded side by side."""
    account = data["account"]

    def nid(node: str) -> str:
        return f"{account}:{node}"

    nodes = [
        {
            "id": nid(n["id"]),
            "kinds": [NODE_KINDS.get(n["kind"], "RAMPrincipal"), SOURCE_KIND],
            "properties": {"name": n["id"], "account": account, "node_kind": n["kind"],
                           "frozen": n["frozen"], "service_linked": n["service_linked"]},
        }
        for n in data["nodes"]
    ]
    edges = [
        {
            "start": {"match_by": "id", "value": nid(e["from"])},
            "end": {"match_by": "id", "value": nid(e["to"])},
            "kind": edge_kind(e["primitive"]),
            "properties": {"primitive": e["primitive"], "decision": e["decision"],
                           "evidence": _evidence_strings(e), "notes": e["notes"]},
        }
        for e in data["edges"]
    ]
    payload = {"metadata": {"source_kind": SOURCE_KIND}, "graph": {"nodes": nodes,
                                                                   "edges": edges}}
    return json.dumps(payload, indent=2) + "\n"


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(data: dict[str, Any]) -> str:
    """Graphviz DOT: ``admin`` in red, conditional and unknown edges dashed/dotted."""
    lines = [f"digraph {_dot_id('ram-' + data['account'])} {{", "  rankdir=LR;",
             "  node [shape=box, fontname=Helvetica];"]
    for n in data["nodes"]:
        attrs = [f"label={_dot_id(n['id'])}"]
        if n["id"] == "admin":
            attrs += ["color=red", "fontcolor=red"]
        elif n["frozen"]:
            attrs.append("style=dashed")
        lines.append(f"  {_dot_id(n['id'])} [{', '.join(attrs)}];")
    styles = {"CONDITIONAL": ", style=dashed", "UNKNOWN": ", style=dotted"}
    for e in data["edges"]:
        lines.append(f"  {_dot_id(e['from'])} -> {_dot_id(e['to'])} "
                     f"[label={_dot_id(e['primitive'])}{styles.get(e['decision'], '')}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_graphml(data: dict[str, Any]) -> str:
    """GraphML with node keys ``kind``, ``frozen``, ``service_linked`` and edge keys
    ``primitive``, ``decision``, ``evidence`` (one line per deciding statement)."""
    ET.register_namespace("", GRAPHML_NS)
    root = ET.Element(f"{{{GRAPHML_NS}}}graphml")
    keys = [("kind", "node", "string"), ("frozen", "node", "boolean"),
            ("service_linked", "node", "boolean"), ("primitive", "edge", "string"),
            ("decision", "edge", "string"), ("evidence", "edge", "string")]
    for name, scope, kind in keys:
        ET.SubElement(root, f"{{{GRAPHML_NS}}}key", {"id": name, "for": scope,
                                                      "attr.name": name, "attr.type": kind})
    graph = ET.SubElement(root, f"{{{GRAPHML_NS}}}graph",
                          {"id": f"ram-{data['account']}", "edgedefault": "directed"})

    def datum(parent: ET.Element, key: str, value: Any) -> None:
        el = ET.SubElement(parent, f"{{{GRAPHML_NS}}}data", {"key": key})
        el.text = str(value).lower() if isinstance(value, bool) else str(value)

    for n in data["nodes"]:
        node = ET.SubElement(graph, f"{{{GRAPHML_NS}}}node", {"id": n["id"]})
        for key in ("kind", "frozen", "service_linked"):
            datum(node, key, n[key])
    for i, e in enumerate(data["edges"]):
        edge = ET.SubElement(graph, f"{{{GRAPHML_NS}}}edge",
                             {"id": f"e{i}", "source": e["from"], "target": e["to"]})
        datum(edge, "primitive", e["primitive"])
        datum(edge, "decision", e["decision"])
        datum(edge, "evidence", "\n".join(_evidence_strings(e)))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def render(engine: PolicyEngine, fmt: str, *, only_escalation: bool = False) -> str:
    """The graph in ``fmt`` (one of :data:`FORMATS`)."""
    data = graph_data(engine, only_escalation=only_escalation)
    writers = {"json": to_json, "dot": to_dot, "graphml": to_graphml,
               "opengraph": to_opengraph}
    return writers[fmt](data)
