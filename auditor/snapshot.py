"""The account snapshot: one immutable, serialisable picture of a RAM account.

The collector builds it; checks read it; ``ram-audit collect`` writes it and
``ram-audit evaluate`` reads it back. Collections are tuples so that ``frozen=True`` also
freezes them. Timestamps are timezone-aware UTC. A ``None`` timestamp means "never"
(e.g. never logged on); data that could not be collected is recorded as a
:class:`CollectionIssue` against its :class:`~auditor.sections.Section`, never as an empty
value.
"""

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from functools import cached_property
from types import MappingProxyType
from typing import Any, ClassVar, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from auditor.sections import Section

SNAPSHOT_SCHEMA_VERSION: Final = "1"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CallerIdentity(_Frozen):
    """Who ran the audit (STS GetCallerIdentity)."""

    account_id: str
    arn: str
    identity_type: str  # Account | RAMUser | AssumedRoleUser
    principal_id: str = ""


class RootAccount(_Frozen):
    """Facts about the Alibaba Cloud (root) account itself, each from whichever source
    stated it; ``None`` = no source did (unknown, never "none" or "not bound")."""

    access_key_count: int | None = Field(
        None, ge=0, description="AccessKeys of the root account, active or disabled"
    )
    mfa_bound: bool | None = None
    access_key_count_from: str = Field("", description="the action that stated the count")
    mfa_bound_from: str = Field("", description="the action that stated the MFA state")

    #: The reads that can state each fact, in the order the collector prefers them (the
    #: credential report's ``<root>`` row comes from Generate/GetCredentialReport).
    SOURCES: ClassVar[dict[str, tuple[str, ...]]] = {
        "access_key_count": (
            "ims:GetAccountSecurityPracticeReport",
            "ims:GenerateCredentialReport",
            "ims:GetCredentialReport",
        ),
        "mfa_bound": (
            "ims:GetAccountMFAInfo",
            "ims:GetAccountSecurityPracticeReport",
            "ims:GenerateCredentialReport",
            "ims:GetCredentialReport",
        ),
    }


class RootActivity(_Frozen):
    """Root console activity, from the credential report's ``<root>`` row."""

    last_console_login_at: AwareDatetime | None  # None = never logged on


class PasswordPolicy(_Frozen):
    """IMS GetPasswordPolicy (None = the field was absent or unreadable in the response).

    A None is never a setting: a check reading that field reports UNKNOWN.
    """

    minimum_length: int | None
    require_uppercase: bool | None
    require_lowercase: bool | None
    require_numbers: bool | None
    require_symbols: bool | None
    reuse_prevention: int | None = Field(description="0 = off")
    max_age_days: int | None = Field(description="MaxPasswordAge; 0 = passwords never expire")
    max_login_attempts: int | None = Field(description="MaxLoginAttemps; 0 = lockout off")
    hard_expire: bool | None
    minimum_distinct_characters: int | None = 0
    not_contain_user_name: bool | None = False

    #: The GetPasswordPolicy response field behind each attribute, for messages.
    IMS_NAMES: ClassVar[dict[str, str]] = {
        "minimum_length": "MinimumPasswordLength",
        "require_uppercase": "RequireUppercaseCharacters",
        "require_lowercase": "RequireLowercaseCharacters",
        "require_numbers": "RequireNumbers",
        "require_symbols": "RequireSymbols",
        "reuse_prevention": "PasswordReusePrevention",
        "max_age_days": "MaxPasswordAge",
        "max_login_attempts": "MaxLoginAttemps",
        "hard_expire": "HardExpire",
        "minimum_distinct_characters": "MinimumPasswordDifferentCharacter",
        "not_contain_user_name": "PasswordNotContainUserName",
    }

    def unreported(self, fields: Iterable[str]) -> tuple[str, ...]:
        """The IMS names of those ``fields`` that are None."""
        return tuple(self.IMS_NAMES[f] for f in fields if getattr(self, f) is None)


