"""Paths (spec §3): multi-hop, shortest per distinct first hop, attach-admin-to-reachable."""

from __future__ import annotations

import json

from policy_worlds import (
    ACCT,
    ADMIN_POLICY,
    admin_policy,
    allow,
    engine,
    group,
    policy,
    role,
    role_arn,
    trusts,
    user_arn,
)

from auditor.policy import Decision, PolicyEngine, path_decision
from auditor.testing import make_snapshot, make_user


def hops(path) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(e.source, e.primitive, e.target) for e in path]


def chain_world() -> PolicyEngine:
    """user/dev → role/ci → role/deploy → admin, plus a longer detour through user/ops."""
    roles = [role("ci", trusts({"RAM": user_arn("dev")})),
             role("deploy", trusts({"RAM": role_arn("ci")}))]
    return engine(users=["dev", "ops"], roles=roles, policies=[
        policy("dev", allow("sts:AssumeRole", role_arn("ci")),
               allow("ram:CreateAccessKey", user_arn("ops")), to=["user/dev"]),
        policy("ci", allow("sts:AssumeRole", role_arn("deploy")), to=["role/ci"]),
        policy("ops", allow("sts:AssumeRole", role_arn("ci")), to=["user/ops"]),
        admin_policy(to=["role/deploy"]),
    ])


def test_user_to_role_to_role_to_admin() -> None:
    eng = chain_world()
    paths = eng.paths("user/dev")
    assert [hops(p) for p in paths] == [[
        ("user/dev", "assume-role", "role/ci"),
        ("role/ci", "assume-role", "role/deploy"),
        ("role/deploy", "full-admin", "admin"),
    ]]
    assert path_decision(paths[0]) is Decision.ALLOW
    evidence = paths[0][1].authorizations[0].evidence[0]
    assert (evidence.policy, evidence.held, evidence.statement) == ("ci", "role", 0)


def test_one_shortest_path_per_distinct_first_hop() -> None:
    """ops is a first hop of its own (create-access-key) although its path is longer: it is
    reported once, and never extends past a node already on the path."""
    roles = [role("ci", trusts({"RAM": [user_arn("dev"), user_arn("ops")]})),
             role("deploy", trusts({"RAM": role_arn("ci")}))]
    eng = engine(users=["dev", "ops"], roles=roles, policies=[
        policy("dev", allow("sts:AssumeRole", role_arn("ci")),
               allow("ram:CreateAccessKey", user_arn("ops")), to=["user/dev"]),
        policy("ci", allow("sts:AssumeRole", role_arn("deploy")), to=["role/ci"]),
        policy("ops", allow("sts:AssumeRole", role_arn("ci")), to=["user/ops"]),
        admin_policy(to=["role/deploy"]),
    ])
    got = [hops(p) for p in eng.paths("user/dev")]
    assert got == [
        [("user/dev", "assume-role", "role/ci"), ("role/ci", "assume-role", "role/deploy"),
         ("role/deploy", "full-admin", "admin")],
        [("user/dev", "create-access-key", "user/ops"), ("user/ops", "assume-role", "role/ci"),
         ("role/ci", "assume-role", "role/deploy"), ("role/deploy", "full-admin", "admin")],
    ]


def test_paths_to_a_principal() -> None:
    eng = chain_world()
    assert [hops(p) for p in eng.paths("user/dev", to="role/deploy")] == [[
        ("user/dev", "assume-role", "role/ci"), ("role/ci", "assume-role", "role/deploy")]]
    assert eng.paths("role/deploy", to="user/dev") == []


def test_a_conditional_hop_makes_the_path_conditional() -> None:
    roles = [role("ci", trusts({"RAM": user_arn("dev")},
                               Condition={"IpAddress": {"acs:SourceIp": "10.0.0.1"}}))]
    eng = engine(users=["dev"], roles=roles, policies=[
        policy("dev", allow("sts:AssumeRole"), to=["user/dev"]),
        admin_policy(to=["role/ci"]),
    ])
    [path] = eng.paths("user/dev")
    assert path_decision(path) is Decision.CONDITIONAL


def test_unknown_edges_never_form_paths_but_are_seen_with_unknown_as_allow() -> None:
    eng = engine(users=["dev"], roles=[role("ci", document=None)], policies=[
        policy("dev", allow("sts:AssumeRole", role_arn("ci")), to=["user/dev"]),
        admin_policy(to=["role/ci"]),
    ])
    assert eng.paths("user/dev") == []
    assert not eng.can_reach("user/dev")
    assert eng.can_reach("user/dev", unknown_as_allow=True)


