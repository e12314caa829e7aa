"""authorize(): decisions and evidence of spec §2–§2.3 (one request at a time)."""

from __future__ import annotations

from typing import Any

import pytest
from policy_worlds import (
    ACCT,
    ADMIN_POLICY,
    allow,
    deny,
    engine,
    group,
    policy,
    role,
    role_arn,
    trusts,
    user_arn,
)

from auditor.policy import Decision, PolicyEngine, UnknownPrincipal
from auditor.sections import Section
from auditor.snapshot import CollectionIssue, ResourceRef

A, ALLOW, COND = Decision.ALLOW, Decision.ALLOW, Decision.CONDITIONAL


def one(*statements: dict[str, Any], holder: str = "user/a") -> PolicyEngine:
    """An engine where ``holder`` holds one custom policy ``p`` with ``statements``."""
    return engine(users=["a", "b"], groups=[group("g", "a")], roles=[role("r")],
                  policies=[policy("p", *statements, to=[holder])])


def decide(eng: PolicyEngine, action: str, resource: str = "*", node: str = "user/a"
           ) -> Decision:
    return eng.authorize(node, action, resource).decision


def test_plain_allow_names_its_statement_and_how_it_is_held() -> None:
    eng = one(allow("ram:ListUsers"), allow("ram:CreateAccessKey", user_arn("b")),
              holder="group/g")
    auth = eng.authorize("user/a", "ram:CreateAccessKey", user_arn("b"))
    assert auth.decision is Decision.ALLOW
    [ev] = auth.evidence
    assert (ev.policy, ev.policy_type, ev.version, ev.held, ev.statement, ev.effect) == (
        "p", "Custom", "v1", "group:g", 1, "Allow")
    assert auth.to_dict()["evidence"][0]["held"] == "group:g"


def test_nothing_matching_is_an_implicit_deny() -> None:
    eng = one(allow("ram:CreateAccessKey", user_arn("b")))
    assert decide(eng, "ram:CreateAccessKey", user_arn("a")) is Decision.IMPLICIT_DENY
    assert decide(eng, "ram:DeleteUser", user_arn("b")) is Decision.IMPLICIT_DENY


def test_an_unconditioned_deny_wins_over_any_allow() -> None:
    eng = one(allow("ram:*"), deny("ram:CreateAccessKey", user_arn("b")))
    auth = eng.authorize("user/a", "ram:CreateAccessKey", user_arn("b"))
    assert auth.decision is Decision.DENY
    assert [e.effect for e in auth.evidence] == ["Deny"]
    assert decide(eng, "ram:CreateAccessKey", user_arn("a")) is Decision.ALLOW


def test_a_deny_held_through_another_policy_or_group_also_wins() -> None:
    eng = engine(users=["a", "b"], groups=[group("g", "a")], policies=[
        policy("grant", allow("ram:CreateAccessKey"), to=["user/a"]),
        policy("guard", deny("ram:Create*"), to=["group/g"]),
    ])
    auth = eng.authorize("user/a", "ram:CreateAccessKey", user_arn("b"))
    assert auth.decision is Decision.DENY
    assert auth.evidence[0].held == "group:g"


def test_conditioned_allow_is_conditional_with_its_condition_keys() -> None:
    eng = one(allow("ram:CreateAccessKey", Condition={
        "IpAddress": {"acs:SourceIp": "10.0.0.0/8"}, "Bool": {"acs:MFAPresent": "true"}}))
    auth = eng.authorize("user/a", "ram:CreateAccessKey", user_arn("b"))
    assert auth.decision is COND
    assert auth.evidence[0].condition_keys == ("acs:MFAPresent", "acs:SourceIp")


def test_conditioned_deny_makes_an_allow_conditional_not_denied() -> None:
    eng = one(allow("ram:CreateAccessKey"),
              deny("ram:CreateAccessKey", Condition={"Bool": {"acs:SecureTransport": "false"}}))
    auth = eng.authorize("user/a", "ram:CreateAccessKey", user_arn("b"))
    assert auth.decision is COND
    assert {e.effect for e in auth.evidence} == {"Allow", "Deny"}


def test_a_conditioned_deny_alone_grants_nothing() -> None:
    eng = one(deny("ram:*", Condition={"Bool": {"acs:SecureTransport": "false"}}))
    assert decide(eng, "ram:CreateAccessKey", user_arn("b")) is Decision.IMPLICIT_DENY


