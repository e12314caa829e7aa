"""Checks on principals built on the policy engine: escalation paths, external principals'
paths to admin, allow-listed administrators."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.findings import Finding, Status
from auditor.snapshot import Group, Policy, PolicyAttachment, Role, User
from auditor.testing import ACCOUNT_ID, Case, make_snapshot, make_user, run_check, statuses
from checks.principals import (
    ExternalPrincipalNoAdminPath,
    PrincipalAdminAllowlisted,
    PrincipalNoEscalationPath,
)

PARTNER = "5555444433332222"
OTHER = "9999888877776666"
ADMIN_ARN = "acs:ram:*:system:policy/AdministratorAccess"
EXTERNAL_ID = {"StringEquals": {"sts:ExternalId": "abc"}}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def policy(name: str, *statements: dict[str, Any], to: Iterable[str] = (),
           type: str = "Custom", document: Any = "build") -> Policy:
    """A policy attached to node ids ``to`` (``user/a``, ``group/g``, ``role/r``)."""
    body = {"Version": "1", "Statement": list(statements)} if document == "build" else document
    return Policy(
        name=name, type=type, default_version="v1", document=body,
        document_text="" if body is None else "{}",
        attachments=tuple(PolicyAttachment(principal_type=n.partition("/")[0],
                                           principal_name=n.partition("/")[2]) for n in to),
    )


def admin_policy(*to: str) -> Policy:
    return policy("AdministratorAccess", allow("*"), to=to, type="System")


def role(name: str, principal: Any = None, condition: dict[str, Any] | None = None,
         *, service_linked: bool = False, document: Any = "build") -> Role:
    stmt: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole",
                            "Principal": principal or {"RAM": f"acs:ram::{ACCOUNT_ID}:root"}}
    if condition:
        stmt["Condition"] = condition
    body = {"Version": "1", "Statement": [stmt]} if document == "build" else document
    return Role(id=f"3{abs(hash(name)) % 10**15:015d}", name=name,
                arn=f"acs:ram::{ACCOUNT_ID}:role/{name}", is_service_linked=service_linked,
                trust_policy=body, trust_policy_text="" if body is None else "{}")


def user_arn(name: str) -> str:
    return f"acs:ram::{ACCOUNT_ID}:user/{name}"


def role_arn(name: str) -> str:
    return f"acs:ram::{ACCOUNT_ID}:role/{name}"


@dataclass(frozen=True)
class ExternalCase(Case):
    """A case whose resources are external principals (node ids, not snapshot resources):
    ``expect`` names them with their expected status."""

    expect: Mapping[str, Status] = field(default_factory=dict)

    def named(self) -> dict[str, Status]:
        return {**super().named(), **self.expect}


def by_resource(findings: Iterable[Finding]) -> dict[str, Finding]:
    return {f.resource.name or f.resource.id: f for f in findings}


# --- principal_no_escalation_path ------------------------------------------------------

def escalation_world() -> Any:
    users: list[User] = [
        make_user("admin", console=True),
        make_user("fail_helpdesk"),
        make_user("fail_self_editor"),
        make_user("fail_ci"),
        make_user("fail_conditional"),
        make_user("pass_key_maker"),
        make_user("pass_plain"),
        make_user("pass_allowed"),
        make_user("frozen_escalator", status="freeze"),
        make_user("unknown_unreadable"),
        make_user("intern"),
    ]
    return make_snapshot(
        users=users,
        groups=[Group(id="g-help", name="helpdesk", members=("fail_helpdesk",))],
        roles=[
            role("fail_deployer"),
            role("ecs-admin", {"Service": ["ecs.aliyuncs.com"]}),
            role("pass_reader"),
            role("slr-admin", {"Service": ["ecs.aliyuncs.com"]}, service_linked=True),
        ],
        policies=[
            admin_policy("user/admin", "role/ecs-admin", "role/slr-admin"),
            policy("helpdesk", allow("ram:UpdateLoginProfile", user_arn("*")),
                   to=["group/helpdesk"]),
            policy("self-edit", allow("ram:CreatePolicyVersion",
                                      f"acs:ram:*:{ACCOUNT_ID}:policy/self-edit"),
                   to=["user/fail_self_editor"]),
            policy("ci", allow("ram:PassRole", role_arn("ecs-admin")),
                   allow("ecs:RunInstances"), to=["user/fail_ci"]),
            policy("cond", allow("ram:UpdateLoginProfile", user_arn("admin"),
                                 Condition={"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}),
                   to=["user/fail_conditional"]),
            policy("keys-for-intern", allow("ram:CreateAccessKey", user_arn("intern")),
                   to=["user/pass_key_maker"]),
            policy("deploy", allow("ram:AttachPolicyToRole", [role_arn("fail_deployer"),
                                                              ADMIN_ARN]),
                   to=["role/fail_deployer"]),
            policy("escalator", allow("ram:CreateAccessKey", user_arn("admin")),
                   to=["user/frozen_escalator", "user/pass_allowed"]),
            policy("broken", document=None, to=["user/unknown_unreadable"]),
        ],
    )


def test_escalation_paths_are_named_hop_by_hop_with_the_grant_to_remove() -> None:
    found = by_resource(run_check(PrincipalNoEscalationPath, escalation_world()))
    helpdesk = found["fail_helpdesk"].message
    assert "user/fail_helpdesk -[update-login-profile: helpdesk (Custom, v1, group:helpdesk) " \
           "statement 0 Allow]-> user/admin -[full-admin: AdministratorAccess" in helpdesk
    assert "remove statement 0 of Custom policy helpdesk (through group helpdesk)" in helpdesk
    assert "conditional" not in helpdesk
    assert "-[pass-role-ecs" in found["fail_ci"].message
    assert "-[edit-own-policy" in found["fail_self_editor"].message
    assert "-[attach-admin-to-self" in found["fail_deployer"].message
    conditional = found["fail_conditional"].message
    assert "can conditionally become" in conditional and "(conditional)" in conditional


def test_many_paths_are_counted_and_the_shortest_listed() -> None:
    """A grant on every user opens one path per admin user: the message lists the
    MESSAGE_PATHS shortest and counts the rest; the report section keeps REPORT_PATHS."""
    from auditor.engine import Evaluation, evaluate
    from auditor.policy.report_section import REPORT_PATHS
    from auditor.registry import LoadedCheck
    from checks.principals import MESSAGE_PATHS

    admins = [f"admin{i:02d}" for i in range(12)]
    snap = make_snapshot(
        users=[*(make_user(a) for a in admins), make_user("fail_keymaker")],
        policies=[admin_policy(*(f"user/{a}" for a in admins)),
                  policy("keys", allow("ram:CreateAccessKey", user_arn("*")),
                         to=["user/fail_keymaker"])],
    )
    (finding,) = run_check(PrincipalNoEscalationPath, snap)
    assert finding.status is Status.FAIL
    message = finding.message
    assert "through 12 paths (the 3 shortest are listed; `ram-audit query paths " \
           "user/fail_keymaker` lists every one)" in message
    assert message.count("| path ") == MESSAGE_PATHS - 1 and "path 4:" not in message
    assert "remove statement 0 of Custom policy keys (attached directly)" in message
    checks = [LoadedCheck(PrincipalNoEscalationPath, "builtin", "checks")]
    section = evaluate(snap, Evaluation(checks=checks)).escalation
    assert section is not None
    (principal,) = section.principals
    assert (len(principal.paths), principal.paths_total) == (REPORT_PATHS, 12)
    assert len(section.edges) == 2 * REPORT_PATHS  # only the kept paths' hops


def test_the_sections_edges_are_each_hop_once_in_the_order_paths_first_name_them() -> None:
    """Two principals reach the same administrators: the hops onto admin are shared, and
    the section's subgraph lists every hop of the kept paths once, where it first appears."""
    from auditor.engine import Evaluation, evaluate
    from auditor.registry import LoadedCheck

    admins = ["admin00", "admin01"]
    makers = ["fail_keymaker1", "fail_keymaker2"]
    snap = make_snapshot(
        users=[*(make_user(a) for a in admins), *(make_user(m) for m in makers)],
        policies=[admin_policy(*(f"user/{a}" for a in admins)),
                  policy("keys", allow("ram:CreateAccessKey", user_arn("admin*")),
                         to=[f"user/{m}" for m in makers])],
    )
    checks = [LoadedCheck(PrincipalNoEscalationPath, "builtin", "checks")]
    section = evaluate(snap, Evaluation(checks=checks)).escalation
    assert section is not None
    assert [p.node for p in section.principals] == [f"user/{m}" for m in makers]
    named = [(h.source, h.primitive, h.target) for p in section.principals
             for path in p.paths for h in path.hops]
    assert len(named) == 8 and len(set(named)) == 6  # two hops onto admin shared
    assert [(h.source, h.primitive, h.target) for h in section.edges] == list(
        dict.fromkeys(named))
    by_hop = {(h.source, h.primitive, h.target): h for h in section.edges}
    for principal in section.principals:  # one view per hop, shared by the paths
        for path in principal.paths:
            assert all(h is by_hop[(h.source, h.primitive, h.target)] for h in path.hops)
            assert path.decision == "ALLOW"


