"""Every primitive of spec §3: a positive world and a near miss, edges bound to targets."""

from __future__ import annotations

from policy_worlds import (
    ACCT,
    ADMIN_POLICY,
    admin_policy,
    allow,
    deny,
    edges,
    engine,
    group,
    policy,
    policy_arn,
    role,
    role_arn,
    trusts,
    user_arn,
)

from auditor.policy import PRIMITIVE_IDS
from auditor.testing import make_key, make_user

ECS_TRUST = trusts({"Service": ["ecs.aliyuncs.com"]})
ROOT_TRUST = trusts({"RAM": [f"acs:ram::{ACCT}:root"]})


def test_create_access_key_gives_an_edge_to_the_named_user_only() -> None:
    eng = engine(users=["a", "b", "c", "d"], policies=[
        policy("p", allow("ram:CreateAccessKey", user_arn("b")), to=["user/a"])])
    assert edges(eng, "create-access-key") == {("user/a", "create-access-key:ALLOW", "user/b")}


def test_create_access_key_on_every_user_never_targets_oneself_or_frozen_users() -> None:
    eng = engine(users=["a", "b", make_user("cold", status="freeze")], policies=[
        policy("p", allow("ram:CreateAccessKey"), to=["user/a"])])
    assert edges(eng, "create-access-key") == {("user/a", "create-access-key:ALLOW", "user/b")}


def test_create_access_key_on_a_user_with_two_keys_also_needs_delete() -> None:
    full = make_user("b", keys=[make_key("k1"), make_key("k2", active=False)])
    near = engine(users=["a", full], policies=[
        policy("p", allow("ram:CreateAccessKey"), to=["user/a"])])
    assert edges(near, "create-access-key") == set()
    eng = engine(users=["a", full], policies=[
        policy("p", allow(["ram:CreateAccessKey", "ram:DeleteAccessKey"]), to=["user/a"])])
    [edge] = eng.graph().edges_from("user/a")
    assert edge.primitive == "create-access-key"
    assert [a.action for a in edge.authorizations] == ["ram:CreateAccessKey", "ram:DeleteAccessKey"]


def test_a_frozen_source_has_no_edges() -> None:
    eng = engine(users=[make_user("a", status="freeze"), "b"], policies=[
        policy("p", allow("*"), to=["user/a"])])
    assert eng.graph().edges_from("user/a") == []
    assert eng.node("user/a") is not None and eng.node("user/a").frozen  # type: ignore[union-attr]


def test_create_login_profile_only_for_users_without_one_and_mfa_gates_it() -> None:
    users = ["a", make_user("nope"), make_user("mfa", mfa=True),
             make_user("has", console=True)]
    eng = engine(users=users, policies=[
        policy("p", allow("ram:CreateLoginProfile"), to=["user/a"])])
    assert edges(eng, "create-login-profile") == {
        ("user/a", "create-login-profile:ALLOW", "user/nope"),
        ("user/a", "create-login-profile:CONDITIONAL", "user/mfa"),
    }


def test_update_login_profile_only_for_users_with_one() -> None:
    users = ["a", make_user("has", console=True),
             make_user("off", console=False, has_login_profile=True), "none"]
    eng = engine(users=users, policies=[
        policy("p", allow("ram:UpdateLoginProfile"), to=["user/a"])])
    assert edges(eng, "update-login-profile") == {
        ("user/a", "update-login-profile:ALLOW", "user/has"),
        ("user/a", "update-login-profile:ALLOW", "user/off"),
    }


def test_assume_role_needs_the_grant_and_the_trust() -> None:
    roles = [role("trusting", trusts({"RAM": [user_arn("a")]})),
             role("other", trusts({"RAM": [user_arn("b")]})),
             role("linked", ROOT_TRUST, service_linked=True)]
    eng = engine(users=["a", "b"], roles=roles, policies=[
        policy("p", allow("sts:AssumeRole"), to=["user/a"])])
    assert edges(eng, "assume-role") == {("user/a", "assume-role:ALLOW", "role/trusting")}
    no_grant = engine(users=["a", "b"], roles=roles)
    assert edges(no_grant, "assume-role") == set()


