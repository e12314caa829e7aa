"""The typed model: documents parsed once, malformed ones kept with their reason."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.policy import parse_document
from auditor.policy.patterns import ResourcePattern, parse_arn


def test_string_or_list_elements_and_one_statement_object() -> None:
    doc = parse_document({"Statement": {"Effect": "Allow", "Action": "ram:Get*",
                                        "Resource": ["acs:ram:*:1:user/*", "*"]}})
    [stmt] = doc.statements
    assert doc.readable and stmt.index == 0 and stmt.allows
    assert stmt.action is not None and stmt.action.patterns == ("ram:Get*",)
    assert [p.text for p in stmt.patterns] == ["acs:ram:*:1:user/*", "*"]
    assert stmt.applies_to("RAM:GETUSER") and not stmt.applies_to("ram:ListUsers")


def test_condition_keys_and_values_are_kept() -> None:
    doc = parse_document({"Statement": [{
        "Effect": "Allow", "Action": "ram:PassRole", "Resource": "*",
        "Condition": {"ForAnyValue:StringEquals": {"acs:Service": ["ecs.aliyuncs.com"]},
                      "Bool": {"acs:MFAPresent": True}}}]})
    [stmt] = doc.statements
    assert stmt.conditioned and stmt.condition_keys == ("acs:MFAPresent", "acs:Service")
    assert not stmt.excludes("acs:service", "ecs.aliyuncs.com")
    assert stmt.excludes("acs:service", "fc.aliyuncs.com")


def test_principals_and_not_principals_are_parsed() -> None:
    doc = parse_document({"Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": "acs:ram::1:root"}},
        {"Effect": "Deny", "Action": "sts:AssumeRole", "NotPrincipal": "*"},
    ]}, trust=True)
    assert doc.statements[0].principal == {"RAM": ("acs:ram::1:root",)}
    assert doc.statements[1].not_principal == {"*": ("*",)}


@pytest.mark.parametrize(("document", "reason"), [
    (None, "not valid JSON"),
    ("text", "not a JSON object"),
    ({"Version": "1"}, "no Statement list"),
    ({"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "exactly one of Action"),
    ({"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]}, "Effect"),
    ({"Statement": [{"Effect": "Allow", "Action": 3, "Resource": "*"}]}, "string or a list"),
    ({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                     "NotResource": "*"}]}, "both Resource and NotResource"),
    ({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                     "Condition": ["x"]}]}, "Condition must be an object"),
])
def test_malformed_documents_keep_their_reason(document: Any, reason: str) -> None:
    doc = parse_document(document)
    assert not doc.readable and doc.statements == ()
    assert doc.error is not None and reason in doc.error


def test_resource_patterns_are_compiled_once_with_their_validity() -> None:
    assert ResourcePattern("*").every_arn
    assert ResourcePattern("acs:*:*:*:*").every_arn
    assert not ResourcePattern("acs:ram:*:*:*").every_arn
    bad = ResourcePattern("acs:ram:user/x")
    assert not bad.valid and not bad.every_arn
    arn = parse_arn("acs:ram::1:user/Bob")
    assert arn is not None
    assert ResourcePattern("acs:RAM:cn-x:1:user/Bob").match(arn, deny=False)
    assert not ResourcePattern("acs:ram:*:1:user/bob").match(arn, deny=False)
    assert ResourcePattern("acs:ram:*:1:user/bob").match(arn, deny=True)
    assert parse_arn("user/bob") is None