def test_escalation_verdicts() -> None:
    seen = statuses(run_check(PrincipalNoEscalationPath, escalation_world(),
                              allowed_principals=["user/pass_allowed"]))
    # Full administrators, frozen users and service-linked roles are not judged.
    assert not {"admin", "frozen_escalator", "ecs-admin", "slr-admin"} & set(seen)
    assert seen["intern"] is Status.PASS  # CreateAccessKey on intern gives intern only
    assert seen["unknown_unreadable"] is Status.UNKNOWN
    assert seen["pass_allowed"] is Status.PASS


def test_allow_listed_by_bare_name_still_names_its_path() -> None:
    found = by_resource(run_check(PrincipalNoEscalationPath, escalation_world(),
                                  allowed_principals=["fail_ci"]))
    assert found["fail_ci"].status is Status.PASS
    assert "allowed_principals" in found["fail_ci"].message
    assert "pass-role-ecs" in found["fail_ci"].message


def test_a_path_through_an_unknown_edge_is_unknown_not_pass() -> None:
    snap = make_snapshot(
        users=[make_user("dev")],
        roles=[role("ops", document=None)],
        policies=[admin_policy("role/ops"),
                  policy("dev", allow("sts:AssumeRole", role_arn("ops")), to=["user/dev"])],
    )
    [finding] = [f for f in run_check(PrincipalNoEscalationPath, snap)
                 if f.resource.name == "dev"]
    assert finding.status is Status.UNKNOWN
    assert "user/dev -[assume-role]-> role/ops" in finding.message