def test_assume_role_with_conditioned_trust_is_conditional() -> None:
    eng = engine(users=["a"], roles=[role("r", trusts(
        {"RAM": [user_arn("a")]}, Condition={"StringEquals": {"sts:ExternalId": "x"}}))],
        policies=[policy("p", allow("sts:AssumeRole", role_arn("r")), to=["user/a"])])
    assert edges(eng, "assume-role") == {("user/a", "assume-role:CONDITIONAL", "role/r")}


def test_update_role_trust_needs_update_and_assume_not_trust() -> None:
    roles = [role("r", trusts({"Service": ["ecs.aliyuncs.com"]}))]
    eng = engine(users=["a"], roles=roles, policies=[
        policy("p", allow(["ram:UpdateRole", "sts:AssumeRole"], role_arn("r")), to=["user/a"])])
    assert edges(eng, "update-role-trust") == {("user/a", "update-role-trust:ALLOW", "role/r")}
    near = engine(users=["a"], roles=roles, policies=[
        policy("p", allow("ram:UpdateRole", role_arn("r")), to=["user/a"])])
    assert edges(near, "update-role-trust") == set()


def test_trusted_principal_types_excluding_ram_removes_update_role_trust() -> None:
    cond = {"ForAllValues:StringEquals": {"ram:TrustedPrincipalTypes": ["Service"]}}
    eng = engine(users=["a"], roles=[role("r", ECS_TRUST)], policies=[policy(
        "p", allow("ram:UpdateRole", Condition=cond), allow("sts:AssumeRole"), to=["user/a"])])
    assert edges(eng, "update-role-trust") == set()
    ram_ok = {"StringEquals": {"ram:TrustedPrincipalTypes": ["Service", "ram"]}}
    eng2 = engine(users=["a"], roles=[role("r", ECS_TRUST)], policies=[policy(
        "p", allow("ram:UpdateRole", Condition=ram_ok), allow("sts:AssumeRole"), to=["user/a"])])
    assert edges(eng2, "update-role-trust") == {
        ("user/a", "update-role-trust:CONDITIONAL", "role/r")}


def test_pass_role_ecs_needs_passrole_an_instance_grant_and_ecs_trust() -> None:
    fc_trust = trusts({"Service": ["fc.aliyuncs.com"]})
    roles = [role("ecs-admin", ECS_TRUST), role("fc-admin", fc_trust)]
    eng = engine(users=["a"], roles=roles, policies=[
        policy("p", allow("ram:PassRole"), allow("ecs:RunInstances"), to=["user/a"])])
    assert edges(eng, "pass-role-ecs") == {("user/a", "pass-role-ecs:ALLOW", "role/ecs-admin")}
    no_ecs = engine(users=["a"], roles=roles, policies=[
        policy("p", allow("ram:PassRole"), to=["user/a"])])
    assert edges(no_ecs, "pass-role-ecs") == set()


def test_run_instances_needs_all_resources_attach_instance_role_an_instance() -> None:
    """Fact (authorization table): RunInstances checks *All Resources*, so a grant scoped to
    instances does not cover it; AttachInstanceRamRole is checked on the instance."""
    instances = f"acs:ecs:*:{ACCT}:instance/*"
    scoped_run = engine(users=["a"], roles=[role("r", ECS_TRUST)], policies=[policy(
        "p", allow("ram:PassRole"), allow("ecs:RunInstances", instances), to=["user/a"])])
    assert edges(scoped_run, "pass-role-ecs") == set()
    attach = engine(users=["a"], roles=[role("r", ECS_TRUST)], policies=[policy(
        "p", allow("ram:PassRole"), allow("ecs:AttachInstanceRamRole", instances),
        to=["user/a"])])
    assert edges(attach, "pass-role-ecs") == {("user/a", "pass-role-ecs:ALLOW", "role/r")}