def test_ims_allow_grants_nothing_and_ims_queries_mean_ram() -> None:
    eng = one(allow("ims:CreateAccessKey"), allow("ims:*"))
    assert decide(eng, "ram:CreateAccessKey", user_arn("b")) is Decision.IMPLICIT_DENY
    granted = one(allow("ram:CreateAccessKey"))
    assert decide(granted, "ims:CreateAccessKey", user_arn("b")) is ALLOW


def test_ims_deny_makes_the_ram_action_conditional() -> None:
    eng = one(allow("ram:CreateAccessKey"), deny("ims:CreateAccessKey"))
    auth = eng.authorize("user/a", "ram:CreateAccessKey", user_arn("b"))
    assert auth.decision is COND
    assert any("ims:" in e.note for e in auth.evidence)
    unrelated = one(allow("ram:CreateAccessKey"), deny("ims:UpdateUser"))
    assert decide(unrelated, "ram:CreateAccessKey", user_arn("b")) is ALLOW


def test_not_action_allows_everything_else() -> None:
    eng = one({"Effect": "Allow", "NotAction": ["ram:*", "ims:*"], "Resource": "*"})
    assert decide(eng, "ecs:RunInstances") is ALLOW
    assert decide(eng, "ram:CreateAccessKey", user_arn("b")) is Decision.IMPLICIT_DENY
    denied = one(allow("*"), {"Effect": "Deny", "NotAction": "ecs:*", "Resource": "*"})
    assert decide(denied, "ram:CreateUser") is Decision.DENY
    assert decide(denied, "ecs:StopInstance") is ALLOW


def test_action_patterns_are_case_insensitive_with_wildcards() -> None:
    eng = one(allow("RAM:create?ccess*", user_arn("b")))
    assert decide(eng, "ram:CreateAccessKey", user_arn("b")) is ALLOW
    assert decide(eng, "ram:CreateUser", user_arn("b")) is Decision.IMPLICIT_DENY


@pytest.mark.parametrize("region", ["", "*", "cn-hangzhou"])
@pytest.mark.parametrize("asked", ["", "*", "cn-shanghai"])
def test_both_ram_region_spellings_name_the_same_user(region: str, asked: str) -> None:
    eng = one(allow("ram:CreateAccessKey", f"acs:ram:{region}:{ACCT}:user/b"))
    assert decide(eng, "ram:CreateAccessKey", f"acs:ram:{asked}:{ACCT}:user/b") is ALLOW


def test_the_region_still_counts_outside_ram_and_sts() -> None:
    eng = one(allow("ecs:StartInstance", f"acs:ecs:cn-hangzhou:{ACCT}:instance/i-1"))
    assert decide(eng, "ecs:StartInstance", f"acs:ecs:cn-hangzhou:{ACCT}:instance/i-1") is ALLOW
    assert decide(eng, "ecs:StartInstance",
                  f"acs:ecs:cn-beijing:{ACCT}:instance/i-1") is Decision.IMPLICIT_DENY


def test_relative_id_is_case_sensitive_for_allow_and_insensitive_for_deny() -> None:
    eng = one(allow("ram:CreateAccessKey", user_arn("B")))
    assert decide(eng, "ram:CreateAccessKey", user_arn("b")) is Decision.IMPLICIT_DENY
    guarded = one(allow("ram:CreateAccessKey"), deny("ram:CreateAccessKey", user_arn("B")))
    assert decide(guarded, "ram:CreateAccessKey", user_arn("b")) is Decision.DENY


def test_request_resource_star_needs_an_allow_on_every_resource() -> None:
    scoped = one(allow("ram:CreateUser", f"acs:ram:*:{ACCT}:user/*"))
    assert decide(scoped, "ram:CreateUser") is Decision.IMPLICIT_DENY
    broad = one(allow("ram:CreateUser", "acs:*:*:*:*"))
    assert decide(broad, "ram:CreateUser") is ALLOW
    partial_deny = one(allow("ram:CreateUser"), deny("ram:CreateUser", user_arn("b")))
    assert decide(partial_deny, "ram:CreateUser") is Decision.DENY


def test_a_pattern_that_is_not_an_arn_matches_nothing_and_is_named() -> None:
    eng = one(allow("ram:CreateAccessKey", "user/b"))
    auth = eng.authorize("user/a", "ram:CreateAccessKey", user_arn("b"))
    assert auth.decision is Decision.IMPLICIT_DENY
    assert any("'user/b'" in n or "user/b is not an ARN" in n for n in auth.notes)


