"""Checks on custom policies: admin grants, NotAction/NotResource, escalation, use, Conditions.

Each check evaluates every custom policy's default version. A policy whose document
cannot be read (invalid JSON or not a policy) yields UNKNOWN for that policy: nothing can
be concluded about it, and it must not pass silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from auditor.check import CheckMeta, NoParams, PerResourceCheck, of_policy
from auditor.findings import Finding, Severity
from auditor.policy.documents import (
    escalation_actions,
    is_admin_equivalent,
    statements,
    unconditioned_non_read_grants,
    uses_not_elements,
)
from auditor.policy.model import MalformedDocument, ParsedPolicy, policy_model
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot, CollectionIssue, Policy

_POLICY_SYNTAX_URL = "https://www.alibabacloud.com/help/en/ram/policy-structure-and-syntax"
_POLICY_ELEMENTS_URL = "https://www.alibabacloud.com/help/en/ram/policy-elements"
_HIGH_RISK_RAM_URL = (
    "https://www.alibabacloud.com/help/en/ram/"
    "avoid-granting-high-risk-ram-permissions-to-too-many-ram-identities"
)
_BEST_PRACTICES_URL = "https://www.alibabacloud.com/help/doc-detail/28642.htm"
_NEW_VERSION_CLI = (
    "aliyun ram CreatePolicyVersion --PolicyName <policy> "
    "--PolicyDocument '<narrowed JSON document>' --SetAsDefault true"
)


def describe_attachments(snapshot: AccountSnapshot, policy: Policy) -> str:
    """'attached to user alice, group ops', 'not attached to anything', or that the
    attachments could not be listed."""
    if "attachments" in snapshot.gaps(policy):
        return f"attached to {policy.attachment_count} principal(s) that could not be listed"
    if not policy.attachments:
        return "not attached to anything"
    targets = ", ".join(f"{a.principal_type} {a.principal_name}" for a in policy.attachments)
    return f"attached to {targets}"


def custom_policies(snapshot: AccountSnapshot) -> tuple[Policy, ...]:
    return tuple(p for p in snapshot.policies if p.type == "Custom")


def parsed(snapshot: AccountSnapshot, policy: Policy) -> ParsedPolicy:
    """The policy's default version as the engine parsed it (once per snapshot)."""
    return policy_model(snapshot).policies[(policy.type, policy.name)]


class _CustomPolicyCheck(PerResourceCheck[Policy]):
    """One finding per custom policy; UNKNOWN when its document was not read or cannot be
    analysed."""

    __abstract__ = True
    reads = frozenset({"document"})
    none_message = "The account has no custom policy."

    def items(self, snapshot: AccountSnapshot, params: NoParams) -> Iterable[Policy]:
        return custom_policies(snapshot)

    def judge(
        self, snapshot: AccountSnapshot, policy: Policy, params: NoParams
    ) -> Iterator[Finding]:
        try:
            yield self.verdict(snapshot, policy)
        except MalformedDocument as exc:
            yield self.unknown(
                of_policy(policy),
                f"Custom policy {policy.name} (version {policy.default_version or '?'}) "
                f"cannot be analysed: {exc}.",
            )

    def verdict(self, snapshot: AccountSnapshot, policy: Policy) -> Finding:
        """PASS/FAIL for one policy; raise MalformedDocument for an unreadable one."""
        raise NotImplementedError


class PolicyNoFullAdmin(_CustomPolicyCheck):
    """Custom policies must not grant full administrative privileges ("*:*" on "*")."""

    meta = CheckMeta(
        id="policy_no_full_admin",
        title="Custom policies do not grant full administrative privileges",
        severity=Severity.CRITICAL,
        rationale=(
            "A custom policy that allows every action on every resource makes whoever holds "
            "it an administrator of the whole account, defeating least privilege. Even an "
            "unattached one is one attachment away from granting it."
        ),
        remediation=(
            "In the RAM console open Permissions > Policies, select the custom policy, create "
            "a new version that lists only the actions and resources actually needed and set "
            "it as default (or delete the policy). Use the system policy AdministratorAccess, "
            "attached to a small allow-listed group or role, for genuine administrators."
        ),
        remediation_cli=_NEW_VERSION_CLI,
        doc_url=_POLICY_SYNTAX_URL,
        tags=("policies", "least-privilege"),
        requires=frozenset({Section.POLICIES}),
    )

    def verdict(self, snapshot: AccountSnapshot, policy: Policy) -> Finding:
        parsed_policy = parsed(snapshot, policy)
        statements(parsed_policy.document)  # an unreadable document is UNKNOWN, not PASS
        if is_admin_equivalent(parsed_policy):
            return self.failed(
                of_policy(policy),
                f"Custom policy {policy.name} allows every action on every resource "
                f"(admin-equivalent) and is {describe_attachments(snapshot, policy)}.",
            )
        return self.passed(
            of_policy(policy), f"Custom policy {policy.name} does not grant full admin."
        )


class PolicyNoAllowNotAction(_CustomPolicyCheck):
    """Allow statements must list what they grant, not what they leave out."""

    meta = CheckMeta(
        id="policy_no_allow_not_action",
        title="Custom policies do not Allow with NotAction or NotResource",
        severity=Severity.HIGH,
        rationale=(
            "An Allow statement with NotAction grants every action except those listed, and "
            "NotResource every resource except those listed, including actions and resources "
            "added to Alibaba Cloud later. Such grants are far broader than they look."
        ),
        remediation=(
            "In the RAM console open Permissions > Policies, select the policy and create a "
            "new default version whose Allow statements use Action and Resource lists of what "
            "is needed. Express exclusions as separate Deny statements."
        ),
        remediation_cli=_NEW_VERSION_CLI,
        doc_url=_POLICY_ELEMENTS_URL,
        tags=("policies", "least-privilege"),
        requires=frozenset({Section.POLICIES}),
    )

    def verdict(self, snapshot: AccountSnapshot, policy: Policy) -> Finding:
        found = uses_not_elements(parsed(snapshot, policy).document)
        if found:
            return self.failed(
                of_policy(policy),
                f"Custom policy {policy.name} has Allow statements using "
                f"{' and '.join(found)} ({describe_attachments(snapshot, policy)}).",
            )
        return self.passed(
            of_policy(policy),
            f"Custom policy {policy.name} allows only with Action and Resource lists.",
        )


