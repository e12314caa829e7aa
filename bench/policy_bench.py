"""Benchmark of the policy engine: graph + all paths on a large synthetic account.

    python bench/policy_bench.py [--users 10000 --roles 2000 --policies 5000 --groups 500]

Builds a deterministic snapshot (seed 10) with a realistic mix of grants — mostly service
permissions and specific role/user grants, a few admins and a few escalation grants — then
prints the time to build the engine and its escalation graph (what the path checks use),
the time to compute one shortest path per distinct first hop for every source, the peak
RSS, and the node/edge counts; then the time to build the full graph that ``ram-audit
graph`` exports. Goal (spec §7): graph + paths ≤ 5 s and ≤ 500 MB on 2 cores. Figures
only: nothing here asserts.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from collections import Counter
from typing import Any

from auditor.policy import PolicyEngine
from auditor.snapshot import AccessKey, Group, Policy, PolicyAttachment, Role, User
from auditor.testing import ACCOUNT_ID, NOW, make_snapshot

ACCT = ACCOUNT_ID
SERVICES = ("ecs", "oss", "rds", "slb", "vpc", "log", "cms", "kms", "fc", "cs")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "1", "Statement": list(statements)}


def _allow(action: Any, res: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": res, **extra}


class Synth:
    """Deterministic generator of one large account."""

    def __init__(self, users: int, roles: int, policies: int, groups: int) -> None:
        self.rng = random.Random(10)
        self.n_users, self.n_roles = users, roles
        self.n_policies, self.n_groups = policies, groups

    def user_name(self, i: int) -> str:
        return f"u{i:05d}"

    def role_name(self, i: int) -> str:
        return f"app-{i:04d}"

    def users(self) -> list[User]:
        rng, out = self.rng, []
        for i in range(self.n_users):
            keys = tuple(
                AccessKey(id=f"LTAI{i:06d}{k}", status="Active", created_at=NOW)
                for k in range(rng.choice((0, 0, 1, 1, 2)))
            )
            profile = rng.random() < 0.3
            out.append(User(
                id=f"2{i:015d}", name=self.user_name(i), created_at=NOW,
                status="freeze" if rng.random() < 0.01 else "active",
                has_login_profile=profile, console_access=profile,
                mfa_bound=profile and rng.random() < 0.6, access_keys=keys,
            ))
        return out

    def groups(self) -> list[Group]:
        rng = self.rng
        return [
            Group(id=f"g{i}", name=f"team-{i:03d}", members=tuple(
                self.user_name(rng.randrange(self.n_users)) for _ in range(rng.randint(5, 40))
            ))
            for i in range(self.n_groups)
        ]

    def trust(self, i: int) -> tuple[dict[str, Any], bool]:
        rng, r = self.rng, self.rng.random()
        if r < 0.05:
            return _doc({"Effect": "Allow", "Action": "sts:AssumeRole",
                         "Principal": {"Service": ["ecs.aliyuncs.com"]}}), True
        if r < 0.55:
            service = rng.choice(("ecs", "fc", "cs", "log"))
            principal: dict[str, Any] = {"Service": [f"{service}.aliyuncs.com"]}
        elif r < 0.85:
            user = self.user_name(rng.randrange(self.n_users))
            other = self.role_name(rng.randrange(self.n_roles))
            principal = {"RAM": [f"acs:ram::{ACCT}:user/{user}",
                                 f"acs:ram::{ACCT}:role/{other}"]}
        elif r < 0.95:
            principal = {"RAM": [f"acs:ram::{ACCT}:root"]}
        elif r < 0.98:
            principal = {"RAM": [f"acs:ram::{rng.randrange(10**15, 10**16)}:root"]}
        else:
            principal = {"Federated": [f"acs:ram::{ACCT}:saml-provider/idp{i % 3}"]}
        return _doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}), False

    def roles(self) -> list[Role]:
        out = []
        for i in range(self.n_roles):
            name = self.role_name(i)
            document, linked = self.trust(i)
            out.append(Role(id=f"3{i:015d}", name=name, arn=f"acs:ram::{ACCT}:role/{name}",
                            is_service_linked=linked, trust_policy=document))
        return out

    def document(self, i: int) -> dict[str, Any]:
        rng, r = self.rng, self.rng.random()
        service = rng.choice(SERVICES)
        if i < 3:
            return _doc(_allow("*"))  # custom admin policies
        if i < 5:
            return _doc(_allow("ram:*"))
        if i < 8:
            return _doc(_allow(["ram:AttachPolicyToUser", "ram:AttachPolicyToGroup"], "*"))
        if i < 12:
            return _doc(_allow("ram:CreatePolicyVersion", f"acs:ram:*:{ACCT}:policy/p{i:04d}"))
        if i < 15:
            target = f"acs:ram:*:{ACCT}:role/{self.role_name(rng.randrange(self.n_roles))}"
            return _doc(_allow(["ram:UpdateRole", "sts:AssumeRole"], target))
        if i < 18:
            user = f"acs:ram:*:{ACCT}:user/{self.user_name(rng.randrange(self.n_users))}"
            return _doc(_allow("ram:CreateAccessKey", user),
                        _allow("ram:AttachPolicyToUser",
                               [user, "acs:ram:*:system:policy/AdministratorAccess"]))
        if r < 0.60:
            return _doc(_allow([f"{service}:Describe*", f"{service}:Get*", f"{service}:List*"]),
                        _allow(f"{service}:*", f"acs:{service}:*:{ACCT}:*/team{i % 50}-*"))
        if r < 0.75:
            roles = [f"acs:ram::{ACCT}:role/{self.role_name(rng.randrange(self.n_roles))}"
                     for _ in range(rng.randint(1, 3))]
            return _doc(_allow("sts:AssumeRole", roles))
        if r < 0.82:
            return _doc(_allow(["ram:Get*", "ram:List*"]),
                        {"Effect": "Deny", "Action": "ram:Delete*", "Resource": "*"})
        if r < 0.86:
            # helpdesk-style grants on a handful of named users
            targets = [f"acs:ram:*:{ACCT}:user/{self.user_name(rng.randrange(self.n_users))}"
                       for _ in range(rng.randint(1, 5))]
            return _doc(_allow(["ram:CreateAccessKey", "ram:UpdateLoginProfile"], targets))
        if r < 0.89:
            return _doc(_allow("ram:PassRole", f"acs:ram:*:{ACCT}:role/app-00{rng.randrange(10)}*"),
                        _allow("ecs:RunInstances"))
        if r < 0.92:
            return _doc(_allow(f"{service}:*", "*",
                               Condition={"IpAddress": {"acs:SourceIp": ["10.0.0.0/8"]}}))
        if r < 0.94:
            return _doc(_allow("ram:AddUserToGroup", [f"acs:ram:*:{ACCT}:group/team-00{i % 10}",
                                                      f"acs:ram:*:{ACCT}:user/*"]))
        return _doc(_allow(f"{service}:*"))

    def attachments(self, groups: list[Group], roles: list[Role]) -> list[PolicyAttachment]:
        rng, out = self.rng, []
        for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):
            kind = rng.choice(("user", "user", "group", "role"))
            if kind == "user":
                name = self.user_name(rng.randrange(self.n_users))
            elif kind == "group":
                name = rng.choice(groups).name
            else:
                name = rng.choice(roles).name
            out.append(PolicyAttachment(principal_type=kind, principal_name=name))
        return out

    def policies(self, groups: list[Group], roles: list[Role]) -> list[Policy]:
        out = [
            Policy(name=f"p{i:04d}", type="Custom", default_version="v1",
                   document=self.document(i), attachments=tuple(self.attachments(groups, roles)))
            for i in range(self.n_policies)
        ]
        systems = {
            "AdministratorAccess": _doc(_allow("*")),
            "AliyunSTSAssumeRoleAccess": _doc(_allow("sts:AssumeRole")),
            "AliyunRAMReadOnlyAccess": _doc(_allow(["ram:Get*", "ram:List*"])),
            "AliyunECSFullAccess": _doc(_allow("ecs:*")),
        }
        counts = {"AdministratorAccess": 20, "AliyunSTSAssumeRoleAccess": 30,
                  "AliyunRAMReadOnlyAccess": 200, "AliyunECSFullAccess": 300}
        for name, document in systems.items():
            held = tuple(
                PolicyAttachment(principal_type="user",
                                 principal_name=self.user_name(self.rng.randrange(self.n_users)))
                for _ in range(counts[name])
            )
            out.append(Policy(name=name, type="System", default_version="v1",
                              document=document, attachments=held))
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--roles", type=int, default=2_000)
    parser.add_argument("--policies", type=int, default=5_000)
    parser.add_argument("--groups", type=int, default=500)
    args = parser.parse_args()

    synth = Synth(args.users, args.roles, args.policies, args.groups)
    users = synth.users()
    groups = synth.groups()
    roles = synth.roles()
    snapshot = make_snapshot(users=tuple(users), groups=tuple(groups), roles=tuple(roles),
                             policies=tuple(synth.policies(groups, roles)))
    rss_snapshot = _rss_mb()

    # what the path checks do: the escalation graph, and every source's paths to admin
    start, cpu = time.perf_counter(), time.process_time()
    engine = PolicyEngine(snapshot)
    graph = engine.escalation_graph()
    built, built_cpu = time.perf_counter() - start, time.process_time() - cpu

    start, cpu = time.perf_counter(), time.process_time()
    sources = [n for n in graph.nodes if n.partition("/")[0] not in ("admin", "group")]
    found = {s: engine.paths(s) for s in sources}
    pathed, pathed_cpu = time.perf_counter() - start, time.process_time() - cpu
    rss_paths = _rss_mb()

    # what ram-audit graph exports: every edge (a fresh engine)
    start, cpu = time.perf_counter(), time.process_time()
    full = PolicyEngine(snapshot).graph()
    full_built, full_cpu = time.perf_counter() - start, time.process_time() - cpu

    primitives = Counter(e.primitive for e in full.edges)
    escalating = sum(1 for s, p in found.items() if p and s != "root")
    print(f"snapshot: {len(users)} users, {len(roles)} roles, {len(snapshot.policies)} "
          f"policies, {len(groups)} groups; RSS after building it {rss_snapshot:.0f} MB")
    print(f"escalation graph: {len(graph.nodes)} nodes, {len(graph.edges)} edges; built in "
          f"{built:.2f} s (CPU {built_cpu:.2f} s)")
    print(f"paths: {sum(len(p) for p in found.values())} paths from {len(sources)} sources "
          f"({escalating} can become admin) in {pathed:.2f} s (CPU {pathed_cpu:.2f} s)")
    print(f"escalation graph + paths: {built + pathed:.2f} s wall, "
          f"{built_cpu + pathed_cpu:.2f} s CPU; peak RSS {rss_paths:.0f} MB "
          f"(engine adds ≈{rss_paths - rss_snapshot:.0f} MB)")
    print(f"full graph (export): {len(full.nodes)} nodes, {len(full.edges)} edges; built in "
          f"{full_built:.2f} s (CPU {full_cpu:.2f} s); peak RSS {_rss_mb():.0f} MB")
    print("edges by primitive: " + ", ".join(f"{k} {v}" for k, v in sorted(primitives.items())))

if __name__ == "__main__":
    main()
