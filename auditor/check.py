"""The check framework: metadata, typed parameters and one pure ``evaluate``.

A check is one small class::

    class RootMfaEnabled(Check):
        meta = CheckMeta(id="root_mfa_enabled", title=..., severity=Severity.CRITICAL, ...,
                         requires=frozenset({Section.ROOT}))

        def evaluate(self, snapshot, params):
            yield self.passed(account(snapshot), "MFA is bound to the root account.")

Metadata is validated when the class is defined, so a malformed check fails loudly at
import, naming itself. ``evaluate`` must not do I/O, read the clock (use
``snapshot.now``) or the environment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from auditor.findings import Finding, Resource, Severity, Status
from auditor.sections import Section
from auditor.snapshot import AccessKey, AccountSnapshot, Group, Policy, Role, User

CHECK_ID_PATTERN = r"^[a-z][a-z0-9_]{2,79}$"


class CheckDefinitionError(Exception):
    """A check class is malformed (bad or missing metadata)."""


class CheckParams(BaseModel):
    """Base class of a check's typed parameters; subclasses set defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class NoParams(CheckParams):
    """For checks without parameters."""


class CheckMeta(BaseModel):
    """Everything a report says about a check besides its results."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=CHECK_ID_PATTERN)
    title: str = Field(min_length=5)
    severity: Severity
    rationale: str = Field(min_length=20)
    remediation: str = Field(min_length=20, description="console steps")
    remediation_cli: str = Field("", description="an aliyun CLI command, where one exists")
    doc_url: str = Field(pattern=r"^https://")
    compliance: Mapping[str, tuple[str, ...]] = Field(
        default_factory=dict, description="framework name -> control ids"
    )
    tags: tuple[str, ...] = ()
    requires: frozenset[Section] = Field(min_length=1)
    enabled_by_default: bool = True

    @field_validator("compliance")
    @classmethod
    def _non_empty_controls(
        cls, value: Mapping[str, tuple[str, ...]]
    ) -> Mapping[str, tuple[str, ...]]:
        for framework, controls in value.items():
            if not controls:
                raise ValueError(f"framework {framework!r} maps to no control")
        return value


class Check:
    """Base class of every check. Subclasses set ``meta`` (and ``Params``) and ``evaluate``."""

    meta: ClassVar[CheckMeta]
    Params: ClassVar[type[CheckParams]] = NoParams

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = f"{cls.__module__}.{cls.__qualname__}"
        if "meta" not in cls.__dict__:
            if cls.__dict__.get("__abstract__", False):
                return
            raise CheckDefinitionError(f"{name}: a check must define 'meta = CheckMeta(...)'")
        meta = cls.__dict__["meta"]
        if isinstance(meta, Mapping):
            try:
                meta = CheckMeta.model_validate(meta)
            except ValidationError as exc:
                raise CheckDefinitionError(f"{name}: invalid metadata: {exc}") from exc
            cls.meta = meta
        if not isinstance(meta, CheckMeta):
            raise CheckDefinitionError(f"{name}: 'meta' must be a CheckMeta")
        if not (isinstance(cls.Params, type) and issubclass(cls.Params, CheckParams)):
            raise CheckDefinitionError(f"{name}: 'Params' must subclass CheckParams")
        try:
            cls.Params()
        except ValidationError as exc:
            raise CheckDefinitionError(f"{name}: every parameter needs a default: {exc}") from exc
        if cls.evaluate is Check.evaluate:
            raise CheckDefinitionError(f"{name}: a check must implement evaluate()")

    def evaluate(self, snapshot: AccountSnapshot, params: Any) -> Iterable[Finding]:
        """Yield one finding per evaluated resource. Pure: no I/O, clock or environment."""
        raise NotImplementedError

    # Result helpers bind the check id.
    def result(self, status: Status, resource: Resource, message: str) -> Finding:
        return Finding(check_id=self.meta.id, status=status, resource=resource, message=message)

    def passed(self, resource: Resource, message: str) -> Finding:
        return self.result(Status.PASS, resource, message)

    def failed(self, resource: Resource, message: str) -> Finding:
        return self.result(Status.FAIL, resource, message)

    def not_applicable(self, resource: Resource, message: str) -> Finding:
        return self.result(Status.NOT_APPLICABLE, resource, message)

    def unknown(self, resource: Resource, message: str) -> Finding:
        return self.result(Status.UNKNOWN, resource, message)


# Resource constructors, so every check names resources the same way.
def account(snapshot: AccountSnapshot) -> Resource:
    return Resource(type="account", id=snapshot.account_id, name=snapshot.account_alias)


def of_user(user: User) -> Resource:
    return Resource(type="user", id=user.id, name=user.name)


def of_access_key(key: AccessKey, user: User) -> Resource:
    return Resource(type="access_key", id=key.id, name=user.name)


def of_group(group: Group) -> Resource:
    return Resource(type="group", id=group.id, name=group.name)


def of_policy(policy: Policy) -> Resource:
    return Resource(type="policy", id=f"{policy.type}:{policy.name}", name=policy.name)


def of_role(role: Role) -> Resource:
    return Resource(type="role", id=role.id, name=role.name)