def test_not_resource_allow_matches_what_it_leaves_out() -> None:
    eng = one({"Effect": "Allow", "Action": "ram:CreateAccessKey",
               "NotResource": user_arn("admin")})
    assert decide(eng, "ram:CreateAccessKey", user_arn("b")) is ALLOW
    assert decide(eng, "ram:CreateAccessKey", user_arn("admin")) is Decision.IMPLICIT_DENY
    assert decide(eng, "ram:CreateAccessKey") is Decision.IMPLICIT_DENY  # not every resource


def test_not_resource_deny_is_only_ever_conditional() -> None:
    eng = one(allow("ram:CreateAccessKey"),
              {"Effect": "Deny", "Action": "ram:CreateAccessKey", "NotResource": user_arn("b")})
    assert decide(eng, "ram:CreateAccessKey", user_arn("c")) is COND
    assert decide(eng, "ram:CreateAccessKey", user_arn("b")) is ALLOW


def test_unreadable_policy_makes_the_decision_unknown_unless_an_allow_decides() -> None:
    eng = engine(users=["a", "b"], policies=[
        policy("broken", document=None, to=["user/a"]),
        policy("ok", allow("ram:ListUsers"), to=["user/a"]),
    ])
    auth = eng.authorize("user/a", "ram:CreateAccessKey", user_arn("b"))
    assert auth.decision is Decision.UNKNOWN
    assert any("broken" in n and "not valid JSON" in n for n in auth.notes)
    assert decide(eng, "ram:ListUsers") is ALLOW


@pytest.mark.parametrize("document", [{"Statement": "nope"}, {"Statement": ["x"]},
                                      {"Statement": [{"Effect": "Maybe", "Action": "*"}]}])
def test_a_document_that_is_not_a_policy_is_unknown(document: Any) -> None:
    eng = engine(users=["a"], policies=[policy("odd", document=document, to=["user/a"])])
    assert decide(eng, "ram:CreateUser") is Decision.UNKNOWN
    assert eng.policy("odd") is not None and eng.policy("odd").document.error  # type: ignore[union-attr]


def test_a_document_gap_is_unknown_even_with_a_stale_document_in_hand() -> None:
    gap = CollectionIssue(
        section=Section.POLICIES, action="ram:GetPolicy", code="Throttling", message="slow",
        resource=ResourceRef(type="policy", name="p", policy_type="Custom"),
        facts=("document",),
    )
    eng = engine(users=["a"], policies=[policy("p", allow("ram:ListUsers"), to=["user/a"])],
                 issues=[gap])
    auth = eng.authorize("user/a", "ram:CreateUser")
    assert auth.decision is Decision.UNKNOWN
    assert any("could not be read" in n for n in auth.notes)


def test_attach_needs_the_target_and_the_policy() -> None:
    both = one(allow("ram:AttachPolicyToUser", [user_arn("b"), ADMIN_POLICY]))
    az = both.world.authorizer
    assert az.authorize_attach("user/a", "ram:AttachPolicyToUser", user_arn("b"),
                               ADMIN_POLICY).decision is ALLOW
    target_only = one(allow("ram:AttachPolicyToUser", user_arn("b")))
    auth = target_only.world.authorizer.authorize_attach(
        "user/a", "ram:AttachPolicyToUser", user_arn("b"), ADMIN_POLICY)
    assert auth.decision is COND
    assert "not the policy" in auth.notes[-1]
    policy_only = one(allow("ram:AttachPolicyToUser", ADMIN_POLICY))
    assert policy_only.world.authorizer.authorize_attach(
        "user/a", "ram:AttachPolicyToUser", user_arn("b"), ADMIN_POLICY
    ).decision is Decision.IMPLICIT_DENY
    # the query form authorizes against the target only (§6)
    assert decide(target_only, "ram:AttachPolicyToUser", user_arn("b")) is ALLOW