# --- external_principal_no_admin_path ------------------------------------------------

def external_world() -> Any:
    provider = f"acs:ram::{ACCOUNT_ID}:saml-provider/okta"
    return make_snapshot(
        roles=[
            role("partner-admin", {"RAM": f"acs:ram::{PARTNER}:root"}),
            role("vendor-ops", {"RAM": f"acs:ram::{OTHER}:root"}, EXTERNAL_ID),
            role("sso-reader", {"Federated": provider}),
            role("ecs-admin", {"Service": ["ecs.aliyuncs.com"]}),
            role("public_reader", "*"),
        ],
        policies=[
            admin_policy("role/partner-admin", "role/vendor-ops", "role/ecs-admin"),
            policy("read", allow("ecs:Describe*"), to=["role/sso-reader",
                                                      "role/public_reader"]),
        ],
    )


def test_external_principals_and_their_paths() -> None:
    found = by_resource(run_check(ExternalPrincipalNoAdminPath, external_world()))
    assert {f.resource.type for f in found.values()} == {"principal"}
    partner = found[f"account/{PARTNER}"]
    assert partner.status is Status.FAIL
    assert f"account/{PARTNER} -[assume-role: role/partner-admin (Trust" in partner.message
    vendor = found[f"account/{OTHER}"]
    assert vendor.status is Status.FAIL and "conditionally" in vendor.message
    assert found["anyone"].status is Status.PASS
    assert found[f"federated/acs:ram::{ACCOUNT_ID}:saml-provider/okta"].status is Status.PASS
    assert not [n for n in found if n.startswith("service/")]


