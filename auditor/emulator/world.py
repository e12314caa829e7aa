"""World files: the account that the emulator serves.

A world file (YAML or JSON) describes one Alibaba Cloud account as a person would write
it down: root facts, password policy, security preference, users with their credentials,
groups, custom policies, roles and SSO. Derived data (attachment counts, group members,
entities for a policy, the credential report) is computed by the emulator, never written
in the file.

Timestamps are ISO 8601 (``2026-01-31T08:00:00Z``) or relative to the moment the world is
loaded: ``now``, ``now-90d``, ``now-3h``, ``now-15m`` (units d, h, m, s). Relative times
keep a bundled world's ages (89/90/91 days) stable whenever it is run.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from auditor._yaml import DataFileError, load_data_file
from auditor.errors import plain_problem, shown_value

_RELATIVE = re.compile(r"^now(?:\s*-\s*(\d+)\s*([dhms]))?$")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


class WorldError(ValueError):
    """A world file could not be read or is invalid; the message names file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def resolve_time(text: str, now: datetime) -> datetime:
    """Resolve ``now-90d`` or an ISO 8601 timestamp to an aware UTC datetime."""
    match = _RELATIVE.match(text.strip())
    if match:
        amount, unit = match.groups()
        delta = timedelta(seconds=int(amount) * _UNIT_SECONDS[unit]) if amount else timedelta()
        return (now - delta).replace(microsecond=0)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _check_when(value: Any) -> str:
    if isinstance(value, date):  # YAML reads 2026-01-31 as a date (midnight UTC)
        value = value.isoformat()
    if not isinstance(value, str):
        raise ValueError(
            f"{shown_value(value)} is not a timestamp: use ISO 8601 (2026-01-31T08:00:00Z) "
            "or now-90d"
        )
    try:
        resolve_time(value, datetime.now(timezone.utc))
    except (ValueError, OverflowError):
        raise ValueError(
            f"{shown_value(value)} is not a valid date or time: use ISO 8601 "
            "(2026-01-31T08:00:00Z) or now-90d"
        ) from None
    return value


#: A timestamp as written in the file; resolve it with :func:`resolve_time`.
When = Annotated[str, BeforeValidator(_check_when)]


class AccessKeySpec(_Strict):
    id: str = Field(min_length=3)
    secret: str | None = Field(None, description="derived from the id when omitted")
    status: Literal["Active", "Inactive"] = "Active"
    created: When
    last_used: When | None = None

    def secret_value(self) -> str:
        return self.secret or derived_secret(self.id)


class PolicyRef(_Strict):
    name: str
    type: Literal["System", "Custom"] = "Custom"


class LoginProfileSpec(_Strict):
    status: Literal["Active", "Inactive"] = "Active"
    mfa_bind_required: bool = False
    password_reset_required: bool = False
    created: When | None = None


class MfaDeviceSpec(_Strict):
    type: Literal["VMFA", "U2F"] = "VMFA"
    activated: When | None = None


#: IMS user statuses: ``freeze`` is a frozen (disabled) user, which IMS ListUsers omits
#: unless asked for ``Status=active,freeze``.
UserStatus = Literal["active", "freeze"]


