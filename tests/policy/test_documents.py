"""Per-document judgements on the engine's parsed model (``auditor.policy.documents`` and
``auditor.policy.trusted``): normalisation, wildcards, admin, escalation, trust principals."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.policy.documents import (
    escalation_actions,
    is_admin_equivalent,
    is_read_only_pattern,
    statements,
    unconditioned_non_read_grants,
    uses_not_elements,
)
from auditor.policy.model import Document, MalformedDocument, ParsedPolicy, parse_document
from auditor.policy.patterns import compile_wildcard, matches_every_action
from auditor.policy.trusted import TrustedPrincipal, federated_providers
from auditor.policy.trusted import trusted_principals as classify

OWN = "1234567890123456"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "1", "Statement": list(statements)}


def allow(action: Any = None, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Resource": resource, **extra}
    if action is not None:
        stmt["Action"] = action
    return stmt


def custom(document: Any) -> Document:
    return parse_document(document)


def policy(document: Any, name: str = "p", policy_type: str = "Custom") -> ParsedPolicy:
    arn = f"acs:ram::{OWN}:policy/{name}"
    return ParsedPolicy(name, policy_type, "v1", parse_document(document), arn)  # type: ignore[arg-type]


def trusted_principals(document: Any) -> tuple[TrustedPrincipal, ...]:
    return classify(parse_document(document, trust=True))


def wildcard_match(pattern: str, value: str) -> bool:
    return compile_wildcard(pattern).fullmatch(value) is not None


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("ecs:Describe*", "ecs:DescribeInstances", True),
        ("ECS:describe*", "ecs:DescribeInstances", True),
        ("ecs:Describe*", "ecs:DeleteInstance", False),
        ("ecs:Get?", "ecs:GetX", True),
        ("ecs:Get?", "ecs:GetXY", False),
        ("ecs:*", "rds:DescribeDBInstances", False),
        ("ram:List*", "xram:ListUsers", False),  # anchored at the start
        ("ram:List", "ram:ListUsers", False),  # anchored at the end
        ("ram:[L]ist*", "ram:ListUsers", False),  # no character classes
        ("a.b", "axb", False),  # regex metacharacters are literal
        ("*", "anything:AtAll", True),
    ],
)
def test_wildcard_match(pattern: str, value: str, expected: bool) -> None:
    assert wildcard_match(pattern, value) is expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("*", True), ("*:*", True), ("**", True), ("ecs:*", False), ("*:Describe*", False),
     ("?", False), ("*:?*", False), ("ram:*", False)],
)
def test_matches_every_action(pattern: str, expected: bool) -> None:
    assert matches_every_action(pattern) is expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("ecs:Describe*", True), ("*:Get*", True), ("ram:ListUsers", True), ("oss:Query?", True),
     ("ecs:CheckX", True), ("ecs:De*", False), ("ecs:*", False), ("*", False),
     ("ecs:?et*", False), ("ecs:DeleteInstance", False)],
)
def test_is_read_only_pattern(pattern: str, expected: bool) -> None:
    assert is_read_only_pattern(pattern) is expected


def test_parse_normalises_strings_and_lists() -> None:
    (stmt,) = statements(custom(
        {"Statement": {"Effect": "Allow", "Action": "ecs:*", "Resource": ["a", "b"]}}
    ))
    assert stmt.action is not None and stmt.action.patterns == ("ecs:*",)
    assert tuple(r.text for r in stmt.resource or ()) == ("a", "b")
    assert stmt.not_action is None
    assert stmt.condition == ()


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        {"Version": "1"},
        {"Statement": "nope"},
        doc("not a statement"),
        doc({"Effect": "Maybe", "Action": "*", "Resource": "*"}),
        doc({"Effect": "Allow", "Resource": "*"}),  # neither Action nor NotAction
        doc({"Effect": "Allow", "Action": "*", "NotAction": "ram:*", "Resource": "*"}),
        doc({"Effect": "Allow", "Action": 42, "Resource": "*"}),
        doc({"Effect": "Allow", "Action": ["a", 1], "Resource": "*"}),
        doc({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": "x"}),
    ],
)
def test_malformed_documents_raise(document: Any) -> None:
    with pytest.raises(MalformedDocument):
        statements(custom(document))


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (doc(allow("*")), True),
        (doc(allow("*:*")), True),
        (doc(allow(["ecs:Describe*", "*"])), True),  # a wildcard pattern in the list
        (doc(allow("*", resource=["*"])), True),
        (doc(allow("*", Condition={"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}})), True),
        (doc(allow("ecs:*")), False),
        (doc(allow("*:Describe*")), False),
        (doc(allow("?")), False),
        (doc(allow("*", resource="acs:ecs:*:*:instance/*")), False),
        (doc(allow(NotAction="ram:*")), False),  # NotAction is never admin-equivalent
        (doc({"Effect": "Allow", "Action": "*", "NotResource": "acs:oss:*:*:b"}), False),
        (doc({"Effect": "Deny", "Action": "*", "Resource": "*"}), False),
        (None, False),  # unreadable: nothing provable
    ],
)
def test_is_admin_equivalent(document: Any, expected: bool) -> None:
    assert is_admin_equivalent(policy(document)) is expected


def test_administrator_access_system_policy_is_admin_by_name() -> None:
    assert is_admin_equivalent(policy(None, "AdministratorAccess", "System"))
    assert not is_admin_equivalent(policy(None, "AdministratorAccess", "Custom"))


@pytest.mark.parametrize(
    "action",
    [
        "ram:CreatePolicyVersion",
        "ram:SetDefaultPolicyVersion",
        "ram:AttachPolicyToUser",
        "ram:AttachPolicyToGroup",
        "ram:AttachPolicyToRole",
        "ram:CreateAccessKey",
        "ram:CreateLoginProfile",
        "ram:UpdateLoginProfile",
        "ram:AddUserToGroup",
        "ram:UpdateRole",
    ],
)
def test_each_escalation_action_is_found(action: str) -> None:
    assert escalation_actions(custom(doc(allow(action)))) == (action,)
    assert escalation_actions(custom(doc(allow(action.upper())))) == (action,)


def test_escalation_details() -> None:
    assert escalation_actions(custom(doc(allow("ram:*")))) == ("ram:*",)
    assert escalation_actions(custom(doc(allow("ram:Attach*", "acs:ram:*:*:role/*")))) == (
        "ram:AttachPolicyToUser",
        "ram:AttachPolicyToGroup",
        "ram:AttachPolicyToRole",
    )
    # Specific resources are not "broadly".
    assert escalation_actions(custom(doc(allow("ram:UpdateRole", "acs:ram::1:role/app")))) == ()
    # CreateRole only escalates together with sts:AssumeRole.
    assert escalation_actions(custom(doc(allow("ram:CreateRole")))) == ()
    assert escalation_actions(
        custom(doc(allow("ram:CreateRole"), allow("sts:AssumeRole", "acs:ram::1:role/*")))
    ) == ("ram:CreateRole",)
    # Deny statements grant nothing; read-only RAM access is harmless.
    assert escalation_actions(
        custom(doc({"Effect": "Deny", "Action": "ram:*", "Resource": "*"}))
    ) == ()
    assert escalation_actions(custom(doc(allow(["ram:Get*", "ram:List*"])))) == ()
    # NotAction that does not exclude RAM grants all of RAM.
    assert escalation_actions(custom(doc(allow(NotAction="ecs:*")))) == ("ram:*",)
    assert escalation_actions(custom(doc(allow(NotAction="ram:*")))) == ()


def test_uses_not_elements() -> None:
    with_both = doc(allow(NotAction="ram:*"), {"Effect": "Allow", "Action": "ecs:*",
                                               "NotResource": "acs:ecs:*:*:instance/prod"})
    assert uses_not_elements(custom(with_both)) == ("NotAction", "NotResource")
    deny_only = doc({"Effect": "Deny", "NotAction": "ram:*", "Resource": "*"})
    assert uses_not_elements(custom(deny_only)) == ()


def test_unconditioned_non_read_grants() -> None:
    policy = custom(
        doc(
            allow(["ecs:Describe*", "ecs:StartInstance"]),
            allow("oss:PutObject", Condition={"Bool": {"acs:SecureTransport": "true"}}),
            allow("rds:*", "acs:rds:*:*:dbinstance/one"),
            {"Effect": "Deny", "Action": "*", "Resource": "*"},
        )
    )
    assert unconditioned_non_read_grants(policy) == ("ecs:StartInstance",)
    assert unconditioned_non_read_grants(custom(doc(allow(["*:Get*", "ram:List*"])))) == ()


def trust(*principals: dict[str, Any], condition: dict[str, Any] | None = None) -> dict:
    statements = []
    for principal in principals:
        stmt = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}
        if condition:
            stmt["Condition"] = condition
        statements.append(stmt)
    return doc(*statements)


def test_trusted_principals_kinds() -> None:
    found = trusted_principals(
        trust(
            {"RAM": ["acs:ram::999:root", f"acs:ram::{OWN}:user/alice", "888"]},
            {"Service": "ecs.aliyuncs.com"},
            {"Federated": f"acs:ram::{OWN}:saml-provider/okta"},
            {"RAM": "acs:ram::*:root"},
        )
    )
    kinds = [(p.kind, p.account_id) for p in found]
    assert kinds == [
        ("account", "999"),
        ("account", OWN),
        ("account", "888"),
        ("service", ""),
        ("federated", ""),
        ("any", ""),
    ]
    assert [p.is_foreign(OWN) for p in found] == [True, False, True, False, False, False]


def test_trusted_principals_star_and_condition() -> None:
    (star,) = trusted_principals(doc({"Effect": "Allow", "Action": "sts:AssumeRole",
                                      "Principal": "*"}))
    assert star.kind == "any"
    (conditioned,) = trusted_principals(
        trust({"RAM": "acs:ram::999:root"}, condition={"StringEquals": {"sts:ExternalId": "x"}})
    )
    assert conditioned.conditioned
    denied = doc({"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": {"RAM": "*"}})
    assert trusted_principals(denied) == ()
    with pytest.raises(MalformedDocument):
        trusted_principals(doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": 3}))


def test_federated_providers_skips_malformed() -> None:
    arn = f"acs:ram::{OWN}:oidc-provider/GitHub"
    documents = [parse_document(trust({"Federated": arn}), trust=True), parse_document(None)]
    assert federated_providers(documents) == {arn.lower()}


ALL_BUT_ESCALATION = [
    "ram:AttachPolicyTo*",
    "ram:CreatePolicyVersion",
    "ram:SetDefaultPolicyVersion",
    "ram:CreateAccessKey",
    "ram:CreateLoginProfile",
    "ram:UpdateLoginProfile",
    "ram:AddUserToGroup",
    "ram:UpdateRole",
]


def deny(action: Any = None, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {**allow(action, resource, **extra), "Effect": "Deny"}


def test_unconditioned_deny_on_everything_removes_escalation() -> None:
    fenced = custom(doc(allow("ram:*"), deny(ALL_BUT_ESCALATION)))
    assert escalation_actions(fenced) == ()
    # A Deny of every action but reads (NotAction) removes them too.
    assert escalation_actions(
        custom(doc(allow("ram:*"), deny(NotAction=["ram:Get*", "ram:List*"])))
    ) == ()
    # Denying sts:AssumeRole defuses ram:CreateRole.
    assert escalation_actions(
        custom(doc(allow(["ram:CreateRole", "sts:AssumeRole"]), deny("sts:AssumeRole")))
    ) == ()


def test_partial_deny_of_ram_star_lists_what_is_still_granted() -> None:
    (found,) = escalation_actions(custom(doc(allow("ram:*"), deny("ram:AttachPolicyTo*"))))
    assert found.startswith("ram:* except denied actions")
    assert "ram:CreateAccessKey" in found and "ram:UpdateRole" in found
    assert "AttachPolicyTo" not in found
    # A Deny of non-escalation actions leaves plain ram:*.
    assert escalation_actions(custom(doc(allow("ram:*"), deny("ram:DeleteUser")))) == ("ram:*",)


@pytest.mark.parametrize(
    "fence",
    [
        deny("ram:CreateAccessKey", Condition={"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}),
        deny("ram:CreateAccessKey", "acs:ram::1:user/admin"),  # narrower than the grant
        deny("ram:CreateAccessKey", "acs:ram:*:*:user/?"),  # ? does not cover user/*
        deny("ram:CreateAccessKey", NotResource="acs:ram::1:user/admin", resource=None),
        {"Effect": "Deny", "Action": "ram:CreateAccessKey"},  # no Resource element
    ],
)
def test_conditioned_or_narrower_deny_removes_nothing(fence: dict[str, Any]) -> None:
    fence = {k: v for k, v in fence.items() if v is not None}
    policy = custom(doc(allow("ram:CreateAccessKey", "acs:ram:*:*:user/*"), fence))
    assert escalation_actions(policy) == ("ram:CreateAccessKey",)


def test_deny_on_a_covering_pattern_removes_the_grant() -> None:
    grant = allow("ram:CreateAccessKey", "acs:ram:*:*:user/*")
    assert escalation_actions(custom(doc(grant, deny("ram:*", "acs:ram:*:*:*")))) == ()
    assert escalation_actions(custom(doc(grant, deny("ram:*", "acs:ram:*:*:user/*")))) == ()
    # A grant on "*" (or via NotResource) is only covered by a Deny on "*".
    on_all = allow("ram:CreateAccessKey")
    assert escalation_actions(custom(doc(on_all, deny("ram:*", "acs:ram:*:*:*")))) == (
        "ram:CreateAccessKey",
    )
    not_resource = {"Effect": "Allow", "Action": "ram:CreateAccessKey",
                    "NotResource": "acs:ram::1:user/x"}
    assert escalation_actions(custom(doc(not_resource, deny("ram:*", "acs:ram:*:*:*")))) == (
        "ram:CreateAccessKey",
    )
    assert escalation_actions(custom(doc(not_resource, deny("ram:*")))) == ()


def test_trusted_principals_unknown_kinds_are_other() -> None:
    found = trusted_principals(
        trust(
            {"AWS": "arn:aws:iam::123456789012:root"},
            {"ram": f"acs:ram::{OWN}:root"},  # keys are case-sensitive
            {"RAM": "alice"},  # not an ARN or account id
            {"RAM": f"acs:ram::{OWN}:group/admins"},  # groups cannot assume roles
            {"Service": "evil.example.com"},
            {"Federated": f"acs:ram::{OWN}:user/x"},
            {},
        )
    )
    assert [p.kind for p in found] == ["other"] * 7
    (whole_account,) = trusted_principals(trust({"RAM": f"acs:ram::{OWN}:*"}))
    assert (whole_account.kind, whole_account.account_id) == ("account", OWN)
    assert found[0].value == "AWS: arn:aws:iam::123456789012:root"
    assert found[-1].value == "empty Principal {}"
    (not_principal,) = trusted_principals(
        doc({"Effect": "Allow", "Action": "sts:AssumeRole", "NotPrincipal": {"RAM": "1"}})
    )
    assert not_principal.kind == "other" and "NotPrincipal" in not_principal.value