def test_pass_role_restricted_to_another_service_is_no_edge() -> None:
    fc_only = {"StringEquals": {"acs:Service": "fc.aliyuncs.com"}}
    eng = engine(users=["a"], roles=[role("r", ECS_TRUST)], policies=[policy(
        "p", allow("ram:PassRole", Condition=fc_only), allow("ecs:*"), to=["user/a"])])
    assert edges(eng, "pass-role-ecs") == set()
    ecs_like = {"StringLike": {"acs:Service": "ecs.*"}}
    eng2 = engine(users=["a"], roles=[role("r", ECS_TRUST)], policies=[policy(
        "p", allow("ram:PassRole", Condition=ecs_like), allow("ecs:*"), to=["user/a"])])
    assert edges(eng2, "pass-role-ecs") == {("user/a", "pass-role-ecs:CONDITIONAL", "role/r")}


def test_join_group_needs_the_group_and_oneself() -> None:
    groups = [group("admins"), group("mine", "a")]
    both = allow("ram:AddUserToGroup", [f"acs:ram:*:{ACCT}:group/*", user_arn("a")])
    eng = engine(users=["a"], groups=groups, policies=[
        policy("p", both, to=["user/a"]), admin_policy(to=["group/admins"])])
    assert edges(eng, "join-group") == {("user/a", "join-group:ALLOW", "group/admins")}
    assert ("group/admins", "full-admin:ALLOW", "admin") in edges(eng)
    group_only = allow("ram:AddUserToGroup", f"acs:ram:*:{ACCT}:group/admins")
    near = engine(users=["a"], groups=groups, policies=[policy("p", group_only, to=["user/a"])])
    assert edges(near, "join-group") == set()


def test_attach_admin_to_self_needs_the_policy_resource_too() -> None:
    eng = engine(users=["a"], policies=[admin_policy(), policy(
        "p", allow("ram:AttachPolicyToUser", [user_arn("a"), ADMIN_POLICY]), to=["user/a"])])
    assert edges(eng, "attach-admin-to-self") == {
        ("user/a", "attach-admin-to-self:ALLOW", "admin")}
    target_only = engine(users=["a"], policies=[admin_policy(), policy(
        "p", allow("ram:AttachPolicyToUser", user_arn("a")), to=["user/a"])])
    assert edges(target_only, "attach-admin-to-self") == {
        ("user/a", "attach-admin-to-self:CONDITIONAL", "admin")}
    other_user = engine(users=["a", "b"], policies=[admin_policy(), policy(
        "p", allow("ram:AttachPolicyToUser", [user_arn("b"), ADMIN_POLICY]), to=["user/a"])])
    assert edges(other_user, "attach-admin-to-self") == set()


def test_attach_admin_to_self_for_a_role() -> None:
    eng = engine(roles=[role("r")], policies=[admin_policy(), policy(
        "p", allow("ram:AttachPolicyToRole"), to=["role/r"])])
    assert edges(eng, "attach-admin-to-self") == {
        ("role/r", "attach-admin-to-self:ALLOW", "admin")}


def test_attach_admin_to_own_group() -> None:
    grant = allow("ram:AttachPolicyToGroup", [f"acs:ram:*:{ACCT}:group/mine", ADMIN_POLICY])
    eng = engine(users=["a"], groups=[group("mine", "a"), group("theirs")],
                 policies=[admin_policy(), policy("p", grant, to=["user/a"])])
    assert edges(eng, "attach-admin-to-own-group") == {
        ("user/a", "attach-admin-to-own-group:ALLOW", "admin")}
    not_member = engine(users=["a"], groups=[group("mine"), group("theirs")],
                        policies=[admin_policy(), policy("p", grant, to=["user/a"])])
    assert edges(not_member, "attach-admin-to-own-group") == set()


