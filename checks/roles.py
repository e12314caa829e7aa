"""Checks on RAM roles: admin holders allow-listed, trust restricted, short sessions.

Service-linked roles (``IsServiceLinkedRole``) are managed by Alibaba Cloud services and
cannot be changed, so the admin and session checks skip them; a role that merely trusts a
service principal is an ordinary role. A trust policy that cannot be read is UNKNOWN; a
principal in it that this tool does not understand fails ``role_trust_restricted``.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.check import Check, CheckMeta, CheckParams, account, of_role
from auditor.findings import Finding, Severity
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot, Role
from checks._policy import MalformedPolicyError, TrustedPrincipal, is_admin_equivalent
from checks._policy import trusted_principals as parse_trusted_principals

_TRUST_POLICY_URL = (
    "https://www.alibabacloud.com/help/en/ram/user-guide/edit-the-trust-policy-of-a-ram-role"
)
_UPDATE_ROLE_URL = "https://www.alibabacloud.com/help/en/ram/api-updaterole"
_HIGH_RISK_RAM_URL = (
    "https://www.alibabacloud.com/help/en/ram/"
    "avoid-granting-high-risk-ram-permissions-to-too-many-ram-identities"
)


def ordinary_roles(snapshot: AccountSnapshot) -> tuple[Role, ...]:
    return tuple(r for r in snapshot.roles if not r.is_service_linked)


class RoleAdminAccessAllowlistedParams(CheckParams):
    allowed_roles: tuple[str, ...] = ()


class RoleAdminAccessAllowlisted(Check):
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
        compliance={"alibaba-ram-best-practices": ("S4", "S11")},
        tags=("roles", "least-privilege"),
        requires=frozenset({Section.ROLES, Section.POLICIES}),
    )
    Params = RoleAdminAccessAllowlistedParams

    def evaluate(
        self, snapshot: AccountSnapshot, params: RoleAdminAccessAllowlistedParams
    ) -> Iterator[Finding]:
        evaluated = False
        for role in ordinary_roles(snapshot):
            admin = [
                p.name
                for p in snapshot.policies_attached_to("role", role.name)
                if is_admin_equivalent(p)
            ]
            if not admin:
                continue
            evaluated = True
            held = f"Role {role.name} holds admin-equivalent {', '.join(admin)}"
            if role.name in params.allowed_roles:
                yield self.passed(of_role(role), f"{held} and is allow-listed.")
            else:
                yield self.failed(of_role(role), f"{held} and is not in allowed_roles.")
        if not evaluated:
            yield self.not_applicable(
                account(snapshot), "No role (other than service-linked) holds admin access."
            )


class RoleTrustRestrictedParams(CheckParams):
    trusted_accounts: tuple[str, ...] = ()


class RoleTrustRestricted(Check):
    """Trust policies must not let anyone, or unknown accounts unconditionally, assume a role."""

    meta = CheckMeta(
        id="role_trust_restricted",
        title="RAM role trust policies are restricted",
        severity=Severity.HIGH,
        rationale=(
            "A trust policy naming \"*\" lets any Alibaba Cloud identity assume the role; "
            "trusting another account without a Condition hands the role to every RAM "
            "identity that account authorises. Either gives outsiders this account's "
            "permissions."
        ),
        remediation=(
            "In the RAM console open Identities > Roles, select the role, and on the Trust "
            "Policy tab click Edit Trust Policy: replace \"*\" by the specific account, user or "
            "role ARNs that need access, and add a Condition (e.g. sts:ExternalId or "
            "acs:SourceIp) to cross-account statements. Known partner accounts can be listed "
            "in this check's trusted_accounts parameter."
        ),
        remediation_cli=(
            "aliyun ram UpdateRole --RoleName <role> "
            "--NewAssumeRolePolicyDocument '<restricted trust policy JSON>'"
        ),
        doc_url=_TRUST_POLICY_URL,
        compliance={"alibaba-ram-best-practices": ("S9", "S11")},
        tags=("roles", "trust", "cross-account"),
        requires=frozenset({Section.ROLES}),
    )
    Params = RoleTrustRestrictedParams

    def evaluate(
        self, snapshot: AccountSnapshot, params: RoleTrustRestrictedParams
    ) -> Iterator[Finding]:
        if not snapshot.roles:
            yield self.not_applicable(account(snapshot), "The account has no RAM role.")
        for role in snapshot.roles:
            try:
                principals = parse_trusted_principals(role.trust_policy)
            except MalformedPolicyError as exc:
                yield self.unknown(
                    of_role(role), f"The trust policy of role {role.name} cannot be read: {exc}."
                )
                continue
            problems = self._problems(principals, snapshot.account_id, params)
            if problems:
                yield self.failed(
                    of_role(role), f"Role {role.name} trusts {'; '.join(problems)}."
                )
            else:
                yield self.passed(of_role(role), f"Role {role.name} has a restricted trust policy.")

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
                and principal.account_id not in params.trusted_accounts
                and not principal.conditioned
            ):
                problems.append(
                    f"foreign account {principal.account_id} ({principal.value}) without a "
                    "Condition"
                )
        return problems


class RoleMaxSessionShortParams(CheckParams):
    max_seconds: int = 3600


class RoleMaxSessionShort(Check):
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
        compliance={"alibaba-ram-best-practices": ("S11",)},
        tags=("roles", "sts"),
        requires=frozenset({Section.ROLES}),
    )
    Params = RoleMaxSessionShortParams

    def evaluate(
        self, snapshot: AccountSnapshot, params: RoleMaxSessionShortParams
    ) -> Iterator[Finding]:
        roles = ordinary_roles(snapshot)
        if not roles:
            yield self.not_applicable(
                account(snapshot), "The account has no RAM role other than service-linked ones."
            )
        for role in roles:
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
