"""The escalation graph (auditor/policy/escalation.py) against the full graph: on many
generated worlds it holds exactly the full graph's edges into ``admin`` and into every node
with an edge path to it, in the same order, so every answer about paths to ``admin``
(paths, reachability with and without unknown edges, unknown edges, full admins) is the
same; and it leaves out the take-over edges onto principals that lead nowhere."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from policy_worlds import (
    ACCT,
    ADMIN_POLICY,
    OTHER,
    admin_policy,
    allow,
    deny,
    engine,
    group,
    group_arn,
    policy,
    policy_arn,
    role,
    role_arn,
    trusts,
    user_arn,
)

from auditor.policy import ADMIN, Decision, Path, PolicyEngine, path_decision
from auditor.policy.authorize import NO_CONTEXT, Context
from auditor.policy.escalation import build_escalation_graph
from auditor.policy.graph import ATTACH_ACTIONS
from auditor.policy.paths import PathFinder
from auditor.policy.primitives import EdgeBuilder
from auditor.policy.report_section import Hops
from auditor.policy.trust import alike_for_own, trust_decision
from auditor.sections import Section
from auditor.snapshot import CollectionIssue, ResourceRef
from auditor.testing import make_key, make_snapshot, make_user
from checks.principals import (
    MESSAGE_PATHS,
    HopTexts,
    PrincipalNoEscalationPath,
    _one_hop_key,
    _parts,
    first_grants,
    no_path_open,
    node_of,
    path_verdict,
    paths_message,
    principals,
    resource_of_node,
    texts_of,
    unknown_edges,
    unknown_reason,
)

ACTIONS = (
    "ram:CreateAccessKey", "ram:DeleteAccessKey", "ram:CreateLoginProfile",
    "ram:UpdateLoginProfile", "sts:AssumeRole", "ram:UpdateRole", "ram:PassRole",
    "ecs:RunInstances", "ram:AddUserToGroup", "ram:AttachPolicyToUser",
    "ram:AttachPolicyToRole", "ram:AttachPolicyToGroup", "ram:CreatePolicy",
    "ram:CreatePolicyVersion", "ram:CreateRole", "ram:*", "ram:Create*",
)


def _resource(rng: random.Random, users: list[str], roles: list[str]) -> Any:
    choices = [
        "*", user_arn("*"), role_arn("*"), group_arn("*"), user_arn(rng.choice(users)),
        role_arn(rng.choice(roles)), user_arn(rng.choice(users)[:2] + "*"),
        group_arn(f"g{rng.randrange(3)}"), ADMIN_POLICY, policy_arn("*"),
        [user_arn("*"), ADMIN_POLICY], [role_arn("*"), policy_arn("*")],
    ]
    return rng.choice(choices)


def _statement(rng: random.Random, users: list[str], roles: list[str]) -> dict[str, Any]:
    action = rng.choice(ACTIONS) if rng.random() < 0.8 else rng.sample(ACTIONS, 3)
    extra: dict[str, Any] = {}
    if rng.random() < 0.12:
        extra["Condition"] = {"Bool": {"acs:MFAPresent": "true"}}
    build = deny if rng.random() < 0.15 else allow
    return build(action, _resource(rng, users, roles), **extra)


def _trust(rng: random.Random, users: list[str], roles: list[str]) -> list[dict[str, Any]]:
    options: list[dict[str, Any]] = [
        trusts({"RAM": f"acs:ram::{ACCT}:root"}),
        trusts({"RAM": user_arn(rng.choice(users))}),
        trusts({"RAM": role_arn(rng.choice(roles))}),
        trusts({"RAM": f"acs:ram::{OTHER}:root"}),
        trusts({"Service": "ecs.aliyuncs.com"}),
        trusts({"RAM": user_arn("u1*")}),
        trusts({"RAM": f"acs:ram::{ACCT}:root"},
               Condition={"StringEquals": {"sts:ExternalId": "x"}}),
        trusts({"RAM": user_arn(rng.choice(users))}, effect="Deny"),
        trusts({"Federated": f"acs:ram::{ACCT}:saml-provider/idp"}),
        trusts("*"),
    ]
    return rng.sample(options, rng.randint(1, 3))


def random_world(seed: int) -> PolicyEngine:
    """A small world of broad and narrow grants, trusts, Denies, conditions, unreadable
    documents, frozen users, users with two AccessKeys and unknown user facts: different
    each seed."""
    rng = random.Random(seed)
    users = [f"u{i}" for i in range(rng.randint(6, 14))]
    roles = [f"r{i}" for i in range(rng.randint(3, 7))]
    keyed = random.Random(seed + 1000)  # apart, so the rest of each world is as it was
    made_users = tuple(
        make_user(u, console=rng.random() < 0.5, mfa=rng.random() < 0.2,
                  status="freeze" if rng.random() < 0.08 else "active",
                  keys=[make_key(f"{u}-1"), make_key(f"{u}-2")] if keyed.random() < 0.3 else ())
        for u in users)
    made_roles = [
        role(r, document=None) if rng.random() < 0.06 else
        role(r, *_trust(rng, users, roles), service_linked=rng.random() < 0.05)
        for r in roles]
    groups = [group(f"g{i}", *rng.sample(users, rng.randint(0, 4))) for i in range(3)]
    principals = [f"user/{u}" for u in users] + [f"role/{r}" for r in roles] + [
        f"group/g{i}" for i in range(3)]
    policies = [
        policy(f"p{i}", document=None, to=rng.sample(principals, 1))
        if rng.random() < 0.05 else
        policy(f"p{i}", *(_statement(rng, users, roles) for _ in range(rng.randint(1, 3))),
               to=rng.sample(principals, rng.randint(1, 4)))
        for i in range(rng.randint(6, 14))]
    policies.append(admin_policy(to=rng.sample(principals, rng.randint(0, 2))))
    issues = [
        CollectionIssue(section="users", action="ram:ListX", code="Throttling", message="slow",
                        resource=ResourceRef(type="user", name=u), facts=(fact,))
        for u in users if rng.random() < 0.1
        for fact in [rng.choice(("access_keys", "login_profile", "mfa"))]]
    snapshot = make_snapshot(users=made_users, roles=tuple(made_roles), groups=tuple(groups),
                             policies=tuple(policies), issues=tuple(issues))
    return PolicyEngine(snapshot)


def nodes(eng: PolicyEngine) -> Iterator[str]:
    yield from eng.world.sources()
    yield from eng.external_nodes()
    yield from (f"group/{g}" for g in eng.world.groups)


def assert_same_answers(seed: int) -> dict[str, int]:
    """The escalation graph is the full graph cut to the edges into nodes that may reach
    admin, and every path question gets the same answer on both."""
    eng, oracle = random_world(seed), random_world(seed)
    full = oracle.graph()  # the oracle engine answers on the full graph
    assert oracle.escalation_graph() is full
    core = build_escalation_graph(eng.world)
    reach = set(PathFinder(full).toward(ADMIN, unknown_as_allow=True)) | {ADMIN}
    kept = [e for e in full.edges if e.target in reach]
    fanned = {(f.source, f.primitive, f"{f.kind}/{n}") for _, f in core.fans for n in f.names}
    assert core.edges == [e for e in kept if (e.source, e.primitive, e.target) not in fanned]
    assert len(core.edges) + len(fanned) == len(kept)
    for source in {e.source for e in full.edges}:  # a fan's edges are the full graph's
        assert core.expanded_from(source) == [
            e for e in full.edges_from(source) if e.target in reach], source
    assert core.into.get(ADMIN, []) == full.into.get(ADMIN, [])
    assert [a.to_dict() for a in eng.full_admins()] == [
        a.to_dict() for a in oracle.full_admins()]
    for node in nodes(eng):
        assert eng.paths(node) == oracle.paths(node), node
        assert_summaries(eng, node, oracle.paths(node))
        for unknown in (False, True):
            assert eng.can_reach(node, unknown_as_allow=unknown) == oracle.can_reach(
                node, unknown_as_allow=unknown), node
        if node.partition("/")[0] != "group":
            assert unknown_edges(eng, node) == unknown_edges(oracle, node), node
            assert unknown_reason(eng, node) == unknown_reason(oracle, node), node
    return {
        "fanned": len(fanned),
        "fanned roles": sum(1 for _, primitive, _ in fanned if primitive == "assume-role"),
        "fanned second keys": sum(
            1 for _, f in core.fans for n in f.names
            if f.primitive == "create-access-key" and len(eng.world.users[n].access_keys) >= 2),
        "fanned unknown": sum(len(f.names) for _, f in core.fans
                              if f.decision is Decision.UNKNOWN),
        "paths": sum(len(oracle.paths(n)) for n in nodes(oracle)),
        "long": sum(1 for n in nodes(oracle) for p in oracle.paths(n) if len(p) >= 3),
        "unknown": sum(1 for e in full.edges if e.decision.value == "UNKNOWN"),
        "reachable": sum(1 for e in full.edges if e.primitive == "attach-admin-to-reachable"),
        "external": sum(1 for n in oracle.external_nodes() if oracle.paths(n)),
        "cut": len(full.edges) - len(core.edges),
    }


def assert_summaries(eng: PolicyEngine, node: str, every: list[Path]) -> None:
    """A summary of ``node``'s paths tells what the full list does: its first paths, how
    many, whether one is ALLOW throughout, and every grant to cut."""
    for limit in (1, 3, None):
        summary = eng.path_summary(node, limit)
        assert list(summary.shown) == every[:limit], (node, limit)
        assert summary.total == len(every), node
        assert summary.allow == any(path_decision(p) is Decision.ALLOW for p in every), node
        assert summary.grants == tuple(dict.fromkeys(
            ev for p in every for ev in p[0].evidence)), node
        assert first_grants(summary.grants) == first_grants(
            ev for p in every for ev in p[0].evidence), node


SEEDS = range(60)


def test_escalation_graph_answers_like_the_full_graph_on_generated_worlds() -> None:
    totals: dict[str, int] = {}
    for seed in SEEDS:
        for key, value in assert_same_answers(seed).items():
            totals[key] = totals.get(key, 0) + value
    # the worlds exercise what the escalation graph must keep and what it may leave out
    assert all(totals[k] > 0 for k in
               ("fanned", "fanned roles", "fanned second keys", "fanned unknown", "paths",
                "long", "unknown",
                "reachable", "external", "cut")), totals


def chain_parts() -> dict[str, Any]:
    """account/OTHER → role/vendor → user/ops → role/deploy → user/helpdesk →
    group/admins → admin, each hop narrow; the vendor may also take over idle."""
    return {
        "users": (make_user("helpdesk", console=True), make_user("ops"), make_user("idle")),
        "roles": (role("vendor", trusts({"RAM": f"acs:ram::{OTHER}:root"})),
                  role("deploy", trusts({"RAM": user_arn("ops")}))),
        "groups": (group("admins"),),
        "policies": (
            policy("v", allow("ram:CreateAccessKey", [user_arn("ops"), user_arn("idle")]),
                   to=["role/vendor"]),
            policy("o", allow("sts:AssumeRole", role_arn("deploy")), to=["user/ops"]),
            policy("d", allow("ram:UpdateLoginProfile", user_arn("helpdesk")),
                   to=["role/deploy"]),
            policy("h", allow("ram:AddUserToGroup", "*"), to=["user/helpdesk"]),
            admin_policy(to=["group/admins"]),
        ),
    }


def test_every_round_of_the_backward_search_is_kept() -> None:
    """Each hop's target is only known to lead to admin after the round before: none of
    the six rounds is dropped, and the dead end (idle) is left out."""
    eng = PolicyEngine(make_snapshot(**chain_parts()))
    oracle = PolicyEngine(make_snapshot(**chain_parts()))
    oracle.graph()
    paths = eng.paths(f"account/{OTHER}")
    assert [[(e.source, e.primitive, e.target) for e in p] for p in paths] == [[
        (f"account/{OTHER}", "assume-role", "role/vendor"),
        ("role/vendor", "create-access-key", "user/ops"),
        ("user/ops", "assume-role", "role/deploy"),
        ("role/deploy", "update-login-profile", "user/helpdesk"),
        ("user/helpdesk", "join-group", "group/admins"),
        ("group/admins", "full-admin", "admin"),
    ]]
    assert paths == oracle.paths(f"account/{OTHER}")
    core = eng.escalation_graph()
    assert core is not oracle.graph()
    assert [e.target for e in core.expanded_from("role/vendor")] == ["user/ops"]
    assert [e.target for e in oracle.graph().edges_from("role/vendor")] == [
        "user/idle", "user/ops"]


@pytest.mark.parametrize("seed", [3, 17])
def test_the_full_graph_is_unchanged_by_an_earlier_escalation_graph(seed: int) -> None:
    """Building the escalation graph first leaves the export's full graph identical."""
    eng, oracle = random_world(seed), random_world(seed)
    eng.paths("user/u0")
    assert eng.graph().to_dict() == oracle.graph().to_dict()