class UserSpec(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")
    id: str | None = None
    status: UserStatus = "active"
    display_name: str = ""
    comments: str = ""
    email: str = ""
    created: When
    last_login: When | None = None
    login_profile: LoginProfileSpec | None = None
    mfa_device: MfaDeviceSpec | None = None
    access_keys: list[AccessKeySpec] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    policies: list[PolicyRef] = Field(default_factory=list)


class GroupSpec(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")
    id: str | None = None
    comments: str = ""
    created: When = "now-365d"
    policies: list[PolicyRef] = Field(default_factory=list)


class PolicyVersionSpec(_Strict):
    id: str = Field(pattern=r"^v\d+$")
    document: dict[str, Any] | str
    default: bool = False
    created: When | None = None


class CustomPolicySpec(_Strict):
    """A custom policy: ``document`` (one version, v1) or ``versions`` (one is default)."""

    name: str = Field(pattern=r"^[A-Za-z0-9-]{1,128}$")
    description: str = ""
    created: When = "now-365d"
    document: dict[str, Any] | str | None = None
    versions: list[PolicyVersionSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_default_version(self) -> CustomPolicySpec:
        if (self.document is None) == (not self.versions):
            raise ValueError("give exactly one of 'document' or 'versions'")
        if self.versions and sum(v.default for v in self.versions) != 1:
            raise ValueError("exactly one version must have 'default: true'")
        return self

    def all_versions(self) -> list[PolicyVersionSpec]:
        if self.versions:
            return list(self.versions)
        return [PolicyVersionSpec(id="v1", document=self.document or {}, default=True)]

    def default_version(self) -> PolicyVersionSpec:
        return next(v for v in self.all_versions() if v.default)


class SystemPolicySpec(_Strict):
    """A system policy beyond the emulator's built-in catalogue."""

    name: str
    description: str = ""
    document: dict[str, Any]


class RoleSpec(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")
    id: str | None = None
    description: str = ""
    created: When = "now-365d"
    max_session_duration: int = Field(3600, ge=900, le=43200)
    service_linked: bool = False
    trust_policy: dict[str, Any]
    policies: list[PolicyRef] = Field(default_factory=list)


class RootSpec(_Strict):
    mfa_bound: bool = False
    last_console_login: When | None = None
    created: When = "now-1000d"
    access_keys: list[AccessKeySpec] = Field(default_factory=list)


class PasswordPolicySpec(_Strict):
    """IMS GetPasswordPolicy; the defaults are Alibaba Cloud's out-of-the-box policy."""

    minimum_password_length: int = Field(8, ge=8, le=32)
    require_uppercase_characters: bool = False
    require_lowercase_characters: bool = False
    require_numbers: bool = False
    require_symbols: bool = False
    password_reuse_prevention: int = Field(0, ge=0, le=24)
    max_password_age: int = Field(0, ge=0, le=1095)
    max_login_attemps: int = Field(5, ge=0, le=32)
    hard_expire: bool = False
    minimum_password_different_character: int = Field(0, ge=0, le=8)
    password_not_contain_user_name: bool = False
    initial_password_age: int = 0


class SecurityPreferenceSpec(_Strict):
    """IMS GetSecurityPreference; defaults follow a new account."""

    mfa_operation_for_login: Literal["mandatory", "independent", "adaptive"] = "independent"
    enable_save_mfa_ticket: bool = True
    login_network_masks: str = ""
    login_session_duration: int = Field(6, ge=1, le=24)
    operation_for_risk_login: Literal["autonomous", "enforceVerify"] = "autonomous"
    allow_user_to_change_password: bool = True
    allow_user_to_manage_access_keys: bool = False
    allow_user_to_manage_mfa_devices: bool = True
    max_idle_days_for_users: int = Field(0, ge=0, le=730)
    max_idle_days_for_access_keys: int = Field(0, ge=0, le=730)


class SsoSpec(_Strict):
    enabled: bool = False
    authn_sign_algo: Literal["rsa-sha1", "rsa-sha256"] = "rsa-sha256"
    auxiliary_domain: str = ""
    metadata_document: str = ""


class SamlProviderSpec(_Strict):
    name: str
    description: str = ""
    created: When = "now-200d"
    authn_sign_algo: Literal["rsa-sha1", "rsa-sha256"] = "rsa-sha256"


class OidcProviderSpec(_Strict):
    name: str
    issuer_url: str
    client_ids: list[str] = Field(default_factory=list)
    fingerprints: list[str] = Field(default_factory=list)
    description: str = ""
    created: When = "now-200d"


class CredentialReportSpec(_Strict):
    """How the credential report behaves: unavailable, or ready after N polls."""

    available: bool = True
    polls_until_ready: int = Field(1, ge=0, description="GenerateCredentialReport calls/"
                                   "GetCredentialReport polls that answer 'not ready' first")


class AccountSpec(_Strict):
    id: str = Field(pattern=r"^\d{16}$")
    alias: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


class World(_Strict):
    """One account as the emulator serves it."""

    account: AccountSpec
    root: RootSpec = RootSpec()
    password_policy: PasswordPolicySpec = PasswordPolicySpec()
    security_preference: SecurityPreferenceSpec = SecurityPreferenceSpec()
    sso: SsoSpec = SsoSpec()
    saml_providers: list[SamlProviderSpec] = Field(default_factory=list)
    oidc_providers: list[OidcProviderSpec] = Field(default_factory=list)
    users: list[UserSpec] = Field(default_factory=list)
    groups: list[GroupSpec] = Field(default_factory=list)
    policies: list[CustomPolicySpec] = Field(default_factory=list)
    system_policies: list[SystemPolicySpec] = Field(default_factory=list)
    roles: list[RoleSpec] = Field(default_factory=list)
    credential_report: CredentialReportSpec = CredentialReportSpec()

    @model_validator(mode="after")
    def _references_resolve(self) -> World:
        _unique("users", [u.name for u in self.users])
        _unique("groups", [g.name for g in self.groups])
        _unique("policies", [p.name for p in self.policies])
        _unique("roles", [r.name for r in self.roles])
        _unique(
            "access key ids",
            [k.id for k in self.root.access_keys]
            + [k.id for u in self.users for k in u.access_keys],
        )
        groups = {g.name for g in self.groups}
        custom = {p.name for p in self.policies}
        from auditor.emulator.system_policies import SYSTEM_POLICIES

        system = set(SYSTEM_POLICIES) | {p.name for p in self.system_policies}

        def check_refs(owner: str, refs: list[PolicyRef]) -> None:
            for ref in refs:
                known = custom if ref.type == "Custom" else system
                if ref.name not in known:
                    raise ValueError(f"{owner}: unknown {ref.type} policy {ref.name!r}")

        for user in self.users:
            for group in user.groups:
                if group not in groups:
                    raise ValueError(f"users[{user.name}].groups: unknown group {group!r}")
            check_refs(f"users[{user.name}].policies", user.policies)
        for group_spec in self.groups:
            check_refs(f"groups[{group_spec.name}].policies", group_spec.policies)
        for role in self.roles:
            check_refs(f"roles[{role.name}].policies", role.policies)
        return self


def _unique(what: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"duplicate {what}: {name!r}")
        seen.add(name)


def derived_secret(access_key_id: str) -> str:
    """A deterministic secret for a key whose world entry gives none."""
    return hashlib.sha256(f"ram-audit-emulator:{access_key_id}".encode()).hexdigest()[:30]


def stable_id(kind: str, account_id: str, name: str, digits: int = 16) -> str:
    """Deterministic numeric ids for users, groups and roles not given in the file."""
    number = int(hashlib.sha256(f"{kind}:{account_id}:{name}".encode()).hexdigest(), 16)
    return str(number)[:digits]


def parse_world(data: Any, source: str = "<world>") -> World:
    """Validate already-parsed data; one line naming the source, entry and field.

    Entries are named, not numbered: ``users[alice].access_keys[LTAI...].created``.
    """
    try:
        return World.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        problems = [f"{_where(data, err['loc'])}{plain_problem(err)}" for err in errors[:3]]
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise WorldError(f"{source}: " + "; ".join(problems) + more) from None


def _where(data: Any, loc: tuple[int | str, ...]) -> str:
    """``users[alice].created: `` for the error location ``('users', 0, 'created')``."""
    path, node = "", data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            node = node[part]
            name = node.get("name") or node.get("id") if isinstance(node, dict) else None
            path += f"[{name}]" if isinstance(name, str) and name else f"[{part}]"
        elif isinstance(node, dict) and part in node:
            node = node[part]
            path += f".{part}" if path else str(part)
        elif isinstance(part, str) and part not in ("str", "dict[str,any]"):
            path += f".{part}" if path else part  # a missing field, or a union member's tag
    return f"{path}: " if path else ""


def load_world(path: str | Path) -> World:
    """Read and validate a YAML or JSON world file."""
    path = Path(path)
    try:
        data = load_data_file(path)  # the C parser when available; bad dates stay text
    except DataFileError as exc:
        raise WorldError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise WorldError(f"{path}: a world file must be a mapping with at least 'account'")
    return parse_world(data, str(path))