def test_a_trusted_account_passes_with_its_path() -> None:
    found = by_resource(run_check(ExternalPrincipalNoAdminPath, external_world(),
                                  trusted_accounts=[PARTNER]))
    assert found[f"account/{PARTNER}"].status is Status.PASS
    assert "role/partner-admin" in found[f"account/{PARTNER}"].message


def test_an_organisation_run_trusts_its_accounts_and_names_the_others() -> None:
    """organizations.md: the organisation's accounts are trusted; an account outside it
    says so."""
    found = by_resource(run_check(ExternalPrincipalNoAdminPath, external_world(),
                                  organisation_accounts=[PARTNER]))
    partner = found[f"account/{PARTNER}"]
    assert partner.status is Status.PASS and "organisation_accounts" in partner.message
    outside = found[f"account/{OTHER}"]
    assert outside.status is Status.FAIL
    assert f"account/{OTHER} (outside the organisation)" in outside.message
    plain = by_resource(run_check(ExternalPrincipalNoAdminPath, external_world()))
    assert "organisation" not in plain[f"account/{OTHER}"].message


# --- principal_admin_allowlisted -----------------------------------------------------

def test_admin_allowlist_names_the_grant() -> None:
    snap = make_snapshot(
        users=[make_user("root_ops"), make_user("dev")],
        groups=[Group(id="g-ops", name="ops", members=("root_ops",))],
        policies=[admin_policy("group/ops")],
    )
    found = by_resource(run_check(PrincipalAdminAllowlisted, snap))
    assert found["root_ops"].status is Status.FAIL
    assert "AdministratorAccess (System, v1, group:ops) statement 0 Allow" in (
        found["root_ops"].message)
    assert "dev" not in found
    found = by_resource(run_check(PrincipalAdminAllowlisted, snap,
                                  allowed_principals=["user/root_ops"]))
    assert found["root_ops"].status is Status.PASS


def _catalogue_cases() -> list[Case]:
    admin_world = make_snapshot(
        users=[make_user("fail_admin"), make_user("pass_breakglass"), make_user("dev"),
               make_user("frozen_admin", status="freeze"), make_user("unknown_broken")],
        roles=[role("fail_custom_admin"), role("pass_ops"),
               role("slr", {"Service": ["ecs.aliyuncs.com"]}, service_linked=True)],
        policies=[
            admin_policy("user/fail_admin", "user/pass_breakglass", "user/frozen_admin",
                         "role/pass_ops", "role/slr"),
            policy("god", allow("*:*"), to=["role/fail_custom_admin"]),
            policy("broken", document=None, to=["user/unknown_broken"]),
        ],
    )
    return [
        Case(PrincipalNoEscalationPath, escalation_world(),
             {"allowed_principals": ["user/pass_allowed"]}),
        Case(PrincipalNoEscalationPath, make_snapshot(alias="na_nobody")),
        ExternalCase(ExternalPrincipalNoAdminPath, external_world(), expect={
            f"account/{PARTNER}": Status.FAIL, f"account/{OTHER}": Status.FAIL,
            "anyone": Status.PASS}),
        ExternalCase(ExternalPrincipalNoAdminPath, external_world(),
                     {"trusted_accounts": [PARTNER]},
                     expect={f"account/{PARTNER}": Status.PASS}),
        Case(ExternalPrincipalNoAdminPath, make_snapshot(
            alias="na_no_external", roles=[role("internal")])),
        Case(PrincipalAdminAllowlisted, admin_world,
             {"allowed_principals": ["user/pass_breakglass", "pass_ops"]}),
        Case(PrincipalAdminAllowlisted, make_snapshot(
            alias="na_no_admin", users=[make_user("dev")],
            policies=[policy("read", allow("ecs:Describe*"), to=["user/dev"])])),
    ]


CASES = _catalogue_cases()
