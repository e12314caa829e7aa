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

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from auditor.errors import first_problem
from auditor.findings import Finding, Resource, Severity, Status, trusted
from auditor.sections import Section
from auditor.snapshot import (
    AccessKey,
    AccountSnapshot,
    CollectionIssue,
    Group,
    Policy,
    ResourceType,
    Role,
    User,
    ref_of,
)

CHECK_ID_PATTERN = r"^[a-z][a-z0-9_]{2,79}$"
_PASS, _FAIL = Status.PASS, Status.FAIL
_NOT_APPLICABLE, _UNKNOWN = Status.NOT_APPLICABLE, Status.UNKNOWN
_FREEZE = "freeze"  # the status of a frozen user (:attr:`auditor.snapshot.User.frozen`)


class CheckDefinitionError(Exception):
    """A check class is malformed (bad or missing metadata)."""


class CheckParams(BaseModel):
    """Base class of a check's typed parameters; subclasses set defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class NoParams(CheckParams):
    """For checks without parameters."""


# Parameter types: the allowed range is part of the type, so a configuration asking for
# ``max_days = -5`` is refused, naming the check, the parameter and the range. Whole numbers
# only (``strict``: no ``true`` or ``90.5``). A parameter compared with an account setting
# also takes that setting's upper bound (``param(14, le=32)``): beyond it the check could
# never pass.
#: A period in days: at least one day, at most ten years.
Days = Annotated[int, Field(strict=True, ge=1, le=3650)]
#: A grace period in days; 0 means none.
GraceDays = Annotated[int, Field(strict=True, ge=0, le=3650)]
#: A required minimum or allowed maximum count: at least 1 (0 would require nothing).
PositiveCount = Annotated[int, Field(strict=True, ge=1)]
#: A count where 0 is meaningful.
Count = Annotated[int, Field(strict=True, ge=0)]
#: Console session length in hours (the setting's range, 1 to 24).
SessionHours = Annotated[int, Field(strict=True, ge=1, le=24)]
#: Role session length in seconds (MaxSessionDuration's range, 900 to 43200).
SessionSeconds = Annotated[int, Field(strict=True, ge=900, le=43200)]
#: A RAM user or role name in an allow-list.
PrincipalName = Annotated[str, Field(min_length=1, max_length=128)]
#: An Alibaba Cloud account id (digits).
AccountId = Annotated[str, Field(pattern=r"^[0-9]{1,32}$")]
T = TypeVar("T")


def param(default: T, *, le: int) -> T:
    """A parameter's default with a tighter upper bound than its type's: the top of the
    account setting it is compared with (``min_length: PositiveCount = param(14, le=32)``)."""
    result: T = Field(default, le=le)
    return result


def allowed_range(params: type[CheckParams], name: str) -> str:
    """``an integer from 1 to 3650``, ``one of 'rotation', 'cis_v2'``: for messages."""
    field = params.model_fields[name]
    low = next((m.ge for m in field.metadata if getattr(m, "ge", None) is not None), None)
    high = next((m.le for m in field.metadata if getattr(m, "le", None) is not None), None)
    if field.annotation is int and low is not None:
        return f"an integer from {low} to {high}" if high is not None else (
            f"an integer of at least {low}"
        )
    if get_origin(field.annotation) is Literal:
        return "one of " + ", ".join(repr(v) for v in get_args(field.annotation))
    if field.annotation is bool:
        return "true or false"
    if get_origin(field.annotation) is tuple:
        item = get_args(field.annotation)[0]
        return "a list of account ids (digits)" if item == AccountId else "a list of names"
    return str(field.annotation)


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
        default_factory=dict,
        description=(
            "framework name -> control ids, for packs whose checks the framework files do "
            "not map; built-in checks leave this empty (frameworks own their mappings)"
        ),
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
                raise CheckDefinitionError(
                    f"{name}: invalid metadata {first_problem(exc.errors())}") from exc
            cls.meta = meta
        if not isinstance(meta, CheckMeta):
            raise CheckDefinitionError(f"{name}: 'meta' must be a CheckMeta")
        if not (isinstance(cls.Params, type) and issubclass(cls.Params, CheckParams)):
            raise CheckDefinitionError(f"{name}: 'Params' must subclass CheckParams")
        try:
            cls.Params()
        except ValidationError as exc:
            raise CheckDefinitionError(f"{name}: every parameter needs a default: "
                                       f"{first_problem(exc.errors())}") from exc
        if cls.evaluate is Check.evaluate:
            raise CheckDefinitionError(f"{name}: a check must implement evaluate()")

    def evaluate(self, snapshot: AccountSnapshot, params: Any) -> Iterable[Finding]:
        """Yield one finding per evaluated resource. Pure: no I/O, clock or environment."""
        raise NotImplementedError

    def evaluate_incomplete(
        self, snapshot: AccountSnapshot, params: Any, incomplete: Sequence[Section]
    ) -> Iterable[Finding]:
        """Called instead of :meth:`evaluate` when a section in ``meta.requires`` is
        incomplete: one account-level UNKNOWN naming what failed.

        Override only where the data at hand still decides the verdict (one RAM user
        decides ``ram_identities_in_use``), and never pass on what is missing.
        """
        yield self.unknown(account(snapshot), missing_sections_message(snapshot, incomplete))

    # Result helpers bind the check id (statuses as module constants: ``Status.PASS`` is
    # an attribute lookup through the enum's metaclass, once per finding). Each helper
    # builds its finding with ``trusted`` itself when the values have the field types
    # (``Finding.of``'s test, less the status: a module constant), else ``Finding.of``
    # validates: two Python calls per finding instead of four.
    def result(self, status: Status, resource: Resource, message: str) -> Finding:
        return _finding(self.meta.id, status, resource, message)

    def passed(self, resource: Resource, message: str) -> Finding:
        check_id = self.meta.id
        if resource.__class__ is _Resource and str is message.__class__ is check_id.__class__:
            return _trusted(_Finding, {"check_id": check_id, "status": _PASS,
                                       "resource": resource, "message": message}, _GIVEN)
        return _finding(check_id, _PASS, resource, message)

    def failed(self, resource: Resource, message: str) -> Finding:
        check_id = self.meta.id
        if resource.__class__ is _Resource and str is message.__class__ is check_id.__class__:
            return _trusted(_Finding, {"check_id": check_id, "status": _FAIL,
                                       "resource": resource, "message": message}, _GIVEN)
        return _finding(check_id, _FAIL, resource, message)

    def not_applicable(self, resource: Resource, message: str) -> Finding:
        return _finding(self.meta.id, _NOT_APPLICABLE, resource, message)

    def unknown(self, resource: Resource, message: str) -> Finding:
        return _finding(self.meta.id, _UNKNOWN, resource, message)


_finding = Finding.of
_Finding, _Resource, _trusted = Finding, Resource, trusted
_GIVEN = set(Finding.model_fields)  # every field set, as Finding.of's (one shared set)


# Resource constructors, so every check names resources the same way. Results share one
# (frozen) Resource per snapshot resource: a user is named by a dozen checks.
_resource = lru_cache(maxsize=1 << 16)(Resource.of)


def account(snapshot: AccountSnapshot) -> Resource:
    return _resource("account", snapshot.account_id, snapshot.account_alias)


def of_user(user: User) -> Resource:
    return _resource("user", user.id, user.name)


def of_access_key(key: AccessKey, user: User) -> Resource:
    return _resource("access_key", key.id, user.name)


def of_group(group: Group) -> Resource:
    return _resource("group", group.id, group.name)


def of_policy(policy: Policy) -> Resource:
    return _resource("policy", f"{policy.type}:{policy.name}", policy.name)


def of_role(role: Role) -> Resource:
    return _resource("role", role.id, role.name)


def resource_of(item: User | Group | Policy | Role) -> Resource:
    """The result resource of a snapshot resource."""
    if isinstance(item, User):
        return of_user(item)
    if isinstance(item, Group):
        return of_group(item)
    if isinstance(item, Policy):
        return of_policy(item)
    return of_role(item)


def missing_sections_message(snapshot: AccountSnapshot, sections: Sequence[Section]) -> str:
    """"Could not evaluate: <what failed; what to grant>" for incomplete sections."""
    reasons = []
    for section in sections:
        issues = snapshot.missing_issues(section)
        if not issues:
            reasons.append(f"the {section} data was not collected")
        reasons.extend(issue.describe() for issue in issues)
    return "Could not evaluate: " + "; ".join(dict.fromkeys(reasons))


def missing_facts_message(
    item: User | Group | Policy | Role, missing: Mapping[str, CollectionIssue]
) -> str:
    """"Could not evaluate user bob: <what failed; what to grant>"."""
    reasons = "; ".join(dict.fromkeys(issue.describe() for issue in missing.values()))
    return f"Could not evaluate {ref_of(item)}: {reasons}."


ItemT = TypeVar("ItemT", User, Group, Policy, Role)


class PerResourceCheck(Check, Generic[ItemT]):
    """A check with one verdict per resource: the loop 20 checks would otherwise repeat.

    NOT_APPLICABLE for the account when no resource is evaluated. A resource missing one
    of the facts the check ``reads`` (see :data:`auditor.snapshot.RESOURCE_FACTS`) is
    UNKNOWN, naming the failed read, unless :meth:`judge_incomplete` can decide it with
    the facts at hand; every other resource is still judged. Results of frozen users say
    so.
    """

    __abstract__ = True
    #: The facts of each resource this check reads.
    reads: ClassVar[frozenset[str]] = frozenset()
    #: The NOT_APPLICABLE message when nothing is evaluated.
    none_message: ClassVar[str] = "Nothing to evaluate."

    def items(self, snapshot: AccountSnapshot, params: Any) -> Iterable[ItemT]:
        """The resources this check may evaluate."""
        raise NotImplementedError

    def judge(self, snapshot: AccountSnapshot, item: ItemT, params: Any) -> Iterable[Finding]:
        """The findings for one resource with all its facts (none: not evaluated)."""
        raise NotImplementedError

    #: A fact of *other* resources the verdict may depend on, as (resource type, fact): a
    #: group whose members are unknown may contain the user being judged.
    depends_on: ClassVar[tuple[ResourceType, str] | None] = None

    def missing(
        self, snapshot: AccountSnapshot, item: ItemT
    ) -> Mapping[str, CollectionIssue]:
        """The facts this check reads that ``item`` lacks, and the ``depends_on`` fact of
        every other resource that lacks it."""
        gaps = snapshot.gaps(item)
        found = {f: i for f, i in gaps.items() if f in self.reads} if gaps else {}
        if self.depends_on is not None:
            kind, fact = self.depends_on
            others = snapshot.fact_gaps(kind, fact)
            if others:
                found.update((f"{fact} of {kind} {name}", i) for name, i in others.items())
        return found

    def decided_without(
        self, snapshot: AccountSnapshot, item: ItemT, missing: Mapping[str, CollectionIssue]
    ) -> bool:
        """Whether the facts at hand decide ``item`` despite ``missing`` (then
        :meth:`judge` runs); no by default."""
        return False

    def judge_incomplete(
        self,
        snapshot: AccountSnapshot,
        item: ItemT,
        params: Any,
        missing: Mapping[str, CollectionIssue],
    ) -> Iterable[Finding]:
        """The findings for a resource lacking ``missing`` facts: :meth:`judge`'s when the
        facts at hand decide, else UNKNOWN naming what failed."""
        if self.decided_without(snapshot, item, missing):
            yield from self.judge(snapshot, item, params)
        else:
            yield self.unknown(resource_of(item), missing_facts_message(item, missing))

    def evaluate(self, snapshot: AccountSnapshot, params: Any) -> Iterable[Finding]:
        # A list, not a generator: no resumption per finding (70,000 at 10,000 users).
        out: list[Finding] = []
        extend = out.extend
        # Without any resource gap in the snapshot, no item misses anything (saves asking
        # for each of tens of thousands of items), unless a subclass redefines ``missing``.
        ask = snapshot.has_gaps() or type(self).missing is not PerResourceCheck.missing
        judge = self.judge
        for item in self.items(snapshot, params):
            missing = self.missing(snapshot, item) if ask else None
            if missing:
                findings = self.judge_incomplete(snapshot, item, params, missing)
            else:
                findings = judge(snapshot, item, params)
            # ``User.frozen`` without its property call for each (check, user)
            if isinstance(item, User) and item.status == _FREEZE:
                extend([_mark_frozen(finding) for finding in findings])
            else:
                extend(findings)
        if not out:
            out.append(self.not_applicable(account(snapshot), self.none_message))
        return out


def _mark_frozen(finding: Finding) -> Finding:
    """A frozen user's finding says so (built anew: half the cost of ``model_copy``)."""
    message = f"{finding.message} (frozen user)"
    if finding.__class__ is _Finding:
        return _finding(finding.check_id, finding.status, finding.resource, message)
    return finding.model_copy(update={"message": message})
