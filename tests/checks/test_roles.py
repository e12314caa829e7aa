"""Role checks: admin allow-list, trust restrictions, session duration."""

from __future__ import annotations

from typing import Any

from auditor.findings import Status
from auditor.snapshot import Policy, PolicyAttachment, Role
from auditor.testing import ACCOUNT_ID, assert_by_prefix, make_snapshot, run_check, statuses
from checks.roles import RoleAdminAccessAllowlisted, RoleMaxSessionShort, RoleTrustRestricted

FOREIGN = "9999888877776666"
EXTERNAL_ID = {"StringEquals": {"sts:ExternalId": "abc"}}


def trust_doc(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}
    if condition:
        stmt["Condition"] = condition
    return {"Version": "1", "Statement": [stmt]}


def role(
    name: str,
    *,
    principal: Any = None,
    condition: dict[str, Any] | None = None,
    max_session: int = 3600,
    service_linked: bool = False,
    trust_policy: Any = "default",
) -> Role:
    if trust_policy == "default":
        trust_policy = trust_doc(principal or {"RAM": f"acs:ram::{ACCOUNT_ID}:root"}, condition)
    return Role(
        id=f"3{abs(hash(name)) % 10**15:015d}",
        name=name,
        arn=f"acs:ram::{ACCOUNT_ID}:role/{name.lower()}",
        max_session_duration=max_session,
        is_service_linked=service_linked,
        trust_policy=trust_policy,
    )


def attached(policy: Policy, *roles: str) -> Policy:
    return policy.model_copy(
        update={
            "attachments": tuple(
                PolicyAttachment(principal_type="role", principal_name=r) for r in roles
            ),
            "attachment_count": len(roles),
        }
    )


ADMIN = Policy(name="AdministratorAccess", type="System")
CUSTOM_ADMIN = Policy(
    name="god-mode",
    type="Custom",
    document={"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*:*",
                                             "Resource": "*"}]},
)
ECS_FULL = Policy(
    name="AliyunECSFullAccess",
    type="System",
    document={"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*",
                                             "Resource": "*"}]},
)


def test_role_admin_access_allowlisted() -> None:
    snap = make_snapshot(
        roles=[
            role("fail_admin"),
            role("fail_custom_admin"),
            role("pass_break_glass"),
            role("not_admin"),
            role("service_linked_admin", service_linked=True),
        ],
        policies=[
            attached(ADMIN, "fail_admin", "pass_break_glass", "service_linked_admin"),
            attached(CUSTOM_ADMIN, "fail_custom_admin"),
            attached(ECS_FULL, "not_admin"),
        ],
    )
    findings = run_check(RoleAdminAccessAllowlisted, snap, allowed_roles=["pass_break_glass"])
    assert_by_prefix(findings)
    seen = statuses(findings)
    assert "not_admin" not in seen and "service_linked_admin" not in seen
    assert "god-mode" in next(f.message for f in findings if f.resource.name == "fail_custom_admin")


def test_role_admin_access_none_is_not_applicable() -> None:
    snap = make_snapshot(roles=[role("ops")], policies=[attached(ECS_FULL, "ops")])
    (finding,) = run_check(RoleAdminAccessAllowlisted, snap)
    assert finding.status is Status.NOT_APPLICABLE


def test_role_trust_restricted() -> None:
    snap = make_snapshot(
        roles=[
            role("fail_star", principal="*"),
            role("fail_ram_star", principal={"RAM": ["*"]}),
            role("fail_star_even_with_condition", principal={"RAM": "*"}, condition=EXTERNAL_ID),
            role("fail_foreign_root", principal={"RAM": f"acs:ram::{FOREIGN}:root"}),
            role("fail_foreign_user", principal={"RAM": f"acs:ram::{FOREIGN}:user/bob"}),
            role("pass_own_account", principal={"RAM": f"acs:ram::{ACCOUNT_ID}:root"}),
            role("pass_own_role", principal={"RAM": f"acs:ram::{ACCOUNT_ID}:role/ci"}),
            role(
                "pass_foreign_with_condition",
                principal={"RAM": f"acs:ram::{FOREIGN}:root"},
                condition=EXTERNAL_ID,
            ),
            role("pass_trusted_partner", principal={"RAM": "acs:ram::5555444433332222:root"}),
            role("pass_service", principal={"Service": ["ecs.aliyuncs.com"]}),
            role("pass_saml", principal={"Federated": f"acs:ram::{ACCOUNT_ID}:saml-provider/x"}),
        ]
    )
    findings = run_check(RoleTrustRestricted, snap, trusted_accounts=["5555444433332222"])
    assert_by_prefix(findings)
    messages = {f.resource.name: f.message for f in findings}
    assert FOREIGN in messages["fail_foreign_root"]
    assert "any principal" in messages["fail_star"]


