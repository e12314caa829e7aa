"""Profiles: nodes holding the same policies alike share what depends on their holdings
alone, and never what depends on who they are (their own ARN)."""

from __future__ import annotations

from policy_worlds import ACCT, ADMIN_POLICY, allow, engine, group, policy, user_arn

from auditor.policy import Decision, PolicyEngine

ATTACH = "ram:AttachPolicyToUser"


def helpdesk(resource: str | list[str]) -> PolicyEngine:
    """dev-1 and ops-1 hold ``helpdesk`` (AttachPolicyToUser on ``resource``) through
    group ``g``; dev-2 holds it directly."""
    return engine(users=["dev-1", "ops-1", "dev-2"], groups=[group("g", "dev-1", "ops-1")],
                  policies=[policy("helpdesk", allow(ATTACH, resource), to=["group/g"]),
                            policy("direct", allow(ATTACH, resource), to=["user/dev-2"])])


def self_grants(eng: PolicyEngine) -> dict[str, str]:
    """Source -> the resource of its attach-admin-to-self edge's authorization."""
    return {e.source: e.authorizations[0].resource for e in eng.escalation_graph().edges
            if e.primitive == "attach-admin-to-self"}


def test_members_of_one_group_share_one_profile_and_one_holdings_tuple() -> None:
    model = helpdesk("*").world.model
    assert model.profile("user/dev-1") == model.profile("user/ops-1")
    assert model.held_by("user/dev-1") is model.held_by("user/ops-1")
    assert model.profile("user/dev-2") != model.profile("user/dev-1")
    assert model.profile("user/nobody") == "user/nobody"  # not held: its own key


def test_a_grant_on_every_resource_is_decided_once_but_names_each_target() -> None:
    found = self_grants(helpdesk("*"))
    assert found == {f"user/{n}": f"{user_arn(n)} + {ADMIN_POLICY}"
                     for n in ("dev-1", "ops-1", "dev-2")}


def test_a_grant_on_some_users_is_decided_per_user_within_one_profile() -> None:
    dev_only = [f"acs:ram:*:{ACCT}:user/dev-*", ADMIN_POLICY]
    for first in ("user/ops-1", "user/dev-1"):  # whichever member is asked first
        eng = helpdesk(dev_only)
        eng.authorize(first, ATTACH, user_arn(first.partition("/")[2]))
        assert eng.authorize("user/ops-1", ATTACH, user_arn("ops-1")).decision is (
            Decision.IMPLICIT_DENY)
        assert eng.authorize("user/dev-1", ATTACH, user_arn("dev-1")).decision is (
            Decision.ALLOW)
        assert set(self_grants(eng)) == {"user/dev-1", "user/dev-2"}


def test_a_decision_kept_for_every_resource_keeps_a_resource_s_own_notes() -> None:
    eng = helpdesk("*")
    assert eng.authorize("user/dev-1", ATTACH, "*").decision is Decision.ALLOW
    odd = eng.authorize("user/ops-1", ATTACH, "not-an-arn")
    assert odd.resource == "not-an-arn"
    assert odd.notes == ("'not-an-arn' is not an ARN: no Resource pattern matches it",)
