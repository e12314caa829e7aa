"""Snapshot sections and the read-only API actions that fill each of them.

This table is the single source for three things: which sections the collector fetches
for a set of checks, the allow-list of actions the collector may call, and the
least-privilege policy printed by ``ram-audit permissions``.
"""

from __future__ import annotations

from enum import Enum


class Section(str, Enum):
    """A part of the account snapshot that checks can declare they need."""

    IDENTITY = "identity"
    ROOT = "root"
    ROOT_ACTIVITY = "root_activity"
    PASSWORD_POLICY = "password_policy"
    SECURITY_PREFERENCE = "security_preference"
    USERS = "users"
    GROUPS = "groups"
    POLICIES = "policies"
    ROLES = "roles"
    SSO = "sso"

    def __str__(self) -> str:
        return self.value


#: Actions the collector may call for each section, as "<service>:<Action>".
#: ``service`` is the SDK product (ram, ims, sts); the RAM permission for IMS actions is
#: ``ram:<Action>`` (IMS APIs are authorised under the ``ram:`` prefix).
SECTION_ACTIONS: dict[Section, tuple[str, ...]] = {
    Section.IDENTITY: ("sts:GetCallerIdentity", "ram:GetAccountAlias"),
    Section.ROOT: (
        "ims:GetAccountSecurityPracticeReport",
        "ims:GetAccountMFAInfo",
        "ims:GenerateCredentialReport",
        "ims:GetCredentialReport",
    ),
    Section.ROOT_ACTIVITY: ("ims:GenerateCredentialReport", "ims:GetCredentialReport"),
    Section.PASSWORD_POLICY: ("ims:GetPasswordPolicy",),
    Section.SECURITY_PREFERENCE: ("ims:GetSecurityPreference",),
    Section.USERS: (
        "ims:ListUsers",
        "ims:GenerateCredentialReport",
        "ims:GetCredentialReport",
        "ims:ListAccessKeys",
        # Per-user fallback when the credential report is unavailable.
        "ims:GetLoginProfile",
        "ims:GetUserMFAInfo",
        "ims:GetAccessKeyLastUsed",
    ),
    Section.GROUPS: ("ram:ListGroups", "ram:ListUsersForGroup"),
    Section.POLICIES: (
        "ram:ListPolicies",
        "ram:GetPolicy",
        "ram:ListEntitiesForPolicy",
    ),
    Section.ROLES: ("ram:ListRoles", "ram:GetRole"),
    Section.SSO: (
        "ims:GetUserSsoSettings",
        "ims:ListSAMLProviders",
        "ims:ListOIDCProviders",
    ),
}


def allowed_actions() -> frozenset[str]:
    """Every "<service>:<Action>" the collector is allowed to call."""
    return frozenset(action for actions in SECTION_ACTIONS.values() for action in actions)


def permission_for(action: str) -> str:
    """The RAM permission that authorises ``<service>:<Action>`` (IMS uses ``ram:``)."""
    service, _, name = action.partition(":")
    return f"{'sts' if service == 'sts' else 'ram'}:{name}"