def test_role_trust_fails_closed_on_principals_it_does_not_understand() -> None:
    own_root = f"acs:ram::{ACCOUNT_ID}:root"
    not_principal = trust_doc({"RAM": own_root})
    not_principal["Statement"][0]["NotPrincipal"] = not_principal["Statement"][0].pop("Principal")
    snap = make_snapshot(
        roles=[
            role("fail_aws_kind", principal={"AWS": "arn:aws:iam::123456789012:root"}),
            role("fail_lowercase_ram", principal={"ram": own_root}),
            role("fail_mixed", principal={"RAM": own_root, "Ram": own_root}),
            role("fail_not_an_arn", principal={"RAM": "alice"}),
            role("fail_not_a_provider", principal={"Federated": own_root}),
            role("fail_conditioned_unknown", principal={"AWS": "*x"}, condition=EXTERNAL_ID),
            role("fail_not_principal", trust_policy=not_principal),
            role("pass_own_user", principal={"RAM": f"acs:ram::{ACCOUNT_ID}:user/alice"}),
            role("pass_service", principal={"Service": "oss.aliyuncs.com"}),
        ]
    )
    findings = run_check(RoleTrustRestricted, snap)
    assert_by_prefix(findings)
    messages = {f.resource.name: f.message for f in findings}
    assert "not understood" in messages["fail_aws_kind"]
    assert "AWS: arn:aws:iam::123456789012:root" in messages["fail_aws_kind"]
    assert "ram: " in messages["fail_lowercase_ram"]
    assert "Ram: " in messages["fail_mixed"] and "RAM: " not in messages["fail_mixed"]
    assert "NotPrincipal" in messages["fail_not_principal"]


def test_role_trust_trusted_accounts_param_matters() -> None:
    snap = make_snapshot(roles=[role("fail_partner", principal={"RAM": f"{FOREIGN}"})])
    assert run_check(RoleTrustRestricted, snap)[0].status is Status.FAIL
    assert run_check(RoleTrustRestricted, snap, trusted_accounts=[FOREIGN])[0].status is (
        Status.PASS
    )


def test_role_trust_in_an_organisation_run_names_accounts_outside_it() -> None:
    """organizations.md: the organisation's accounts are trusted, and a trust to an account
    outside the organisation says so (FAIL without a Condition, named in the PASS with one)."""
    member = "5555444433332222"
    snap = make_snapshot(
        roles=[
            role("pass_member", principal={"RAM": f"acs:ram::{member}:root"}),
            role("fail_outside", principal={"RAM": f"acs:ram::{FOREIGN}:root"}),
            role("pass_outside_conditioned", principal={"RAM": f"acs:ram::{FOREIGN}:root"},
                 condition=EXTERNAL_ID),
        ]
    )
    findings = run_check(RoleTrustRestricted, snap, organisation_accounts=[member])
    assert_by_prefix(findings)
    messages = {f.resource.name: f.message for f in findings}
    assert f"foreign account {FOREIGN} (outside the organisation)" in messages["fail_outside"]
    assert f"outside the organisation, with a Condition: {FOREIGN}" in messages[
        "pass_outside_conditioned"]
    assert "outside" not in messages["pass_member"]
    # Outside an organisation run nothing is said about organisations.
    plain = run_check(RoleTrustRestricted, snap, trusted_accounts=[member])
    assert not any("organisation" in f.message for f in plain)


