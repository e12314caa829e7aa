"""Checks on RAM roles: admin holders allow-listed, trust restricted, short sessions.

Service-linked roles (``IsServiceLinkedRole``) are managed by Alibaba Cloud services and
cannot be changed, so the admin and session checks skip them; a role that merely trusts a
service principal is an ordinary role. A trust policy that cannot be read is UNKNOWN; a
principal in it that this tool does not understand fails ``role_trust_restricted``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from auditor.check import (
    AccountId,
    CheckMeta,
    CheckParams,
    PerResourceCheck,
    PrincipalName,
    SessionSeconds,
    missing_facts_message,
    of_role,
)
from auditor.findings import Finding, Severity
from auditor.policy.model import MalformedDocument, policy_model
from auditor.policy.trusted import TrustedPrincipal, trusted_principals
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot, CollectionIssue, Role
from checks._admin import AdminIndex

_TRUST_POLICY_URL = (
    "https://www.alibabacloud.com/help/en/ram/user-guide/edit-the-trust-policy-of-a-ram-role"
)
_UPDATE_ROLE_URL = "https://www.alibabacloud.com/help/en/ram/api-updaterole"
_HIGH_RISK_RAM_URL = (
    "https://www.alibabacloud.com/help/en/ram/"
    "avoid-granting-high-risk-ram-permissions-to-too-many-ram-identities"
)


def ordinary_roles(snapshot: AccountSnapshot) -> tuple[Role, ...]:
    """Roles not known to be service-linked (a role whose details could not be read is
    kept: it may be an ordinary role)."""
    return tuple(r for r in snapshot.roles if not r.is_service_linked)


class _RoleCheck(PerResourceCheck[Role]):
    """One verdict per role; a role whose GetRole failed is UNKNOWN."""

    __abstract__ = True
    reads = frozenset({"details"})
    none_message = "The account has no RAM role other than service-linked ones."

    def items(self, snapshot: AccountSnapshot, params: CheckParams) -> Iterable[Role]:
        return ordinary_roles(snapshot)


class RoleAdminAccessAllowlistedParams(CheckParams):
    allowed_roles: tuple[PrincipalName, ...] = ()


class RoleAdminAccessAllowlisted(_RoleCheck):
    """Only allow-listed roles may hold an admin-equivalent policy."""

    meta = CheckMeta(
        id="role_admin_access_allowlisted",
        title="Only allow-listed RAM roles hold administrator access",
        severity=Severity.HIGH,
        rationale=(
            "Whoever can assume a role with AdministratorAccess (or an equivalent custom "
            "policy) controls the whole account. Such roles should be few, known and reviewed."
        ),
        remediation=(
            "In the RAM console open Identities > Roles, select the role, and on the "
            "Permissions tab revoke the admin policy, granting narrower policies instead. If "
            "the role is a deliberate administrator role, add it to this check's "
            "allowed_roles parameter."
        ),
        remediation_cli=(
            "aliyun ram DetachPolicyFromRole --PolicyType System "
            "--PolicyName AdministratorAccess --RoleName <role>"
        ),
        doc_url=_HIGH_RISK_RAM_URL,
        tags=("roles", "least-privilege"),
        requires=frozenset({Section.ROLES, Section.POLICIES}),
    )
    Params = RoleAdminAccessAllowlistedParams

    none_message = "No role (other than service-linked) holds admin access."

    def judge(
        self, snapshot: AccountSnapshot, role: Role, params: RoleAdminAccessAllowlistedParams
    ) -> Iterator[Finding]:
        holding = AdminIndex.of(snapshot).holding("role", role.name)
        if holding.grants:
            held = f"Role {role.name} holds admin-equivalent {'; '.join(holding.grants)}"
            if role.name in params.allowed_roles:
                yield self.passed(of_role(role), f"{held} and is allow-listed.")
            else:
                yield self.failed(of_role(role), f"{held} and is not in allowed_roles.")
        elif holding.doubts and role.name not in params.allowed_roles:
            yield self.unknown(
                of_role(role),
                f"Could not decide whether role {role.name} holds administrator access: "
                f"{'; '.join(holding.doubts)}.",
            )

    def judge_incomplete(
        self,
        snapshot: AccountSnapshot,
        role: Role,
        params: RoleAdminAccessAllowlistedParams,
        missing: Mapping[str, CollectionIssue],
    ) -> Iterator[Finding]:
        # Unknown whether it is service-linked: it matters only if it may hold admin.
        holding = AdminIndex.of(snapshot).holding("role", role.name)
        if holding.grants or holding.doubts:
            yield self.unknown(of_role(role), missing_facts_message(role, missing))


class RoleTrustRestrictedParams(CheckParams):
    trusted_accounts: tuple[AccountId, ...] = ()
    #: Set by organisation runs (``run --accounts``): the Resource Directory's accounts.
    #: They are trusted, and a trust to an account outside them is named as such.
    organisation_accounts: tuple[AccountId, ...] = ()


class RoleTrustRestricted(_RoleCheck):
    """Trust policies must not let anyone, or unknown accounts unconditionally, assume a role."""

    meta = CheckMeta(
        id="role_trust_restricted",
        title="RAM role trust policies are restricted",
        severity=Severity.HIGH,
        rationale=(
            'A trust policy naming "*" lets any Alibaba Cloud identity assume the role; '
            "trusting another account without a Condition hands the role to every RAM "
            "identity that account authorises. Either gives outsiders this account's "
            "permissions."
        ),
        remediation=(
            "In the RAM console open Identities > Roles, select the role, and on the Trust "
            'Policy tab click Edit Trust Policy: replace "*" by the specific account, user or '
            "role ARNs that need access, and add a Condition (e.g. sts:ExternalId or "
            "acs:SourceIp) to cross-account statements. Known partner accounts can be listed "
            "in this check's trusted_accounts parameter."
        ),
        remediation_cli=(
            "aliyun ram UpdateRole --RoleName <role> "
            "--NewAssumeRolePolicyDocument '<restricted trust policy JSON>'"
        ),
        doc_url=_TRUST_POLICY_URL,
        tags=("roles", "trust", "cross-account"),
        requires=frozenset({Section.ROLES}),
    )
    Params = RoleTrustRestrictedParams

    none_message = "The account has no RAM role."

    def items(self, snapshot: AccountSnapshot, params: CheckParams) -> Iterable[Role]:
        return snapshot.roles

    def judge(
        self, snapshot: AccountSnapshot, role: Role, params: RoleTrustRestrictedParams
    ) -> Iterator[Finding]:
        try:
            principals = trusted_principals(policy_model(snapshot).trusts[role.name].document)
        except MalformedDocument as exc:
            yield self.unknown(
                of_role(role), f"The trust policy of role {role.name} cannot be read: {exc}."
            )
            return
        problems = self._problems(principals, snapshot.account_id, params)
        if problems:
            yield self.failed(of_role(role), f"Role {role.name} trusts {'; '.join(problems)}.")
            return
        message = f"Role {role.name} has a restricted trust policy."
        outside = sorted({
            p.account_id for p in principals
            if p.is_foreign(snapshot.account_id) and _outside_organisation(p, params)
        })
        if outside:
            message += (f" It trusts account(s) outside the organisation, with a Condition: "
                        f"{', '.join(outside)}.")
        yield self.passed(of_role(role), message)

    @staticmethod
    def _problems(
        principals: tuple[TrustedPrincipal, ...],
        own_account: str,
        params: RoleTrustRestrictedParams,
    ) -> list[str]:
        problems: list[str] = []
        for principal in principals:
            if principal.kind == "any":
                problems.append(f"any principal ({principal.value})")
            elif principal.kind == "other":
                why = f": {principal.reason}" if principal.reason else ""
                problems.append(f"a principal not understood ({principal.value}{why})")
            elif (
                principal.is_foreign(own_account)
                and _untrusted(principal, params)
                and not principal.conditioned
            ):
                where = " (outside the organisation)" if params.organisation_accounts else ""
                problems.append(
                    f"foreign account {principal.account_id}{where} ({principal.value}) "
                    "without a Condition"
                )
        return problems


def _untrusted(principal: TrustedPrincipal, params: RoleTrustRestrictedParams) -> bool:
    """Its account is in neither ``trusted_accounts`` nor ``organisation_accounts``."""
    return (principal.account_id not in params.trusted_accounts
            and principal.account_id not in params.organisation_accounts)


def _outside_organisation(principal: TrustedPrincipal, params: RoleTrustRestrictedParams) -> bool:
    """In an organisation run: an account neither in the organisation nor trusted."""
    return bool(params.organisation_accounts) and _untrusted(principal, params)


class RoleMaxSessionShortParams(CheckParams):
    max_seconds: SessionSeconds = 3600


class RoleMaxSessionShort(_RoleCheck):
    """Role sessions should be short-lived."""

    meta = CheckMeta(
        id="role_max_session_short",
        title="RAM roles have a short maximum session duration",
        severity=Severity.LOW,
        rationale=(
            "STS tokens stay valid until they expire, even after the role is changed. A short "
            "maximum session duration limits how long a leaked token can be abused."
        ),
        remediation=(
            "In the RAM console open Identities > Roles, select the role, click Edit on its "
            "basic information and set Maximum Session Duration to 3600 seconds (or the "
            "configured limit)."
        ),
        remediation_cli="aliyun ram UpdateRole --RoleName <role> --NewMaxSessionDuration 3600",
        doc_url=_UPDATE_ROLE_URL,
        tags=("roles", "sts"),
        requires=frozenset({Section.ROLES}),
    )
    Params = RoleMaxSessionShortParams

    def judge(
        self, snapshot: AccountSnapshot, role: Role, params: RoleMaxSessionShortParams
    ) -> Iterator[Finding]:
        seconds = role.max_session_duration
        if seconds > params.max_seconds:
            yield self.failed(
                of_role(role),
                f"Role {role.name} allows sessions of {seconds} s "
                f"(more than {params.max_seconds} s).",
            )
        else:
            yield self.passed(
                of_role(role), f"Role {role.name} allows sessions of at most {seconds} s."
            )
