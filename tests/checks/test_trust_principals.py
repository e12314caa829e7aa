"""Trust-policy principal forms (issue 13, items 2 and 9b): documented service principals,
region-insensitive RAM ARNs, and placeholder or masked account ids that are not understood
(never "any principal")."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.findings import Status
from auditor.policy.model import parse_document
from auditor.policy.trusted import TrustedPrincipal
from auditor.policy.trusted import trusted_principals as classify
from auditor.snapshot import Role
from auditor.testing import ACCOUNT_ID, assert_by_prefix, make_snapshot, run_check
from checks.roles import RoleTrustRestricted

FOREIGN = "9999888877776666"


def trust(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole",
                                 "Principal": principal}
    if condition:
        statement["Condition"] = condition
    return {"Version": "1", "Statement": [statement]}


def trusted_principals(document: Any) -> tuple[TrustedPrincipal, ...]:
    return classify(parse_document(document, trust=True))


def kind_of(kind: str, value: str) -> tuple[str, str]:
    (principal,) = trusted_principals(trust({kind: value}))
    return principal.kind, principal.account_id


@pytest.mark.parametrize(
    "value",
    [
        "ecs.aliyuncs.com",
        "fc.aliyuncs.com",
        f"{ACCOUNT_ID}@fc.aliyuncs.com",  # documented (MSE) form
        f"{FOREIGN}@fc.aliyuncs.com",
        "logdelivery.alb.aliyuncs.com",  # service-linked role service names have dots
        "nlb-for-log.nlb.aliyuncs.com",
        "ECS.Aliyuncs.com",
    ],
)
def test_service_principals(value: str) -> None:
    assert kind_of("Service", value) == ("service", "")


@pytest.mark.parametrize(
    "value",
    [
        "abc@fc.aliyuncs.com",  # only digits before @
        "@fc.aliyuncs.com",
        "1@2@fc.aliyuncs.com",
        "*@fc.aliyuncs.com",
        "*.aliyuncs.com",
        "aliyuncs.com",
        "fc..aliyuncs.com",
        "fc.aliyuncs.com.example.com",
        "fc.aliyuncs.com\n",
        "evil.example.com",
        "acs:ram::1:root",
    ],
)
def test_other_service_values_are_not_understood(value: str) -> None:
    assert kind_of("Service", value) == ("other", "")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"acs:ram::{ACCOUNT_ID}:root", ("account", ACCOUNT_ID)),
        (f"acs:ram:*:{ACCOUNT_ID}:root", ("account", ACCOUNT_ID)),  # region ignored
        (f"acs:ram:cn-hangzhou:{ACCOUNT_ID}:root", ("account", ACCOUNT_ID)),
        (f"acs:ram:*:{ACCOUNT_ID}:role/deployer", ("account", ACCOUNT_ID)),
        (f"acs:ram:*:{FOREIGN}:user/alice", ("account", FOREIGN)),
        (f"acs:ram:*:{FOREIGN}:*", ("account", FOREIGN)),
        (FOREIGN, ("account", FOREIGN)),
        # A wildcard account id pins no account: any principal.
        ("acs:ram::*:root", ("any", "")),
        ("acs:ram:*:*:root", ("any", "")),
        ("acs:ram:*:*:*", ("any", "")),
        ("acs:ram::????????????????:root", ("any", "")),
        # Placeholders and masked ids are not understood (never guessed to be wildcards).
        ("acs:ram::<account-id>:root", ("other", "")),
        ("acs:ram:*:<account-id>:root", ("other", "")),
        ("acs:ram::123456789012****:root", ("other", "")),
        ("acs:ram::1234****5678:root", ("other", "")),
        ("acs:ram::xxxx:root", ("other", "")),
        ("acs:ram:::root", ("other", "")),
        ("12345*", ("other", "")),
        ("<account-id>", ("other", "")),
        (f"acs:ram:*:{ACCOUNT_ID}:group/admins", ("other", "")),
        (f"acs:ecs:*:{ACCOUNT_ID}:root", ("other", "")),
    ],
)
def test_ram_principals(value: str, expected: tuple[str, str]) -> None:
    assert kind_of("RAM", value) == expected


def role(name: str, principal: Any, condition: dict[str, Any] | None = None) -> Role:
    return Role(id=f"3{abs(hash(name)) % 10**15:015d}", name=name,
                arn=f"acs:ram::{ACCOUNT_ID}:role/{name}", max_session_duration=3600,
                trust_policy=trust(principal, condition))


def test_role_trust_restricted_on_documented_and_undocumented_forms() -> None:
    snap = make_snapshot(
        roles=[
            role("pass_fc_account_service", {"Service": [f"{ACCOUNT_ID}@fc.aliyuncs.com"]}),
            role("pass_multi_label_service", {"Service": "logdelivery.alb.aliyuncs.com"}),
            role("pass_own_root_any_region", {"RAM": [f"acs:ram:*:{ACCOUNT_ID}:root"]}),
            role("pass_own_role_region", {"RAM": f"acs:ram:cn-beijing:{ACCOUNT_ID}:role/ci"}),
            role("pass_foreign_with_condition", {"RAM": f"acs:ram:*:{FOREIGN}:root"},
                 {"StringEquals": {"sts:ExternalId": "x"}}),
            role("fail_foreign_any_region", {"RAM": f"acs:ram:*:{FOREIGN}:root"}),
            role("fail_wildcard_account", {"RAM": "acs:ram::*:root"}),
            role("fail_placeholder", {"RAM": "acs:ram::<account-id>:root"}),
            role("fail_masked", {"RAM": "acs:ram:*:123456789012****:root"}),
            role("fail_masked_middle", {"RAM": "acs:ram::1234****5678:root"}),
            role("fail_bad_service", {"Service": "abc@fc.aliyuncs.com"}),
        ]
    )
    findings = run_check(RoleTrustRestricted, snap)
    assert_by_prefix(findings)
    message = {f.resource.name: f.message for f in findings if f.status is Status.FAIL}
    assert f"foreign account {FOREIGN}" in message["fail_foreign_any_region"]
    assert "any principal (acs:ram::*:root)" in message["fail_wildcard_account"]
    for name, raw in [
        ("fail_placeholder", "acs:ram::<account-id>:root"),
        ("fail_masked", "acs:ram:*:123456789012****:root"),
        ("fail_masked_middle", "acs:ram::1234****5678:root"),
        ("fail_bad_service", "abc@fc.aliyuncs.com"),
    ]:
        assert "any principal" not in message[name]
        assert "a principal not understood (" in message[name] and raw in message[name]
    assert "is not a number" in message["fail_placeholder"]
    assert "[<account-id>@]<name>.aliyuncs.com" in message["fail_bad_service"]


def test_trusted_accounts_param_accepts_a_foreign_account_written_with_a_region() -> None:
    snap = make_snapshot(roles=[role("pass_partner", {"RAM": f"acs:ram:*:{FOREIGN}:root"})])
    assert_by_prefix(run_check(RoleTrustRestricted, snap, trusted_accounts=(FOREIGN,)))