def test_take_over_within_targets_is_the_full_take_over_cut_to_them() -> None:
    """Limiting take-over to some targets gives the same edges, in the same order."""
    checked = 0
    for seed in range(20):
        eng = random_world(seed)
        builder = EdgeBuilder(eng.world)
        rng = random.Random(seed)
        for node in [*eng.world.sources(), *(f"group/{g}" for g in eng.world.groups)]:
            every = list(builder.take_over(node))
            targets = {e.target for e in every} | {f"user/{u}" for u in eng.world.users}
            chosen = set(rng.sample(sorted(targets), len(targets) // 2))
            within: dict[str, set[str]] = {"user": set(), "role": set(), "group": set()}
            for target in chosen:
                kind, _, name = target.partition("/")
                within[kind].add(name)
            assert list(builder.take_over(node, within)) == [
                e for e in every if e.target in chosen], node
            checked += sum(1 for e in every if e.target in chosen)
    assert checked > 0


def test_a_trust_alike_for_own_principals_decides_alike_for_each_of_them() -> None:
    """What lets the edge builder decide a role's trust once per kind holds: such a trust
    gives every own user (role, group) the same decision and evidence."""
    alike = named = 0
    for seed in range(30):
        eng = random_world(seed)
        w = eng.world
        own = [*(f"user/{u}" for u in w.users), *(f"role/{r}" for r in w.roles),
               *(f"group/{g}" for g in w.groups)]
        for name, trust in w.model.trusts.items():
            if not alike_for_own(trust, w.account_id):
                named += 1
                continue
            alike += 1
            for node in own:
                first = next(n for n in own if n.partition("/")[0] == node.partition("/")[0])
                assert trust_decision(trust, node, w.account_id) == trust_decision(
                    trust, first, w.account_id), (name, node)
    assert alike > 0 and named > 0


def test_users_grouped_by_their_facts_get_the_decision_each_gets_alone() -> None:
    """The fans' user classes are decided once per group of users with the same facts
    (keys, login profile, MFA, what could not be collected): on worlds with every mix of
    them, each user lands where the rules put it when applied to it alone."""
    groups_seen = 0
    for seed in range(40):
        eng = random_world(seed)
        builder, w = EdgeBuilder(eng.world), eng.world
        for action in ("ram:CreateAccessKey", "ram:CreateLoginProfile",
                       "ram:UpdateLoginProfile"):
            alike, rest = builder._alike_users(action)
            placed = {u: d for d, users in alike for u in users}
            for user in w.live_users:
                if builder._needs_more(action, user):
                    assert user in rest and user not in placed, (seed, action, user)
                else:
                    assert user not in rest, (seed, action, user)
                    assert placed.get(user) == builder._user_fact(action, user), (
                        seed, action, user)
        two = {u for u in w.live_users if "access_keys" not in builder._gaps(u)
               and len(w.users[u].access_keys) >= 2}
        assert builder._two_keys() == two, seed
        groups_seen += len(builder._by_facts())
    assert groups_seen > 40 * 2  # the worlds mix the facts


def test_targets_decided_once_per_round_are_those_each_holder_would_get() -> None:
    """World.decide_targets gives a profile's answer again only for the same frozen set of
    targets (one search round), and World.trusting one set for the nodes no trust names:
    round after round, every source gets what a fresh world decides for it alone."""
    checked = 0
    for seed in range(20):
        w, fresh = random_world(seed).world, random_world(seed).world
        rng = random.Random(seed)
        for kind, action, context in (
                ("user", "ram:CreateAccessKey", NO_CONTEXT), ("role", "sts:AssumeRole", NO_CONTEXT),
                ("role", "ram:PassRole", Context(service="ecs.aliyuncs.com")),
                ("role", "ram:UpdateRole", Context(ram_trust=True)),
                ("group", "ram:AddUserToGroup", NO_CONTEXT)):
            names = sorted(w.names(kind))
            rounds = [frozenset(rng.sample(names, len(names) // 2)) for _ in range(3)]
            for within in [*rounds, None, rounds[0]]:
                for node in w.sources():
                    got = w.decide_targets(node, action, kind, context, within)
                    want = fresh._decide_targets(node, action, kind, context, within)
                    assert dict(got) == dict(want), (seed, node, action)
                    if within is not None and kind == "role":
                        assert set(w.trusting(node, within)) == set(
                            fresh.trusting(node, set(within))), (seed, node)
                    checked += len(want)
    assert checked > 0


def test_the_attach_test_reads_indexed_actions() -> None:
    """GraphBuilder._may_attach reads a node's allowed actions, which only hold indexed
    actions: the attach actions must be among them, or no node would ever attach."""
    assert {a.lower() for a in ATTACH_ACTIONS} <= random_world(0).world.authorizer.indexed_actions


def test_a_decision_shared_by_alike_profiles_is_each_ones_own() -> None:
    """The authorizer decides a resource-blind request once for every profile whose
    statements for the action come from the same holdings: asked in turn for every node,
    it answers each as it does with nothing decided before (unreadable policies, Denies,
    conditions, and an action outside its index included)."""
    actions = ("ram:AttachPolicyToUser", "ram:CreateAccessKey", "sts:AssumeRole",
               "ram:CreatePolicy", "ram:PassRole", "ram:ListUsers")
    resources = ("*", user_arn("u0"), role_arn("r1"), ADMIN_POLICY)
    shared_seen = 0
    for seed in range(30):
        eng = random_world(seed)
        az = eng.world.authorizer
        oracle = random_world(seed).world.authorizer
        nodes = [*eng.world.sources(), *(f"group/{g}" for g in eng.world.groups)]
        for action in actions:
            for node in nodes:
                for context in (NO_CONTEXT, Context(service="ecs.aliyuncs.com")):
                    oracle._blind.clear()
                    oracle._seeing.clear()
                    oracle._blind_alike.clear()
                    assert az.resource_blind(node, action, context) == oracle.resource_blind(
                        node, action, context), (seed, node, action)
                    for resource in resources:
                        oracle._blind.clear()
                        oracle._seeing.clear()
                        oracle._blind_alike.clear()
                        assert az.authorize(node, action, resource, context) == (
                            oracle.authorize(node, action, resource, context)), (
                            seed, node, action, resource)
        shared_seen += len(az._blind) - len(az._blind_alike)
    assert shared_seen > 0  # some profiles took another's decision


def test_an_attach_choice_shared_by_alike_decisions_is_each_nodes_own() -> None:
    """EdgeBuilder.best_attach chooses the admin policy once per resource-blind decision
    (shared by alike profiles): each node gets what choosing for it alone gives."""
    checked = 0
    for seed in range(30):
        eng = random_world(seed)
        builder, alone = EdgeBuilder(eng.world), EdgeBuilder(random_world(seed).world)
        for node in [*eng.world.sources(), *(f"group/{g}" for g in eng.world.groups)]:
            for action, target in (("ram:AttachPolicyToUser", user_arn("u1")),
                                   ("ram:AttachPolicyToRole", role_arn("r0")),
                                   ("ram:AttachPolicyToGroup", group_arn("g0"))):
                found = alone._best_attach(node, action, target)
                assert builder.best_attach(node, action, target) == (
                    None if found is None else found[1]), (seed, node, action)
                checked += found is not None
    assert checked > 0


def crowd_world(seed: int) -> PolicyEngine:
    """A world like :func:`random_world` with a crowd: users and roles that hold one of
    a few ``sts:AssumeRole`` grants the same way (directly or through a group), some of
    whom are targets of other grants too, so that many sources are alike."""
    rng = random.Random(seed)
    users = [f"u{i}" for i in range(rng.randint(6, 12))]
    crowd = [f"c{i}" for i in range(rng.randint(4, 10))]
    roles = [f"r{i}" for i in range(rng.randint(3, 7))]
    made_users = tuple(
        make_user(u, console=rng.random() < 0.5, mfa=rng.random() < 0.2,
                  status="freeze" if rng.random() < 0.05 else "active")
        for u in users + crowd)
    made_roles = [role(r, *_trust(rng, users + crowd, roles),
                       service_linked=rng.random() < 0.05) for r in roles]
    made_roles += [role(r, trusts({"RAM": f"acs:ram::{ACCT}:root"})) for r in ("rc", "ra", "rk")]
    groups = [group(f"g{i}", *rng.sample(users, rng.randint(0, 3))) for i in range(2)]
    groups.append(group("gc", *rng.sample(crowd[2:], rng.randint(1, len(crowd) - 2))))
    principals = [f"user/{u}" for u in users] + [f"role/{r}" for r in roles] + [
        "group/g0", "group/g1"]
    everyone = [f"user/{c}" for c in crowd[2:]] + ["role/rc", "group/gc"]
    assume = [allow("sts:AssumeRole", role_arn("*")), allow("sts:AssumeRole", role_arn("r*")),
              allow("sts:AssumeRole", role_arn("*"),
                    Condition={"Bool": {"acs:MFAPresent": "true"}})]
    policies = [
        policy(f"p{i}", *(_statement(rng, users + crowd, roles)
                          for _ in range(rng.randint(1, 3))),
               to=rng.sample(principals + everyone[:2], rng.randint(1, 4)))
        for i in range(rng.randint(5, 10))]
    policies += [policy(f"a{i}", statement, to=rng.sample(everyone, rng.randint(1, 4)))
                 for i, statement in enumerate(assume)]
    # c0 and c1 take ra (often an administrator); rk's path runs through c0 (not c1),
    # and both their fans hold rk
    policies += [policy("a", assume[0], to=["user/c0", "user/c1"]),
                 policy("k", allow("ram:CreateAccessKey", user_arn("c0")), to=["role/rk"])]
    policies.append(admin_policy(to=rng.sample(principals, rng.randint(0, 1)) + (
        ["role/ra"] if rng.random() < 0.7 else [])))
    return PolicyEngine(make_snapshot(users=made_users, roles=tuple(made_roles),
                                      groups=tuple(groups), policies=tuple(policies)))


def test_sources_alike_but_for_their_name_share_one_summary() -> None:
    """A summary shared by alike sources (PathFinder._alike_key: fans of roles by trust,
    no edge of their own) is, with the source put in its first hops, the one each source
    gets alone, whatever the limit and whichever source was asked first; so are the FAIL
    message written from it (once but for the source) and the section's path views."""
    shared = refused = 0
    for seed in SEEDS:
        for limit in (3, None):
            eng, alone = crowd_world(seed), crowd_world(seed)
            eng.escalation_graph()
            finder = eng.finder
            alone.finder._alike_key = lambda *_: None  # type: ignore[method-assign]
            order = list(nodes(eng))
            random.Random(seed).shuffle(order)
            views, alone_views = Hops(eng.evidence_texts), Hops(alone.evidence_texts)
            keys: dict[object, list[str]] = {}
            for node in order:
                summary = eng.path_summary(node, limit)
                own = alone.path_summary(node, limit)
                assert summary == own, (seed, node)
                assert all(p[0].source == node for p in summary.shown)
                if summary.total:
                    assert own.alike is None
                    assert paths_message(node, summary, texts_of(eng)) == paths_message(
                        node, own, texts_of(alone)), (seed, node)
                    assert views.paths(summary) == alone_views.paths(own), (seed, node)
                fans = finder.graph.fans_out.get(node, ())
                if fans and not finder.graph.out.get(node) and summary.total:
                    key = finder._alike_key(node, ADMIN, None if limit is None else 10)
                    if key is None and all(f.primitive == "assume-role" for f in fans):
                        refused += 1
                    if key is not None:
                        keys.setdefault(key, []).append(node)
            assert views.views() == alone_views.views(), seed  # the same, in the same order
            shared += sum(len(v) - 1 for v in keys.values())
    # the worlds have sources that share a summary, and some whose fan targets' paths run
    # through them, which do not
    assert shared > 0 and refused > 0, (shared, refused)


def test_sources_whose_edges_all_go_to_admin_get_the_summary_of_the_general_walk() -> None:
    """PathFinder._direct (a source without fans whose edges all go to the goal: one that
    can make itself admin) gives the summary the general walk gives, at every limit; the
    grants it takes from another source with the same evidence tuple are its own. Every
    source is compared, so a source with another edge or a fan taking the shortcut would
    fail (the worlds have such sources, and direct ones with several edges)."""
    direct = several = other = 0
    for seed in range(30):
        for world in (random_world, crowd_world):
            eng, alone = world(seed), world(seed)
            eng.escalation_graph()
            graph = eng.finder.graph
            alone.finder._direct_edges = lambda *_: None  # type: ignore[method-assign]
            order = list(nodes(eng))
            random.Random(seed).shuffle(order)
            for node in order:
                edges = graph.out.get(node, [])
                taken = bool(edges) and node not in graph.fans_out and all(
                    e.target == ADMIN for e in edges)
                direct += taken
                several += taken and len({e.primitive for e in edges if e.usable}) > 1
                other += bool(edges) and not taken
                for limit in (1, 3, None):
                    summary = eng.path_summary(node, limit)
                    alone.finder._summaries.clear()
                    assert summary == alone.path_summary(node, limit), (seed, node, limit)
                    if taken:
                        eng.finder._summaries.clear()
                        assert summary == eng.finder._summarise(node, ADMIN, limit), (seed, node)
    assert direct > 0 and several > 0 and other > 0, (direct, several, other)


def test_one_hop_messages_written_once_are_each_sources_own() -> None:
    """HopTexts writes the FAIL message of sources whose shown paths are each one hop
    (sources that can make themselves admin) once per key (_one_hop_key): each message is
    the one written for its source alone. The worlds have sources that share one."""
    shared = 0
    for seed in range(30):
        for world in (random_world, crowd_world):
            eng = world(seed)
            texts = texts_of(eng)
            keys: set[object] = set()
            one_hop = 0
            order = list(nodes(eng))
            random.Random(seed).shuffle(order)
            for node in order:
                summary = eng.path_summary(node, MESSAGE_PATHS)
                if not summary.total:
                    continue
                alone = HopTexts(eng.evidence_texts)
                alone.parts = lambda p, t=alone: _parts(p, t)  # type: ignore[method-assign,misc]
                assert paths_message(node, summary, texts) == paths_message(
                    node, summary, alone), (seed, node)
                key = _one_hop_key(summary)
                if key is not None and summary.alike is None:
                    one_hop += 1
                    keys.add(key)
            shared += one_hop - len(keys)
    assert shared > 0


def test_a_doubtless_engine_has_no_doubt_about_any_node() -> None:
    """PolicyEngine.doubtless lets the checks skip asking doubts(): it holds only when
    every user, role and group has none. The worlds include doubtless ones, ones doubted
    only for an unreadable held policy, and ones with issues naming a resource."""
    seen: dict[str, int] = {"doubtless": 0, "unreadable": 0, "gaps": 0}
    for seed in range(60):
        eng = random_world(seed)
        every = [*eng.world.sources(), *(f"group/{g}" for g in eng.world.groups)]
        doubted = [n for n in every if eng.doubts(n)]
        if eng.doubtless:
            assert not doubted, (seed, doubted)
            seen["doubtless"] += 1
        elif eng.world.has_gaps:
            seen["gaps"] += 1
        else:
            assert doubted, seed  # only an unreadable held policy rules it out
            seen["unreadable"] += 1
    assert all(seen.values()), seen
    eng = _unlisted_attachments_engine()
    assert eng.doubts("user/a") and not eng.doubtless  # every policy is readable


def test_principals_left_out_of_no_path_open_get_path_verdicts_plain_pass() -> None:
    """principal_no_escalation_path writes the plain PASS itself for a principal not in
    no_path_open, without asking path_verdict: on random and crowd worlds (doubtless ones,
    doubted ones, ones with unknown edges) path_verdict says exactly that for each such
    principal. It fails if the set leaves out a node with an unknown-only path (a search
    without unknown edges) or one in doubt (ignoring PolicyEngine.doubtless)."""
    check = PrincipalNoEscalationPath()
    seen = {"plain": 0, "said more": 0, "doubted": 0, "unknown only": 0}
    for seed in range(40):
        # as if doubtless too: worlds with gaps have nodes with only unknown paths
        forced = [random_world(seed), crowd_world(seed)]
        for eng in forced:
            eng._doubtless = True
        for eng in (random_world(seed), crowd_world(seed), *forced):
            open_ = no_path_open(eng)
            seen["doubted"] += not eng.doubtless
            seen["unknown only"] += eng.doubtless and len(
                set(eng.finder.toward(ADMIN, unknown_as_allow=True))
                - set(eng.finder.toward(ADMIN)))
            for item in principals(eng.world.snapshot):
                node = node_of(item)
                who = f"{node.partition('/')[0]} {item.name}"
                resource = resource_of_node(item)
                verdict = path_verdict(check, eng, node, resource, who, False, "x")
                plain = check.passed(resource, f"{who[0].upper()}{who[1:]} has no path to "
                                     "full administrator.")
                if node not in open_:
                    assert verdict == plain, (seed, node)
                    seen["plain"] += 1
                elif verdict != plain:
                    seen["said more"] += 1
    assert all(seen.values()), seen
    eng = _unlisted_attachments_engine()
    assert "user/a" in no_path_open(eng)  # in doubt, without any edge


def _unlisted_attachments_engine() -> PolicyEngine:
    """User a, and a readable policy whose attachments could not be listed (it may be
    held by anyone): a is in doubt without any edge."""
    hidden = CollectionIssue(section=Section.POLICIES, action="ram:ListX", code="Throttling",
                             message="slow", facts=("attachments",), resource=ResourceRef(
                                 type="policy", name="hidden", policy_type="Custom"))
    return engine(users=["a"], policies=[policy("hidden", allow("*"))], issues=[hidden])