class SecurityPreference(_Frozen):
    """IMS GetSecurityPreference (None = the field was absent in the response)."""

    mfa_operation_for_login: str | None = None  # mandatory | independent | adaptive
    enforce_mfa_for_login: bool | None = None  # older RAM field
    enable_save_mfa_ticket: bool | None = None
    login_network_masks: str = ""
    login_session_duration_hours: int | None = None
    max_idle_days_for_users: int | None = None  # 0 = never auto-disabled; None = not reported
    max_idle_days_for_access_keys: int | None = None
    allow_user_to_manage_access_keys: bool | None = None
    allow_user_to_change_password: bool | None = None
    allow_user_to_manage_mfa_devices: bool | None = None


class AccessKey(_Frozen):
    """An AccessKey of a RAM user. Secrets are never collected."""

    id: str
    status: Literal["Active", "Inactive"]
    created_at: AwareDatetime
    last_used_at: AwareDatetime | None = None  # None = never used

    @property
    def active(self) -> bool:
        return self.status == "Active"


#: IMS user status: ``freeze`` = frozen (cannot log on or use its AccessKeys until
#: unfrozen, but keeps its credentials and permissions).
UserStatus = Literal["active", "freeze"]


class User(_Frozen):
    """A RAM user with its credentials state."""

    id: str
    name: str
    status: UserStatus = "active"
    principal_name: str = ""
    display_name: str = ""
    comments: str = ""
    created_at: AwareDatetime
    last_console_login_at: AwareDatetime | None = None  # None = never
    has_login_profile: bool = False
    console_access: bool = Field(False, description="login profile exists and is Active")
    mfa_bound: bool = Field(False, description="an MFA device is actually bound")
    access_keys: tuple[AccessKey, ...] = ()

    @property
    def frozen(self) -> bool:
        return self.status == "freeze"

    @property
    def active_access_keys(self) -> tuple[AccessKey, ...]:
        keys = self.access_keys  # asked by four checks for each user: no generator frame
        return tuple([k for k in keys if k.status == "Active"]) if keys else ()  # k.active


class Group(_Frozen):
    """A RAM user group and its members (by UserName)."""

    id: str
    name: str
    comments: str = ""
    created_at: AwareDatetime | None = None
    members: tuple[str, ...] = ()


PrincipalType = Literal["user", "group", "role"]


class PolicyAttachment(_Frozen):
    """A policy attached to a principal."""

    principal_type: PrincipalType
    principal_name: str


class Policy(_Frozen):
    """A custom policy, or a system policy that is attached to something.

    ``document`` is the default version's document, parsed from JSON (``None`` when the
    document was not valid JSON; the raw text is kept in ``document_text``).
    """

    name: str
    type: Literal["System", "Custom"]
    description: str = ""
    default_version: str = ""
    attachment_count: int = 0
    document_text: str = ""
    document: dict[str, Any] | None = None
    attachments: tuple[PolicyAttachment, ...] = ()


class Role(_Frozen):
    """A RAM role with its trust policy and attached policies."""

    id: str
    name: str
    arn: str
    description: str = ""
    created_at: AwareDatetime | None = None
    max_session_duration: int = 3600
    is_service_linked: bool = False
    trust_policy_text: str = ""
    trust_policy: dict[str, Any] | None = None


class IdentityProvider(_Frozen):
    """A SAML or OIDC identity provider for role-based SSO."""

    kind: Literal["saml", "oidc"]
    name: str
    arn: str
    description: str = ""


class SsoSettings(_Frozen):
    """User-based SSO (IMS GetUserSsoSettings) and role-based SSO providers."""

    user_sso_enabled: bool
    authn_sign_algo: str | None = None
    providers: tuple[IdentityProvider, ...] = ()


#: Facts of one resource that the collector reads with per-resource calls. A collection
#: issue naming a resource lists which of its facts are missing.
RESOURCE_FACTS: Final[Mapping[str, frozenset[str]]] = {
    "user": frozenset({"login_profile", "mfa", "access_keys"}),
    "group": frozenset({"members"}),
    "policy": frozenset({"document", "attachments"}),
    "role": frozenset({"details"}),
}