def test_probe_names_allow_needs_a_free_name_deny_needs_every_name() -> None:
    from auditor.policy.authorize import ROLE_PROBE

    def probe(eng: PolicyEngine) -> Decision:
        return eng.world.authorizer.authorize("user/a", "ram:CreateRole", ROLE_PROBE).decision

    assert probe(one(allow("ram:CreateRole", role_arn("new-*")))) is ALLOW
    assert probe(one(allow("ram:CreateRole", role_arn("r")))) is Decision.IMPLICIT_DENY  # taken
    assert probe(one(allow("ram:CreateRole", role_arn("fresh")))) is ALLOW
    assert probe(one(allow("ram:CreateRole"), deny("ram:CreateRole", role_arn("x*")))) is ALLOW
    assert probe(one(allow("ram:CreateRole"),
                     deny("ram:CreateRole", f"acs:ram:*:{ACCT}:role/*"))) is Decision.DENY


def test_acs_service_condition_excludes_other_services_in_edge_context() -> None:
    from auditor.policy.authorize import Context

    eng = one(allow("ram:PassRole", Condition={"StringEquals": {"acs:Service":
                                                                "fc.aliyuncs.com"}}))
    az = eng.world.authorizer
    ecs = Context(service="ecs.aliyuncs.com")
    assert az.authorize("user/a", "ram:PassRole", role_arn("r"), ecs).decision is (
        Decision.IMPLICIT_DENY)
    assert az.authorize("user/a", "ram:PassRole", role_arn("r")).decision is COND
    other_op = one(allow("ram:PassRole", Condition={"StringNotEquals": {"acs:Service":
                                                                        "fc.aliyuncs.com"}}))
    assert other_op.world.authorizer.authorize("user/a", "ram:PassRole", role_arn("r"),
                                               ecs).decision is COND


def test_assume_role_query_combines_identity_and_trust() -> None:
    eng = engine(users=["a", "b"], roles=[
        role("ops", trusts({"RAM": [user_arn("a")]})),
        role("locked", trusts({"RAM": [f"acs:ram::{ACCT}:root"]}),
             trusts({"RAM": [user_arn("a")]}, effect="Deny")),
    ], policies=[policy("p", allow("sts:AssumeRole"), to=["user/a", "user/b"])])
    ok = eng.authorize("user/a", "sts:AssumeRole", role_arn("ops"))
    assert ok.decision is ALLOW
    assert {e.policy_type for e in ok.evidence} == {"Custom", "Trust"}
    assert eng.can_assume("user/b", role_arn("ops")).decision is Decision.IMPLICIT_DENY
    assert eng.can_assume("user/a", role_arn("locked")).decision is Decision.DENY
    assert eng.can_assume("user/b", role_arn("locked")).decision is ALLOW


def test_unknown_principals_are_refused_and_frozen_users_hold_nothing() -> None:
    from auditor.testing import make_user

    eng = engine(users=[make_user("cold", status="freeze")],
                 policies=[policy("p", allow("*"), to=["user/cold"])])
    assert decide(eng, "ram:CreateUser", node="user/cold") is Decision.IMPLICIT_DENY
    with pytest.raises(UnknownPrincipal):
        eng.authorize("user/ghost", "ram:CreateUser")


def test_who_can_lists_users_and_roles_never_groups() -> None:
    eng = engine(users=["a", "b"], groups=[group("g", "a")], roles=[role("r")],
                 policies=[policy("p", allow("ram:CreateUser"), to=["group/g", "role/r"])])
    assert [w.node for w in eng.who_can("ram:CreateUser")] == ["user/a", "role/r"]
    assert eng.who_can("ram:CreateUser")[0].to_dict()["decision"] == "ALLOW"


def test_doubts_name_unreadable_policies_unlisted_attachments_and_members() -> None:
    def gap(kind: str, name: str, fact: str, policy_type: str = "") -> CollectionIssue:
        return CollectionIssue(
            section=Section.POLICIES if kind == "policy" else Section.GROUPS,
            action="ram:ListX", code="Throttling", message="slow",
            resource=ResourceRef(type=kind, name=name, policy_type=policy_type),  # type: ignore[arg-type]
            facts=(fact,))

    eng = engine(users=["a"], groups=[group("g")], policies=[
        policy("broken", document=None, to=["user/a"]),
        policy("hidden", allow("*")),
        policy("grp", allow("ecs:*"), to=["group/g"]),
    ], issues=[gap("policy", "hidden", "attachments", "Custom"), gap("group", "g", "members")])
    doubts = eng.doubts("user/a")
    assert len(doubts) == 3
    assert "broken" in doubts[0] and "hidden" in doubts[1] and "group g" in doubts[2]
    clean = engine(users=["a"], policies=[policy("ok", allow("ecs:*"), to=["user/a"])])
    assert clean.doubts("user/a") == ()