def test_create_admin_policy_needs_create_and_attach_on_the_new_policy() -> None:
    eng = engine(users=["a"], policies=[policy("p", allow("ram:CreatePolicy"), allow(
        "ram:AttachPolicyToUser", [user_arn("a"), f"acs:ram:*:{ACCT}:policy/*"]),
        to=["user/a"])])
    assert edges(eng, "create-admin-policy") == {
        ("user/a", "create-admin-policy:ALLOW", "admin")}
    attach_target_only = engine(users=["a"], policies=[policy(
        "p", allow("ram:CreatePolicy"), allow("ram:AttachPolicyToUser", user_arn("a")),
        to=["user/a"])])
    assert edges(attach_target_only, "create-admin-policy") == {
        ("user/a", "create-admin-policy:CONDITIONAL", "admin")}
    taken_name_only = engine(users=["a"], policies=[policy(
        "p", allow("ram:CreatePolicy", policy_arn("p")),
        allow("ram:AttachPolicyToUser", [user_arn("a"), f"acs:ram:*:{ACCT}:policy/*"]),
        to=["user/a"])])
    assert edges(taken_name_only, "create-admin-policy") == set()


def test_edit_own_policy_with_create_policy_version() -> None:
    eng = engine(users=["a", "b"], policies=[
        policy("mine", allow("ram:CreatePolicyVersion", policy_arn("mine")), to=["user/a"]),
        policy("theirs", allow("ram:CreatePolicyVersion", policy_arn("mine")), to=["user/b"]),
    ])
    assert edges(eng, "edit-own-policy") == {("user/a", "edit-own-policy:ALLOW", "admin")}


def test_set_default_policy_version_alone_is_at_most_conditional() -> None:
    eng = engine(users=["a"], policies=[
        policy("mine", allow("ram:SetDefaultPolicyVersion"), to=["user/a"])])
    assert edges(eng, "edit-own-policy") == {("user/a", "edit-own-policy:CONDITIONAL", "admin")}


def test_edit_own_policy_ignores_system_policies() -> None:
    eng = engine(users=["a"], policies=[policy(
        "AliyunX", allow("ram:CreatePolicyVersion"), type="System", to=["user/a"])])
    assert edges(eng, "edit-own-policy") == set()


def test_create_role_needs_create_attach_and_assume() -> None:
    grants = [allow("ram:CreateRole"), allow("ram:AttachPolicyToRole"), allow("sts:AssumeRole")]
    eng = engine(users=["a"], policies=[admin_policy(), policy("p", *grants, to=["user/a"])])
    assert edges(eng, "create-role") == {("user/a", "create-role:ALLOW", "admin")}
    near = engine(users=["a"], policies=[admin_policy(), policy("p", *grants[:2], to=["user/a"])])
    assert edges(near, "create-role") == set()


def test_create_role_needs_one_new_role_name_for_all_its_requests() -> None:
    """CreateRole on build-* and AssumeRole on run-*: no single new role P satisfies both."""
    split = [allow("ram:CreateRole", role_arn("build-*")), allow("ram:AttachPolicyToRole"),
             allow("sts:AssumeRole", role_arn("run-*"))]
    eng = engine(users=["a"], policies=[admin_policy(), policy("p", *split, to=["user/a"])])
    assert edges(eng, "create-role") == set()
    same = [allow("ram:CreateRole", role_arn("build-*")), allow("ram:AttachPolicyToRole"),
            allow("sts:AssumeRole", role_arn("build-*"))]
    eng2 = engine(users=["a"], policies=[admin_policy(), policy("p", *same, to=["user/a"])])
    assert edges(eng2, "create-role") == {("user/a", "create-role:ALLOW", "admin")}