ResourceType = Literal["user", "group", "policy", "role"]


class ResourceRef(_Frozen):
    """Names one resource of the snapshot (a policy also by its type)."""

    type: ResourceType
    name: str
    policy_type: Literal["", "System", "Custom"] = ""

    def __str__(self) -> str:
        kind = f"{self.policy_type} policy" if self.type == "policy" else self.type
        return f"{kind} {self.name}"


def ref_of(item: User | Group | Policy | Role) -> ResourceRef:
    """The :class:`ResourceRef` of a snapshot resource."""
    if isinstance(item, User):
        return ResourceRef(type="user", name=item.name)
    if isinstance(item, Group):
        return ResourceRef(type="group", name=item.name)
    if isinstance(item, Policy):
        return ResourceRef(type="policy", name=item.name, policy_type=item.type)
    return ResourceRef(type="role", name=item.name)


def _key_of(item: User | Group | Policy | Role) -> tuple[str, str, str]:
    """``ref_of`` as a plain tuple (cheap: looked up for every resource of every check)."""
    if isinstance(item, User):
        return ("user", item.name, "")
    if isinstance(item, Group):
        return ("group", item.name, "")
    if isinstance(item, Policy):
        return ("policy", item.name, item.type)
    return ("role", item.name, "")


_NO_GAPS: "Mapping[str, CollectionIssue]" = MappingProxyType({})


class CollectionIssue(_Frozen):
    """Something the collector could not (fully) collect.

    ``kind="missing"`` without a ``resource`` makes ``section`` incomplete: checks needing
    it report UNKNOWN for the account. ``kind="missing"`` with a ``resource`` leaves the
    section complete but those ``facts`` of that one resource unknown: only that resource's
    results are UNKNOWN. ``kind="degraded"`` is informational (e.g. fell back to per-user
    calls) and leaves everything complete.
    """

    section: Section
    action: str
    code: str
    message: str
    permission: str = ""
    kind: Literal["missing", "degraded"] = "missing"
    resource: ResourceRef | None = None
    facts: tuple[str, ...] = Field(default=(), description="the resource's missing facts")

    @model_validator(mode="after")
    def _facts_of_the_resource(self) -> "CollectionIssue":
        if self.resource is None:
            if self.facts:
                raise ValueError("facts need a resource")
            return self
        unknown = set(self.facts) - RESOURCE_FACTS[self.resource.type]
        if unknown or not self.facts:
            raise ValueError(
                f"facts of a {self.resource.type} are one or more of "
                f"{sorted(RESOURCE_FACTS[self.resource.type])}, not {sorted(self.facts)}"
            )
        return self

    @property
    def grant_hint(self) -> str:
        """"; grant ram:X to the auditor" when a permission was missing, else ""."""
        return f"; grant {self.permission} to the auditor" if self.permission else ""

    def describe(self) -> str:
        """One line: which action failed, why, and what to grant."""
        return f"{self.action} failed with {self.code}: {self.message}{self.grant_hint}"


class SnapshotMeta(_Frozen):
    """When, how and by whom the snapshot was collected."""

    schema_version: Literal["1"] = SNAPSHOT_SCHEMA_VERSION
    tool_version: str
    collected_at: AwareDatetime
    sections: tuple[Section, ...] = Field(description="sections the collector attempted")
    api_calls: dict[str, int] = Field(default_factory=dict)
    credential_report_generated_at: AwareDatetime | None = None


