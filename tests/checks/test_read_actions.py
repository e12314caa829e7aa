"""Read actions (issue 13, item 9a): which Action patterns policy_sensitive_actions_conditioned
treats as reads. Read = a name starting Get, List, Describe, Query, Check, View, BatchGet,
Lookup or Search, plus exactly ``ram:GenerateCredentialReport``."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.policy.documents import is_read_only_pattern
from auditor.snapshot import Policy
from auditor.testing import assert_by_prefix, make_snapshot, run_check
from checks.policies import PolicySensitiveActionsConditioned

#: What read-only templates (vendor "ReadOnly" policies, audit roles) grant on Resource "*".
READ_ONLY_TEMPLATE = [
    "ecs:Describe*",
    "oss:List*",
    "oss:Get*",
    "ram:GenerateCredentialReport",
    "ram:GetCredentialReport",
    "rds:View*",
    "ots:BatchGet*",
    "dns:Search*",
    "cms:Query*",
    "slb:Check*",
    "alidns:Lookup*",
    "ECS:describeInstances",  # action names match case-insensitively
    "*:Get*",
]


@pytest.mark.parametrize("pattern", READ_ONLY_TEMPLATE)
def test_read_patterns(pattern: str) -> None:
    assert is_read_only_pattern(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        "ecs:*",
        "ecs:Delete*",
        "ram:Generate*",  # also ram:GenerateServiceLastAccessedDetails...
        "ram:GenerateCredentialRepor?",  # only the exact action is a read
        "ecs:GenerateCredentialReport",  # the exception is RAM's action, not a name
        "ram:GenerateServiceLastAccessedDetails",
        "ots:Batch*",  # BatchWriteRow
        "ots:BatchWriteRow",
        "rds:V*",
        "dns:Sea*",
        "*",
        "ram:CreateAccessKey",
    ],
)
def test_non_read_patterns(pattern: str) -> None:
    assert not is_read_only_pattern(pattern)


def _policy(name: str, actions: list[str], **extra: Any) -> Policy:
    statement = {"Effect": "Allow", "Action": actions, "Resource": "*", **extra}
    return Policy(name=name, type="Custom", default_version="v1",
                  document={"Version": "1", "Statement": [statement]})


def test_read_only_template_passes_and_wildcards_still_fail() -> None:
    snap = make_snapshot(
        policies=[
            _policy("pass_read_only_template", READ_ONLY_TEMPLATE),
            _policy("fail_service_wildcard", [*READ_ONLY_TEMPLATE, "ecs:*"]),
            _policy("fail_delete", ["ecs:Delete*"]),
            _policy("fail_generate_wildcard", ["ram:Generate*"]),
        ]
    )
    findings = run_check(PolicySensitiveActionsConditioned, snap)
    assert_by_prefix(findings)
    messages = {f.resource.name: f.message for f in findings}
    assert "ecs:*" in messages["fail_service_wildcard"]
    assert "View" not in messages["fail_service_wildcard"]
    assert "ram:Generate*" in messages["fail_generate_wildcard"]