def test_role_trust_unreadable_is_unknown() -> None:
    snap = make_snapshot(roles=[role("broken", trust_policy=None)])
    (finding,) = run_check(RoleTrustRestricted, snap)
    assert finding.status is Status.UNKNOWN
    assert "broken" in finding.message


def test_role_max_session_short() -> None:
    snap = make_snapshot(
        roles=[
            role("pass_3600", max_session=3600),
            role("fail_3601", max_session=3601),
            role("fail_12h", max_session=43200),
            role("service_linked_long", max_session=43200, service_linked=True),
        ]
    )
    findings = run_check(RoleMaxSessionShort, snap)
    assert_by_prefix(findings)
    assert "service_linked_long" not in statuses(findings)
    relaxed = statuses(run_check(RoleMaxSessionShort, snap, max_seconds=43200))
    assert relaxed["fail_12h"] is Status.PASS


def test_only_service_linked_roles_is_not_applicable() -> None:
    snap = make_snapshot(roles=[role("slr", service_linked=True, max_session=43200)])
    (finding,) = run_check(RoleMaxSessionShort, snap)
    assert finding.status is Status.NOT_APPLICABLE
    (finding,) = run_check(RoleTrustRestricted, make_snapshot())
    assert finding.status is Status.NOT_APPLICABLE


def _catalogue_cases() -> list:
    """Cases for tests/checks/test_catalogue_cases.py: resources named for their status."""
    from auditor.testing import Case

    return [
        Case(RoleAdminAccessAllowlisted, make_snapshot(
            roles=[
                role("fail_admin"),
                role("fail_custom_admin"),
                role("pass_break_glass"),
                role("not_admin"),
                role("service_linked_admin", service_linked=True),
            ],
            policies=[
                attached(ADMIN, "fail_admin", "pass_break_glass", "service_linked_admin"),
                attached(CUSTOM_ADMIN, "fail_custom_admin"),
                attached(ECS_FULL, "not_admin"),
            ],
        ), {"allowed_roles": ["pass_break_glass"]}),
        Case(RoleAdminAccessAllowlisted, make_snapshot(
            alias="na_no_admin_role", roles=[role("ops")], policies=[attached(ECS_FULL, "ops")]
        )),
        Case(RoleTrustRestricted, make_snapshot(roles=[
            role("fail_star", principal="*"),
            role("fail_ram_star", principal={"RAM": ["*"]}),
            role("fail_foreign_root", principal={"RAM": f"acs:ram::{FOREIGN}:root"}),
            role("fail_not_understood", principal={"AWS": "arn:aws:iam::123456789012:root"}),
            role("pass_own_account", principal={"RAM": f"acs:ram::{ACCOUNT_ID}:root"}),
            role("pass_foreign_with_condition", principal={"RAM": f"acs:ram::{FOREIGN}:root"},
                 condition=EXTERNAL_ID),
            role("pass_trusted_partner", principal={"RAM": "acs:ram::5555444433332222:root"}),
            role("pass_service", principal={"Service": ["ecs.aliyuncs.com"]}),
            role("pass_saml", principal={"Federated": f"acs:ram::{ACCOUNT_ID}:saml-provider/x"}),
            role("unknown_unreadable_trust", trust_policy=None),
        ]), {"trusted_accounts": ["5555444433332222"]}),
        Case(RoleTrustRestricted, make_snapshot(alias="na_no_role")),
        Case(RoleMaxSessionShort, make_snapshot(roles=[
            role("pass_3600", max_session=3600),
            role("fail_3601", max_session=3601),
            role("service_linked_long", max_session=43200, service_linked=True),
        ])),
        Case(RoleMaxSessionShort, make_snapshot(roles=[role("pass_12h", max_session=43200)]),
             {"max_seconds": 43200}),
        Case(RoleMaxSessionShort, make_snapshot(
            alias="na_only_service_linked",
            roles=[role("slr", service_linked=True, max_session=43200)],
        )),
    ]


CASES = _catalogue_cases()
