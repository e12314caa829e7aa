"""SSO checks: user-based or role-based SSO in use, SAML signature algorithm."""

from __future__ import annotations

import pytest

from auditor.findings import Status
from auditor.snapshot import IdentityProvider, Role, SsoSettings
from auditor.testing import ACCOUNT_ID, make_snapshot, run_check
from checks.sso import SsoEnabled, SsoSamlSignatureSha256

SAML_ARN = f"acs:ram::{ACCOUNT_ID}:saml-provider/okta"
OIDC_ARN = f"acs:ram::{ACCOUNT_ID}:oidc-provider/github"
PROVIDERS = (
    IdentityProvider(kind="saml", name="okta", arn=SAML_ARN),
    IdentityProvider(kind="oidc", name="github", arn=OIDC_ARN),
)


def federated_role(name: str, provider_arn: str) -> Role:
    return Role(
        id=f"3-{name}",
        name=name,
        arn=f"acs:ram::{ACCOUNT_ID}:role/{name}",
        trust_policy={
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Federated": [provider_arn]},
                    "Condition": {"StringEquals": {"saml:recipient": "https://signin"}},
                }
            ],
        },
    )


def sso_status(sso: SsoSettings, roles: tuple[Role, ...] = ()) -> Status:
    (finding,) = run_check(SsoEnabled, make_snapshot(sso=sso, roles=roles))
    assert finding.resource.type == "account"
    return finding.status


def test_user_based_sso_enabled_passes() -> None:
    assert sso_status(SsoSettings(user_sso_enabled=True)) is Status.PASS


@pytest.mark.parametrize("arn", [SAML_ARN, OIDC_ARN, SAML_ARN.upper()])
def test_sso_via_federated_role_only_passes(arn: str) -> None:
    sso = SsoSettings(user_sso_enabled=False, providers=PROVIDERS)
    assert sso_status(sso, (federated_role("okta-admins", arn),)) is Status.PASS


def test_providers_without_federating_role_fail() -> None:
    sso = SsoSettings(user_sso_enabled=False, providers=PROVIDERS)
    other_account = federated_role("x", "acs:ram::1111:saml-provider/okta")
    assert sso_status(sso, (other_account,)) is Status.FAIL
    assert sso_status(SsoSettings(user_sso_enabled=False)) is Status.FAIL


def test_role_naming_unregistered_provider_fails() -> None:
    sso = SsoSettings(user_sso_enabled=False)  # provider deleted, role left behind
    assert sso_status(sso, (federated_role("stale", SAML_ARN),)) is Status.FAIL


@pytest.mark.parametrize(
    ("enabled", "algo", "expected"),
    [
        (True, "rsa-sha256", Status.PASS),
        (True, "RSA-SHA256", Status.PASS),
        (True, "rsa-sha1", Status.FAIL),
        (True, None, Status.FAIL),
        (False, "rsa-sha1", Status.NOT_APPLICABLE),
    ],
)
def test_saml_signature(enabled: bool, algo: str | None, expected: Status) -> None:
    sso = SsoSettings(user_sso_enabled=enabled, authn_sign_algo=algo)
    (finding,) = run_check(SsoSamlSignatureSha256, make_snapshot(sso=sso))
    assert finding.status is expected


def test_missing_sso_settings_are_unknown() -> None:
    for check in (SsoEnabled, SsoSamlSignatureSha256):
        (finding,) = run_check(check, make_snapshot())
        assert finding.status is Status.UNKNOWN


def _catalogue_cases() -> list:
    """Cases for tests/checks/test_catalogue_cases.py: the account alias names the status."""
    from auditor.testing import Case

    def sso(alias: str, settings: SsoSettings | None, *roles: Role) -> object:
        return make_snapshot(alias=alias, sso=settings, roles=roles)

    without = SsoSettings(user_sso_enabled=False, providers=PROVIDERS)
    return [
        Case(SsoEnabled, sso("pass_user_sso", SsoSettings(user_sso_enabled=True))),
        Case(SsoEnabled, sso("pass_federated_role", without,
                             federated_role("okta-admins", SAML_ARN))),
        Case(SsoEnabled, sso("fail_providers_without_role", without)),
        Case(SsoEnabled, sso("fail_nothing", SsoSettings(user_sso_enabled=False))),
        Case(SsoEnabled, sso("unknown_sso_not_collected", None)),
        Case(SsoSamlSignatureSha256, sso("pass_sha256", SsoSettings(
            user_sso_enabled=True, authn_sign_algo="rsa-sha256"))),
        Case(SsoSamlSignatureSha256, sso("fail_sha1", SsoSettings(
            user_sso_enabled=True, authn_sign_algo="rsa-sha1"))),
        Case(SsoSamlSignatureSha256, sso("na_user_sso_off", SsoSettings(
            user_sso_enabled=False, authn_sign_algo="rsa-sha1"))),
        Case(SsoSamlSignatureSha256, sso("unknown_sso_not_collected", None)),
    ]


CASES = _catalogue_cases()