class PolicyNoPrivilegeEscalation(_CustomPolicyCheck):
    """Non-admin custom policies must not let their holder raise its own privileges."""

    meta = CheckMeta(
        id="policy_no_privilege_escalation",
        title="Custom policies do not allow privilege escalation",
        severity=Severity.HIGH,
        rationale=(
            "Actions such as ram:CreatePolicyVersion, ram:AttachPolicyToUser, "
            "ram:CreateAccessKey or ram:UpdateRole on any user, role or policy let a "
            "non-administrator grant itself (or an identity it controls) more permissions, "
            "up to full administrator."
        ),
        remediation=(
            "In the RAM console open Permissions > Policies, select the policy and create a "
            "new default version that drops the listed RAM write actions, or scopes them to "
            "specific resources that cannot lead back to the holder. Give RAM administration "
            "only to a small allow-listed group or role."
        ),
        remediation_cli=_NEW_VERSION_CLI,
        doc_url=_HIGH_RISK_RAM_URL,
        tags=("policies", "least-privilege", "privilege-escalation"),
        requires=frozenset({Section.POLICIES}),
    )

    none_message = "The account has no custom policy that is not admin-equivalent."

    def items(self, snapshot: AccountSnapshot, params: NoParams) -> Iterable[Policy]:
        return tuple(
            p for p in custom_policies(snapshot)
            if not is_admin_equivalent(parsed(snapshot, p))
        )

    def verdict(self, snapshot: AccountSnapshot, policy: Policy) -> Finding:
        found = escalation_actions(parsed(snapshot, policy).document)
        if found:
            return self.failed(
                of_policy(policy),
                f"Custom policy {policy.name} allows privilege escalation through "
                f"{', '.join(found)} on RAM identities broadly "
                f"({describe_attachments(snapshot, policy)}).",
            )
        return self.passed(
            of_policy(policy), f"Custom policy {policy.name} allows no privilege escalation."
        )


class PolicyCustomUnused(_CustomPolicyCheck):
    """Unattached custom policies are clutter that can be attached by mistake later."""

    meta = CheckMeta(
        id="policy_custom_unused",
        title="Custom policies are attached to something",
        severity=Severity.LOW,
        rationale=(
            "Custom policies that are attached to nothing grant nothing today but clutter "
            "permission reviews and may be attached later without anyone re-reading them."
        ),
        remediation=(
            "In the RAM console open Permissions > Policies, filter on custom policies with "
            "no references, confirm each is no longer needed and delete it."
        ),
        remediation_cli="aliyun ram DeletePolicy --PolicyName <policy> --CascadingDelete false",
        doc_url=_BEST_PRACTICES_URL,
        tags=("policies", "hygiene"),
        requires=frozenset({Section.POLICIES}),
    )
    reads = frozenset({"attachments"})

    def decided_without(
        self, snapshot: AccountSnapshot, policy: Policy, missing: Mapping[str, CollectionIssue]
    ) -> bool:
        return policy.attachment_count > 0  # the policy list's AttachmentCount decides

    def verdict(self, snapshot: AccountSnapshot, policy: Policy) -> Finding:
        if policy.attachment_count == 0 and not policy.attachments:
            return self.failed(
                of_policy(policy), f"Custom policy {policy.name} is not attached to anything."
            )
        count = max(policy.attachment_count, len(policy.attachments))
        return self.passed(
            of_policy(policy), f"Custom policy {policy.name} has {count} attachment(s)."
        )


class PolicySensitiveActionsConditioned(_CustomPolicyCheck):
    """Broad non-read grants should carry a Condition (source IP, HTTPS, MFA, time)."""

    meta = CheckMeta(
        id="policy_sensitive_actions_conditioned",
        title="Broad write grants in custom policies carry a Condition",
        severity=Severity.LOW,
        rationale=(
            "Conditions such as acs:SourceIp, acs:SecureTransport, acs:MFAPresent or "
            "acs:CurrentTime limit where, how and when leaked credentials can use write "
            "permissions granted on every resource."
        ),
        remediation=(
            "In the RAM console open Permissions > Policies, select the policy and create a "
            'new default version whose Allow statements for write actions on "*" include a '
            "Condition block (e.g. IpAddress on acs:SourceIp for the corporate ranges, or Bool "
            "acs:SecureTransport true)."
        ),
        remediation_cli=_NEW_VERSION_CLI,
        doc_url=_POLICY_ELEMENTS_URL,
        tags=("policies", "conditions"),
        requires=frozenset({Section.POLICIES}),
    )

    def verdict(self, snapshot: AccountSnapshot, policy: Policy) -> Finding:
        grants = unconditioned_non_read_grants(parsed(snapshot, policy).document)
        if grants:
            return self.failed(
                of_policy(policy),
                f"Custom policy {policy.name} allows non-read actions {', '.join(grants)} on "
                "all resources without any Condition.",
            )
        return self.passed(
            of_policy(policy),
            f"Custom policy {policy.name} has no unconditioned write grant on all resources.",
        )
