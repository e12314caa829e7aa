"""Trust policies (spec §4): own principals need their grant, external nodes the trust alone."""

from __future__ import annotations

from policy_worlds import (
    ACCT,
    OTHER,
    admin_policy,
    allow,
    edges,
    engine,
    group,
    policy,
    role,
    role_arn,
    trusts,
    user_arn,
)

from auditor.policy import Decision

SAML = f"acs:ram::{ACCT}:saml-provider/okta"


def assume_edges(eng):  # type: ignore[no-untyped-def]
    return edges(eng, "assume-role")


def test_external_account_anyone_federated_and_service_nodes() -> None:
    eng = engine(roles=[
        role("partner", trusts({"RAM": [f"acs:ram::{OTHER}:root"]})),
        role("public", trusts({"RAM": "*"})),
        role("sso", trusts({"Federated": [SAML]},
                           Condition={"StringEquals": {"saml:recipient": "x"}})),
        role("svc", trusts({"Service": [f"{OTHER}@fc.aliyuncs.com"]})),
        role("linked", trusts({"Service": "ecs.aliyuncs.com"}), service_linked=True),
    ])
    assert assume_edges(eng) == {
        (f"account/{OTHER}", "assume-role:ALLOW", "role/partner"),
        ("anyone", "assume-role:ALLOW", "role/public"),
        (f"federated/{SAML}", "assume-role:CONDITIONAL", "role/sso"),
        ("service/fc.aliyuncs.com", "assume-role:ALLOW", "role/svc"),
    }
    assert eng.node(f"account/{OTHER}").kind == "account"  # type: ignore[union-attr]


def test_wildcard_account_root_is_anyone_and_every_own_principal_with_a_grant() -> None:
    eng = engine(users=["a", "b"], roles=[role("r", trusts({"RAM": "acs:ram::*:root"}))],
                 policies=[policy("p", allow("sts:AssumeRole"), to=["user/a"])])
    assert assume_edges(eng) == {("anyone", "assume-role:ALLOW", "role/r"),
                                 ("user/a", "assume-role:ALLOW", "role/r")}


def test_own_root_trusts_own_principals_with_a_grant_but_creates_no_external_node() -> None:
    eng = engine(users=["a", "b"], roles=[role("r", trusts({"RAM": f"acs:ram:*:{ACCT}:root"}))],
                 policies=[policy("p", allow("sts:AssumeRole"), to=["user/a"])])
    assert assume_edges(eng) == {("user/a", "assume-role:ALLOW", "role/r")}


def test_statements_not_about_assume_role_create_no_nodes() -> None:
    eng = engine(roles=[role("r", {"Effect": "Allow", "Action": "sts:GetCallerIdentity",
                                   "Principal": {"RAM": [f"acs:ram::{OTHER}:root"]}})])
    assert assume_edges(eng) == set()
    assert eng.node(f"account/{OTHER}") is None


def test_trust_deny_removes_or_conditions_trust() -> None:
    roles = [
        role("hard", trusts({"RAM": "*"}), trusts({"RAM": [f"acs:ram::{OTHER}:root"]},
                                                  effect="Deny")),
        role("soft", trusts({"RAM": [f"acs:ram::{OTHER}:root"]}),
             trusts({"RAM": [f"acs:ram::{OTHER}:root"]}, effect="Deny",
                    Condition={"Bool": {"acs:MFAPresent": "false"}})),
    ]
    eng = engine(roles=roles)
    assert assume_edges(eng) == {
        ("anyone", "assume-role:ALLOW", "role/hard"),
        (f"account/{OTHER}", "assume-role:CONDITIONAL", "role/soft"),
    }


def test_not_principal_allow_trusts_everyone_else_conditionally() -> None:
    eng = engine(users=["a", "b"], roles=[role("r", {
        "Effect": "Allow", "Action": "sts:AssumeRole", "NotPrincipal": {"RAM": user_arn("b")}})],
        policies=[policy("p", allow("sts:AssumeRole"), to=["user/a", "user/b"])])
    assert assume_edges(eng) == {("anyone", "assume-role:CONDITIONAL", "role/r"),
                                 ("user/a", "assume-role:CONDITIONAL", "role/r")}


def test_a_group_node_is_trusted_only_through_root_forms() -> None:
    roles = [role("by-root", trusts({"RAM": f"acs:ram::{ACCT}:root"})),
             role("by-user", trusts({"RAM": user_arn("a")}))]
    join = allow("ram:AddUserToGroup", [f"acs:ram:*:{ACCT}:group/g", user_arn("a")])
    eng = engine(users=["a"], groups=[group("g")], roles=roles, policies=[
        policy("j", join, to=["user/a"]),
        policy("p", allow("sts:AssumeRole"), to=["group/g"]),
    ])
    assert ("group/g", "assume-role:ALLOW", "role/by-root") in assume_edges(eng)
    assert ("group/g", "assume-role:ALLOW", "role/by-user") not in assume_edges(eng)


def test_principal_arns_ignore_the_region_and_match_wildcards() -> None:
    eng = engine(users=["dev-1", "ops"], roles=[
        role("r", trusts({"RAM": [f"acs:ram:cn-hangzhou:{ACCT}:user/dev-*"]}))],
        policies=[policy("p", allow("sts:AssumeRole"), to=["user/dev-1", "user/ops"])])
    assert assume_edges(eng) == {("user/dev-1", "assume-role:ALLOW", "role/r")}


def test_unreadable_trust_policy_gives_unknown_edges_for_granted_principals() -> None:
    eng = engine(users=["a"], roles=[role("r", document=None)],
                 policies=[policy("p", allow("sts:AssumeRole", role_arn("r")), to=["user/a"])])
    assert assume_edges(eng) == {("user/a", "assume-role:UNKNOWN", "role/r")}


def test_external_account_reaches_admin_through_the_role() -> None:
    eng = engine(roles=[role("partner", trusts({"RAM": [f"acs:ram::{OTHER}:root"]}))],
                 policies=[admin_policy(to=["role/partner"])])
    [path] = eng.paths(f"account/{OTHER}")
    assert [(e.source, e.primitive, e.target) for e in path] == [
        (f"account/{OTHER}", "assume-role", "role/partner"),
        ("role/partner", "full-admin", "admin"),
    ]
    assert path[0].decision is Decision.ALLOW


def test_external_nodes_lists_every_named_one_even_without_an_edge() -> None:
    eng = engine(roles=[
        role("denied", trusts({"RAM": [f"acs:ram::{OTHER}:root"]}),
             trusts({"RAM": [f"acs:ram::{OTHER}:root"]}, effect="Deny")),
        role("sso", trusts({"Federated": [SAML]})),
    ])
    assert eng.external_nodes() == [f"account/{OTHER}", f"federated/{SAML}"]
    assert eng.node(f"account/{OTHER}") is None  # no edge: the Deny removes the trust