def test_create_role_restricted_to_service_trust_is_no_edge() -> None:
    cond = {"StringEquals": {"ram:TrustedPrincipalTypes": "Service"}}
    eng = engine(users=["a"], policies=[admin_policy(), policy(
        "p", allow("ram:CreateRole", Condition=cond), allow("ram:AttachPolicyToRole"),
        allow("sts:AssumeRole"), to=["user/a"])])
    assert edges(eng, "create-role") == set()


def test_full_admin_and_its_exceptions() -> None:
    eng = engine(users=["a", "b", "c"], policies=[
        admin_policy(to=["user/a", "user/b", "user/c"]),
        policy("guard", deny("ecs:DeleteInstance"), to=["user/a"]),
        policy("lock", deny("*"), to=["user/b"]),
        policy("soft", deny("*", Condition={"Bool": {"acs:MFAPresent": "false"}}),
               to=["user/c"]),
    ])
    admins = {f.node: f for f in eng.full_admins()}
    assert set(admins) == {"user/a", "user/c"}
    assert [e.policy for e in admins["user/a"].exceptions] == ["guard"]
    assert admins["user/c"].exceptions[0].condition_keys == ("acs:MFAPresent",)


def test_a_conditioned_admin_statement_is_not_full_admin() -> None:
    eng = engine(users=["a"], policies=[policy(
        "p", allow("*", Condition={"IpAddress": {"acs:SourceIp": "10.0.0.1"}}), to=["user/a"])])
    assert eng.full_admins() == []


def test_an_unreadable_policy_gives_an_unknown_edge_not_a_path() -> None:
    eng = engine(users=["a"], policies=[policy("broken", document=None, to=["user/a"])])
    assert edges(eng) >= {("user/a", "full-admin:UNKNOWN", "admin")}
    assert eng.paths("user/a") == []
    assert not eng.can_reach("user/a")
    assert eng.can_reach("user/a", unknown_as_allow=True)


def test_every_catalogued_primitive_is_exercised_here() -> None:
    """A primitive added to the catalogue must get its test in this module."""
    import inspect
    import re
    import sys

    source = inspect.getsource(sys.modules[__name__])
    tested = set(re.findall(r'edges\(\w+, "([a-z-]+)"\)', source))
    elsewhere = {"full-admin", "attach-admin-to-reachable"}  # full_admins(); test_paths.py
    assert PRIMITIVE_IDS - tested == elsewhere


def test_service_linked_roles_are_never_targets() -> None:
    linked = role("AliyunServiceRoleForECS", ECS_TRUST, service_linked=True)
    grants = [allow("ram:PassRole"), allow("ecs:RunInstances"), allow("sts:AssumeRole"),
              allow("ram:UpdateRole")]
    eng = engine(users=["a"], roles=[linked], policies=[
        policy("p", *grants, to=["user/a"]), admin_policy(to=["role/AliyunServiceRoleForECS"])])
    assert {t for _, _, t in edges(eng)} == {"admin"}  # only the linked role's own full-admin
    assert eng.graph().into.get("role/AliyunServiceRoleForECS") is None
    assert eng.node("role/AliyunServiceRoleForECS").service_linked  # type: ignore[union-attr]


def test_a_principal_that_can_make_itself_admin_has_no_other_edges_out() -> None:
    """Its take-over edges would add nothing: it can already do everything."""
    eng = engine(users=["a", "b"], policies=[admin_policy(), policy(
        "p", allow(["ram:AttachPolicyToUser", "ram:CreateAccessKey"]), to=["user/a"])])
    assert edges(eng) - {("root", "full-admin:ALLOW", "admin")} == {
        ("user/a", "attach-admin-to-self:ALLOW", "admin")}
    conditional = engine(users=["a", "b"], policies=[admin_policy(), policy(
        "p", allow(["ram:AttachPolicyToUser", "ram:CreateAccessKey"], user_arn("a")),
        allow("ram:CreateAccessKey", user_arn("b")), to=["user/a"])])
    assert ("user/a", "create-access-key:ALLOW", "user/b") in edges(conditional)