def test_without_unknown_edges_the_search_with_unknown_as_allow_is_the_same_one() -> None:
    """No edge of the graph is UNKNOWN: one search answers both questions; one unknown
    edge (an unreadable trust policy) makes the second search its own."""
    known = chain_world()
    finder = known.finder
    assert finder.toward("admin", unknown_as_allow=True) is finder.toward("admin")
    unknown = engine(users=["dev"], roles=[role("ci", document=None)], policies=[
        policy("dev", allow("sts:AssumeRole", role_arn("ci")), to=["user/dev"]),
        admin_policy(to=["role/ci"]),
    ])
    assumed = unknown.finder.toward("admin", unknown_as_allow=True)
    assert "user/dev" in assumed and "user/dev" not in unknown.finder.toward("admin")


def test_attach_admin_to_reachable_carries_the_path_to_its_target() -> None:
    """dev can take over ops (access key) and may attach policies to ops, not to itself."""
    eng = engine(users=["dev", "ops"], policies=[
        admin_policy(),
        policy("dev", allow("ram:CreateAccessKey", user_arn("ops")),
               allow("ram:AttachPolicyToUser", [user_arn("ops"), ADMIN_POLICY]),
               to=["user/dev"]),
    ])
    edges = [e for e in eng.graph().edges if e.primitive == "attach-admin-to-reachable"]
    assert len(edges) == 1
    [edge] = edges
    assert (edge.source, edge.target, edge.decision) == ("user/dev", "admin", Decision.ALLOW)
    assert hops(edge.via) == [("user/dev", "create-access-key", "user/ops")]
    assert [hops(p) for p in eng.paths("user/dev")] == [
        [("user/dev", "attach-admin-to-reachable", "admin")]]
    assert json.loads(json.dumps(edge.to_dict()))["via"][0]["primitive"] == "create-access-key"


def test_attach_admin_to_reachable_through_a_group_of_the_target() -> None:
    eng = engine(users=["dev", "ops"], groups=[group("team", "ops")], policies=[
        admin_policy(),
        policy("dev", allow("ram:CreateAccessKey", user_arn("ops")),
               allow("ram:AttachPolicyToGroup", [f"acs:ram:*:{ACCT}:group/team", ADMIN_POLICY]),
               to=["user/dev"]),
    ])
    assert any(e.primitive == "attach-admin-to-reachable" for e in eng.graph().edges)


def test_attach_to_an_unreachable_principal_is_no_edge() -> None:
    eng = engine(users=["dev", "ops"], policies=[
        admin_policy(),
        policy("dev", allow("ram:AttachPolicyToUser", [user_arn("ops"), ADMIN_POLICY]),
               to=["user/dev"]),
    ])
    assert eng.paths("user/dev") == []


def test_graph_export_is_json_and_only_escalation_keeps_paths() -> None:
    eng = chain_world()
    full = eng.graph().to_dict()
    slim = eng.graph().to_dict(only_escalation=True)
    json.dumps(full)
    assert {n["id"] for n in slim["nodes"]} == {"user/dev", "role/ci", "role/deploy",
                                                "admin", "root"}
    dropped = {(e["from"], e["to"]) for e in full["edges"]} - {
        (e["from"], e["to"]) for e in slim["edges"]}
    assert dropped == {("user/dev", "user/ops")}  # ops (trusted by no role) leads nowhere


def test_the_engine_is_cached_per_snapshot_object() -> None:
    snap = make_snapshot(users=(make_user("a"),))
    assert PolicyEngine.from_snapshot(snap) is PolicyEngine.from_snapshot(snap)
    other = make_snapshot(users=(make_user("a"),))
    assert PolicyEngine.from_snapshot(other) is not PolicyEngine.from_snapshot(snap)


def test_who_can_with_paths_adds_principals_that_can_get_the_grant() -> None:
    eng = chain_world()
    direct = eng.who_can("ecs:DeleteInstance")
    assert [w.node for w in direct] == ["role/deploy"]
    assert direct[0].to_dict()["evidence"][0]["policy"] == "AdministratorAccess"
    found = {w.node: w for w in eng.who_can("ecs:DeleteInstance", paths=True)}
    assert set(found) == {"role/deploy", "role/ci", "user/dev"}
    assert hops(found["user/dev"].path) == [("user/dev", "assume-role", "role/ci"),
                                            ("role/ci", "assume-role", "role/deploy")]
    assert [h["primitive"] for h in found["role/ci"].to_dict()["path"]] == ["assume-role"]


def broad_world() -> PolicyEngine:
    """role/helpdesk may create an AccessKey for every user (one of two with an MFA device
    and a login profile it may reset too); each of 12 users is an administrator; user/dev
    may assume role/helpdesk."""
    admins = [f"a{i:02}" for i in range(12)]
    users = [make_user(n, console=True, mfa=n == "a03") for n in admins] + [make_user("dev")]
    return PolicyEngine(make_snapshot(
        users=tuple(users),
        roles=(role("helpdesk", trusts({"RAM": f"acs:ram::{ACCT}:root"})),),
        policies=(
            policy("helpdesk", allow(["ram:CreateAccessKey", "ram:UpdateLoginProfile"],
                                     user_arn("*")), to=["role/helpdesk"]),
            policy("dev", allow("sts:AssumeRole", role_arn("helpdesk")), to=["user/dev"]),
            admin_policy(to=[f"user/{n}" for n in admins]),
        ),
    ))


