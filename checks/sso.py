"""Checks on single sign-on: SSO in use, and user-based SAML SSO signed with SHA-256."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from auditor.check import Check, CheckMeta, NoParams, account, missing_sections_message
from auditor.findings import Finding, Severity
from auditor.policy.model import policy_model
from auditor.policy.trusted import federated_providers
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot

_SSO_SETTINGS_URL = (
    "https://www.alibabacloud.com/help/en/ram/developer-reference/"
    "api-ims-2019-08-15-setuserssosettings"
)
SHA256_ALGO = "rsa-sha256"


class SsoEnabled(Check):
    """Human console access should go through the enterprise identity provider."""

    meta = CheckMeta(
        id="sso_enabled",
        title="Single sign-on is used for console access",
        severity=Severity.MEDIUM,
        rationale=(
            "With SSO, people log on through the enterprise identity provider: joiners and "
            "leavers are handled in one place, and its MFA and password rules apply, instead "
            "of separate RAM passwords that outlive employment."
        ),
        remediation=(
            "Either enable user-based SSO (RAM console > Integrations > SSO > User-based SSO: "
            "upload the IdP metadata and set SSO status to Enabled) or set up role-based SSO "
            "(create a SAML or OIDC identity provider and a RAM role whose trust policy names "
            "it as Federated principal)."
        ),
        remediation_cli=(
            "aliyun ims SetUserSsoSettings --SsoEnabled true "
            "--MetadataDocument <base64 IdP metadata> --AuthnSignAlgo rsa-sha256"
        ),
        doc_url=_SSO_SETTINGS_URL,
        tags=("sso", "identity"),
        requires=frozenset({Section.SSO, Section.ROLES}),
    )

    def evaluate(self, snapshot: AccountSnapshot, params: NoParams) -> Iterator[Finding]:
        sso = snapshot.sso
        if sso is None:
            yield self.unknown(account(snapshot), "SSO settings were not collected.")
            return
        if sso.user_sso_enabled:
            yield self.passed(account(snapshot), "User-based SSO is enabled.")
            return
        federated = federated_providers(
            t.document for t in policy_model(snapshot).trusts.values()
        )
        used = sorted(p.name for p in sso.providers if p.arn.lower() in federated)
        if used:
            yield self.passed(
                account(snapshot),
                f"Role-based SSO is set up through identity provider(s) {', '.join(used)}.",
            )
            return
        unread = [r for r in snapshot.roles if "details" in snapshot.gaps(r)]
        if sso.providers and unread:
            issues = "; ".join(
                dict.fromkeys(snapshot.gaps(r)["details"].describe() for r in unread)
            )
            yield self.unknown(
                account(snapshot),
                f"User-based SSO is not enabled, and the trust policies of {len(unread)} "
                f"role(s) that may federate an identity provider could not be read: {issues}.",
            )
            return
        unused = f" ({len(sso.providers)} provider(s) trusted by no role)" if sso.providers else ""
        yield self.failed(
            account(snapshot),
            f"Neither user-based SSO is enabled nor role-based SSO set up{unused}.",
        )

    def evaluate_incomplete(
        self, snapshot: AccountSnapshot, params: NoParams, incomplete: Sequence[Section]
    ) -> Iterator[Finding]:
        """Enabled user-based SSO decides even when the roles could not be read."""
        if Section.SSO not in incomplete and snapshot.sso and snapshot.sso.user_sso_enabled:
            yield self.passed(account(snapshot), "User-based SSO is enabled.")
        else:
            yield self.unknown(account(snapshot), missing_sections_message(snapshot, incomplete))


class SsoSamlSignatureSha256(Check):
    """User-based SAML SSO should use RSA-SHA256 signatures, not SHA-1."""

    meta = CheckMeta(
        id="sso_saml_signature_sha256",
        title="User-based SSO signs SAML requests with RSA-SHA256",
        severity=Severity.LOW,
        rationale=(
            "SHA-1 is broken for collision resistance; SAML authentication requests signed "
            "with rsa-sha1 are weaker than with rsa-sha256, which current identity providers "
            "support."
        ),
        remediation=(
            "In the RAM console open Integrations > SSO > User-based SSO, edit the settings "
            "and choose RSA-SHA256 as the signature algorithm (check that the IdP accepts it)."
        ),
        remediation_cli="aliyun ims SetUserSsoSettings --AuthnSignAlgo rsa-sha256",
        doc_url=_SSO_SETTINGS_URL,
        tags=("sso", "cryptography"),
        requires=frozenset({Section.SSO}),
    )

    def evaluate(self, snapshot: AccountSnapshot, params: NoParams) -> Iterator[Finding]:
        sso = snapshot.sso
        if sso is None:
            yield self.unknown(account(snapshot), "SSO settings were not collected.")
        elif not sso.user_sso_enabled:
            yield self.not_applicable(account(snapshot), "User-based SSO is not enabled.")
        elif (sso.authn_sign_algo or "").lower() == SHA256_ALGO:
            yield self.passed(account(snapshot), "User-based SSO signs with rsa-sha256.")
        else:
            yield self.failed(
                account(snapshot),
                f"User-based SSO signs with {sso.authn_sign_algo or 'an unreported algorithm'}, "
                f"not {SHA256_ALGO}.",
            )