class AccountSnapshot(_Frozen):
    """Everything the checks may look at, collected once."""

    meta: SnapshotMeta
    caller: CallerIdentity
    account_alias: str = ""
    root: RootAccount | None = None
    root_activity: RootActivity | None = None
    password_policy: PasswordPolicy | None = None
    security_preference: SecurityPreference | None = None
    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    policies: tuple[Policy, ...] = ()
    roles: tuple[Role, ...] = ()
    sso: SsoSettings | None = None
    issues: tuple[CollectionIssue, ...] = ()

    @property
    def account_id(self) -> str:
        return self.caller.account_id

    @property
    def now(self) -> datetime:
        """The collection time: the only "now" a check may use."""
        return self.meta.collected_at

    def is_complete(self, section: Section) -> bool:
        """True when ``section`` was collected without a section-wide ``missing`` issue.

        Issues naming one resource leave the section complete: see :meth:`gaps`.
        """
        return section in self.meta.sections and not self.missing_issues(section)

    def missing_issues(self, section: Section) -> tuple[CollectionIssue, ...]:
        """The section-wide ``missing`` issues of ``section``."""
        return tuple(
            i
            for i in self.issues
            if i.section == section and i.kind == "missing" and i.resource is None
        )

    def gaps(self, item: User | Group | Policy | Role) -> Mapping[str, CollectionIssue]:
        """The facts of ``item`` that could not be collected, each with its issue."""
        if not self._gaps:
            return _NO_GAPS
        return self._gaps.get(_key_of(item), _NO_GAPS)

    def has_gaps(self) -> bool:
        """Whether any resource lacks a fact (see :meth:`gaps`)."""
        return bool(self._gaps)

    def fact_gaps(self, resource_type: ResourceType, fact: str) -> Mapping[str, CollectionIssue]:
        """Name -> issue of every resource of ``resource_type`` whose ``fact`` is unknown."""
        return self._fact_gaps.get((resource_type, fact), _NO_GAPS)

    @cached_property
    def _gaps(self) -> dict[tuple[str, str, str], dict[str, CollectionIssue]]:
        found: dict[tuple[str, str, str], dict[str, CollectionIssue]] = {}
        for issue in self.issues:
            if issue.kind == "missing" and issue.resource is not None:
                ref = issue.resource
                facts = found.setdefault((ref.type, ref.name, ref.policy_type), {})
                for fact in issue.facts:
                    facts.setdefault(fact, issue)
        return found

    @cached_property
    def _fact_gaps(self) -> dict[tuple[str, str], dict[str, CollectionIssue]]:
        found: dict[tuple[str, str], dict[str, CollectionIssue]] = {}
        for (kind, name, _), facts in self._gaps.items():
            for fact, issue in facts.items():
                found.setdefault((kind, fact), {}).setdefault(name, issue)
        return found

    def user(self, name: str) -> User | None:
        return self._users_by_name.get(name)

    def groups_of(self, user_name: str) -> tuple[Group, ...]:
        return self._groups_by_member.get(user_name, ())

    def policies_attached_to(self, principal_type: str, name: str) -> Iterator[Policy]:
        return iter(self._policies_by_principal.get((principal_type, name), ()))

    def attached_policies(self, principal_type: str, name: str) -> tuple[Policy, ...]:
        """:meth:`policies_attached_to` as a tuple (empty: no iterator to exhaust)."""
        return self._policies_by_principal.get((principal_type, name), ())

    # Indexes, built once per snapshot on first use (the snapshot is immutable).
    @cached_property
    def _users_by_name(self) -> dict[str, User]:
        return {u.name: u for u in self.users}

    @cached_property
    def _groups_by_member(self) -> dict[str, tuple[Group, ...]]:
        found: dict[str, list[Group]] = {}
        for group in self.groups:
            for member in dict.fromkeys(group.members):
                found.setdefault(member, []).append(group)
        return {member: tuple(groups) for member, groups in found.items()}

    @cached_property
    def _policies_by_principal(self) -> dict[tuple[str, str], tuple[Policy, ...]]:
        found: dict[tuple[str, str], list[Policy]] = {}
        for policy in self.policies:
            principals = {(a.principal_type, a.principal_name) for a in policy.attachments}
            for principal in sorted(principals):
                found.setdefault(principal, []).append(policy)
        return {principal: tuple(policies) for principal, policies in found.items()}