def test_a_grant_on_every_user_is_a_fan_and_only_the_paths_shown_are_built() -> None:
    """The escalation graph keeps role/helpdesk's edges onto the 12 admins and user/dev as
    fans (by primitive, decision and round), none one by one; a summary builds the paths
    it shows, counts all 24 (not the one back through user/dev, which would pass
    role/helpdesk again), and names the grant once; the full list is the full graph's."""
    eng, oracle = broad_world(), broad_world()
    graph = eng.escalation_graph()
    assert not [e for e in graph.edges if e.source == "role/helpdesk"]
    assert sorted((f.primitive, f.decision.value, len(f.names)) for _, f in graph.fans
                  if f.source == "role/helpdesk") == [
        ("create-access-key", "ALLOW", 1),  # onto user/dev, found a round later
        ("create-access-key", "ALLOW", 12), ("update-login-profile", "ALLOW", 11),
        ("update-login-profile", "CONDITIONAL", 1)]
    summary = eng.path_summary("role/helpdesk", 3)
    assert summary.total == 24 and summary.allow
    assert [hops(p) for p in summary.shown] == [
        [("role/helpdesk", "create-access-key", "user/a00"), ("user/a00", "full-admin", "admin")],
        [("role/helpdesk", "create-access-key", "user/a01"), ("user/a01", "full-admin", "admin")],
        [("role/helpdesk", "create-access-key", "user/a02"), ("user/a02", "full-admin", "admin")],
    ]
    assert [(e.policy, e.statement) for e in summary.grants] == [("helpdesk", 0)]
    full = oracle.graph()  # the oracle answers on the full graph: 25 edges one by one
    assert len([e for e in full.edges if e.source == "role/helpdesk"]) == 25
    assert eng.paths("role/helpdesk") == oracle.paths("role/helpdesk")
    assert len(eng.paths("role/helpdesk")) == 24
    # user/dev reaches admin through role/helpdesk: one path, through the nearest admin
    assert [hops(p) for p in eng.paths("user/dev")] == [[
        ("user/dev", "assume-role", "role/helpdesk"),
        ("role/helpdesk", "create-access-key", "user/a00"), ("user/a00", "full-admin", "admin")]]


def test_the_nearest_targets_of_a_fan_whether_few_or_many_of_a_level() -> None:
    """The shown paths of a fan go to its nearest targets, then by name: read in order
    when the fan holds most of a level, sorted from the fan when it holds a few."""
    from auditor.policy.edges import ADMIN, Edge
    from auditor.policy.paths import _Tree

    toward = {f"user/u{i:03}": Edge(f"user/u{i:03}", ADMIN, "full-admin", Decision.ALLOW)
              for i in range(200)}
    toward["user/far"] = Edge("user/far", "user/u000", "create-access-key", Decision.ALLOW)
    tree = _Tree(ADMIN, toward)
    every = {f"u{i:03}" for i in range(200)} | {"far"}
    assert tree.nearest("user", every, 3) == ["u000", "u001", "u002"]
    assert tree.nearest("user", {"far", "u150", "u199", "u180"}, 2) == ["u150", "u180"]
    assert tree.nearest("user", {"far", "u150", "u199", "u180"}, 4) == [
        "u150", "u180", "u199", "far"]
    assert tree.nearest("user", {"far", "u150"}, None) == ["u150", "far"]


def test_a_summary_is_built_once_and_smaller_limits_are_its_first_paths() -> None:
    """Asked with 3 then 10 paths (the checks, then the report) or in the other order,
    or for all of them, a source's summary shows what a fresh engine shows for that limit:
    the first paths of one build of at least ten."""
    def shown(summary) -> list[list[tuple[str, str, str]]]:  # type: ignore[no-untyped-def]
        return [hops(p) for p in summary.shown]

    fresh = {limit: broad_world().path_summary("role/helpdesk", limit)
             for limit in (1, 3, 10, 12, None)}
    assert [len(s.shown) for s in fresh.values()] == [1, 3, 10, 12, 24]
    for order in ((3, 10, None, 12, 1), (None, 1, 12, 3, 10), (12, 3, 1, 10, None)):
        eng = broad_world()
        for limit in order:
            got = eng.path_summary("role/helpdesk", limit)
            want = fresh[limit]
            assert shown(got) == shown(want)
            assert (got.total, got.allow, got.grants) == (want.total, want.allow, want.grants)
    # the paths shown for 3 are the same objects as the first 3 shown for 10
    eng = broad_world()
    three = eng.path_summary("role/helpdesk", 3).shown
    ten = eng.path_summary("role/helpdesk", 10).shown
    assert all(a is b for a, b in zip(three, ten[:3], strict=True))
