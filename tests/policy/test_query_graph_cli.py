"""``ram-audit query can|who-can|paths`` and ``ram-audit graph`` end to end: the demo world
is collected once through the emulator (the real SDK over HTTP), then every question is asked
through the installed command line, offline on the snapshot (and once live)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from auditor.emulator.server import Emulator

DEMO = Path(str(files("auditor.emulator.worlds"))) / "demo.yaml"
ACCOUNT = "1573906824430198"
SCHEMAS = Path(__file__).with_name("opengraph_schema")
COMMAND = shutil.which("ram-audit", path=str(Path(sys.executable).parent))


def role(name: str) -> str:
    return f"acs:ram::{ACCOUNT}:role/{name}"


def user(name: str) -> str:
    return f"acs:ram::{ACCOUNT}:user/{name}"


@pytest.fixture(scope="module")
def live_env() -> Iterator[dict[str, str]]:
    with Emulator(DEMO) as emulator:
        url = f"http://{emulator.endpoint}"
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update(
            ALIBABA_CLOUD_ACCESS_KEY_ID="LTAI5tDemoAuditor0000001",
            ALIBABA_CLOUD_ACCESS_KEY_SECRET="DemoAuditorSecretNotARealKey01",
            RAM_AUDIT_ENDPOINT_RAM=url, RAM_AUDIT_ENDPOINT_IMS=url,
            RAM_AUDIT_ENDPOINT_STS=url,
        )
        yield env


@pytest.fixture(scope="module")
def snapshot(live_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("query") / "snapshot.json"
    done = run("collect", "-o", str(path), "-q", env=live_env)
    assert done.returncode == 0, done.stderr
    return path


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    assert COMMAND, "ram-audit is not installed next to this interpreter"
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, timeout=300,
                          check=False, env=env)


def ask(snapshot: Path, *args: str) -> Any:
    """Run a query (JSON) on the snapshot; exit 0 expected."""
    done = run(*args, "--snapshot", str(snapshot), "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# --- can ---------------------------------------------------------------------------------

def test_can_gives_decision_and_evidence(snapshot: Path) -> None:
    answer = ask(snapshot, "query", "can", "user/ci-deploy", "ram:PassRole",
                 role("OpsBastionInstanceRole"))
    assert {k: answer[k] for k in ("principal", "action", "decision")} == {
        "principal": "user/ci-deploy", "action": "ram:PassRole", "decision": "ALLOW"}
    [evidence] = answer["evidence"]
    assert (evidence["policy"], evidence["held"], evidence["statement"]) == (
        "PassInstanceRoles", "direct", 0)


def test_can_assume_role_combines_grant_and_trust(snapshot: Path) -> None:
    platform = ask(snapshot, "query", "can", "user/sarah.chen", "sts:AssumeRole",
                   role("OrganizationAdmin"))
    assert platform["decision"] == "ALLOW"
    assert {e["policy_type"] for e in platform["evidence"]} == {"Custom", "Trust"}
    # A developer is trusted (the account root is) but holds no sts:AssumeRole grant.
    developer = ask(snapshot, "query", "can", "user/tom.becker", "sts:AssumeRole",
                    role("OrganizationAdmin"))
    assert developer["decision"] == "IMPLICIT_DENY"
    vendor = ask(snapshot, "query", "can", "account/1122334455667788", "sts:AssumeRole",
                 role("VendorSupportAccess"))
    assert vendor["decision"] == "ALLOW"


def test_an_ims_allow_grants_nothing(snapshot: Path) -> None:
    answer = ask(snapshot, "query", "can", "role/DataBatchJobRole", "ram:CreateAccessKey",
                 user("li.wei"))
    assert answer["decision"] == "IMPLICIT_DENY"
    own = ask(snapshot, "query", "can", "role/DataBatchJobRole", "ram:CreateAccessKey",
              user("backup-agent"))
    assert own["decision"] == "ALLOW"


def test_can_text_names_the_statement(snapshot: Path) -> None:
    done = run("query", "can", "user/ahmed.hassan", "ram:UpdateLoginProfile",
               user("daniel.okafor"), "--snapshot", str(snapshot))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].endswith(": ALLOW")
    assert "HelpdeskPasswordReset (Custom, v1, group:helpdesk) statement 0 Allow" in done.stdout


# --- who-can and paths -----------------------------------------------------------------

def test_who_can_lists_direct_grants_and_with_paths_escalations(snapshot: Path) -> None:
    direct = ask(snapshot, "query", "who-can", "ram:UpdateLoginProfile", user("daniel.okafor"))
    ids = {p["id"]: p for p in direct["principals"]}
    assert {"user/ahmed.hassan", "user/yuki.sato", "user/li.wei"} <= set(ids)
    assert "user/tom.becker" not in ids and "user/ci-deploy" not in ids
    assert all("evidence" in p for p in direct["principals"])
    with_paths = ask(snapshot, "query", "who-can", "ram:UpdateLoginProfile",
                     user("daniel.okafor"), "--paths")
    ci = {p["id"]: p for p in with_paths["principals"]}["user/ci-deploy"]
    assert ci["path"][0]["primitive"] == "pass-role-ecs"


def test_paths_hop_by_hop(snapshot: Path) -> None:
    answer = ask(snapshot, "query", "paths", "role/VendorSupportAccess")
    assert (answer["from"], answer["to"]) == ("role/VendorSupportAccess", "admin")
    [path] = answer["paths"]
    assert [(h["from"], h["primitive"], h["to"]) for h in path] == [
        ("role/VendorSupportAccess", "pass-role-ecs", "role/OpsBastionInstanceRole"),
        ("role/OpsBastionInstanceRole", "full-admin", "admin"),
    ]
    external = ask(snapshot, "query", "paths", "account/1122334455667788")
    assert [h["to"] for h in external["paths"][0]] == [
        "role/VendorSupportAccess", "role/OpsBastionInstanceRole", "admin"]
    assert ask(snapshot, "query", "paths", "user/tom.becker")["paths"] == []
    to_user = ask(snapshot, "query", "paths", "user/ahmed.hassan", "--to", "user/daniel.okafor")
    # shortest first: the direct reset; others go through another user (li.wei, by MFA)
    assert [h["primitive"] for h in to_user["paths"][0]] == ["update-login-profile"]
    assert all(p[-1]["to"] == "user/daniel.okafor" for p in to_user["paths"])


def test_paths_text(snapshot: Path) -> None:
    done = run("query", "paths", "user/data-etl", "--snapshot", str(snapshot))
    assert done.returncode == 0, done.stderr
    assert "user/data-etl -[edit-own-policy]-> admin" in done.stdout
    assert "DataPipelineSelfManaged (Custom, v1, direct) statement 1 Allow" in done.stdout


@pytest.mark.parametrize("args", [
    ("query", "can", "user/nobody", "ram:ListUsers"),
    ("query", "can", "user/ci-deploy", "ram:PassRole", "role/OpsBastionInstanceRole"),
    ("query", "can", "user/ci-deploy", "PassRole"),
    ("query", "paths", "user/ci-deploy", "--to", "group/platform"),
    ("query", "who-can", "ram:PassRole", "not-an-arn"),
])
def test_usage_errors_exit_2(snapshot: Path, args: tuple[str, ...]) -> None:
    done = run(*args, "--snapshot", str(snapshot))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.startswith("ram-audit: error:")


def test_a_missing_snapshot_is_a_usage_error(tmp_path: Path) -> None:
    done = run("graph", "--snapshot", str(tmp_path / "none.json"))
    assert done.returncode == 2 and "cannot read snapshot" in done.stderr


def test_live_query_collects_like_run(live_env: dict[str, str]) -> None:
    done = run("query", "paths", "user/ci-deploy", "--format", "json", "-q", env=live_env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["paths"][0][0]["primitive"] == "pass-role-ecs"


def test_live_query_that_cannot_collect_exits_3(live_env: dict[str, str]) -> None:
    env = {**live_env, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "wrong"}
    done = run("query", "can", "user/ci-deploy", "ram:PassRole", "-q", env=env)
    assert done.returncode == 3, (done.stdout, done.stderr)


# --- graph ---------------------------------------------------------------------------------

def graph(snapshot: Path, fmt: str, *extra: str) -> str:
    done = run("graph", "--format", fmt, "--snapshot", str(snapshot), *extra)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_graph_json_and_only_escalation(snapshot: Path) -> None:
    full = json.loads(graph(snapshot, "json"))
    escalation = json.loads(graph(snapshot, "json", "--only-escalation"))
    assert full["account"] == ACCOUNT
    nodes = {n["id"] for n in escalation["nodes"]}
    assert {"account/1122334455667788", "user/ahmed.hassan", "admin"} <= nodes
    assert "user/tom.becker" in {n["id"] for n in full["nodes"]} and "user/tom.becker" not in nodes
    assert len(escalation["edges"]) < len(full["edges"])
    assert all(e["decision"] in ("ALLOW", "CONDITIONAL") for e in escalation["edges"])


def opengraph_validator() -> Draft202012Validator:
    """BloodHound CE's node, edge and metadata schemas, composed as its upload reads them."""
    base = "https://ram-audit.test/opengraph/"
    registry: Registry[Any] = Registry().with_resources(
        (base + name, Resource.from_contents(json.loads((SCHEMAS / name).read_text()),
                                             default_specification=DRAFT202012))
        for name in ("node.json", "edge.json", "metadata.json")
    )
    payload = {
        "$id": base + "payload.json", "type": "object", "required": ["graph"],
        "properties": {
            "metadata": {"$ref": "metadata.json"},
            "graph": {"type": "object", "required": ["nodes", "edges"], "properties": {
                "nodes": {"type": "array", "items": {"$ref": "node.json"}},
                "edges": {"type": "array", "items": {"$ref": "edge.json"}},
            }},
        },
    }
    return Draft202012Validator(payload, registry=registry)


def test_graph_opengraph_validates_against_bloodhounds_schema(snapshot: Path) -> None:
    data = json.loads(graph(snapshot, "opengraph"))
    validator = opengraph_validator()
    errors = [e.message for e in validator.iter_errors(data)]
    assert errors == []
    kinds = {e["kind"] for e in data["graph"]["edges"]}
    assert {"RAM_PassRoleEcs", "RAM_UpdateLoginProfile", "RAM_FullAdmin"} <= kinds
    ids = {n["id"] for n in data["graph"]["nodes"]}
    assert all(e["start"]["value"] in ids and e["end"]["value"] in ids
               for e in data["graph"]["edges"])
    # The schema is live: a primitive id as kind (with dashes) would be refused.
    data["graph"]["edges"][0]["kind"] = "pass-role-ecs"
    assert list(validator.iter_errors(data))


def test_graph_graphml_is_well_formed_and_consistent(snapshot: Path) -> None:
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    root = ET.fromstring(graph(snapshot, "graphml", "--only-escalation").encode())
    assert root.tag == "{http://graphml.graphdrawing.org/xmlns}graphml"
    keys = {k.get("id"): k.get("for") for k in root.findall("g:key", ns)}
    assert keys["primitive"] == "edge" and keys["kind"] == "node"
    [g] = root.findall("g:graph", ns)
    assert g.get("edgedefault") == "directed"
    nodes = {n.get("id") for n in g.findall("g:node", ns)}
    edges = g.findall("g:edge", ns)
    assert edges and all(e.get("source") in nodes and e.get("target") in nodes for e in edges)
    used = {d.get("key") for el in [*g.findall("g:node", ns), *edges]
            for d in el.findall("g:data", ns)}
    assert used <= set(keys)
    escalation = json.loads(graph(snapshot, "json", "--only-escalation"))
    assert nodes == {n["id"] for n in escalation["nodes"]}
    assert len(edges) == len(escalation["edges"])


def test_graph_dot_structure(snapshot: Path) -> None:
    text = graph(snapshot, "dot", "--only-escalation")
    assert text.startswith(f'digraph "ram-{ACCOUNT}" {{') and text.rstrip().endswith("}")
    quoted = r'"(?:[^"\\]|\\.)*"'
    declared = set(re.findall(rf"^  ({quoted}) \[label=", text, re.M))
    edges = re.findall(rf"^  ({quoted}) -> ({quoted}) \[label=({quoted})", text, re.M)
    assert edges and all(a in declared and b in declared for a, b, _ in edges)
    assert '"user/ci-deploy" -> "role/OpsBastionInstanceRole" [label="pass-role-ecs"' in text
    body = text.splitlines()[1:-1]
    assert all(line.endswith(";") for line in body)
