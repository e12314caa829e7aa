"""What a check says about one resource: status, severity, resource, finding."""

from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

ModelT = TypeVar("ModelT", bound=BaseModel)
_new = object.__new__
# The slots every model instance has (BaseModel's ``__slots__``), set through their own
# descriptors: a frozen model refuses ``setattr``, and ``object.__setattr__`` looks the
# name up on each call.
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
_FROZEN: set[type[BaseModel]] = set()


def trusted(cls: type[ModelT], fields: dict[str, Any], given: set[str]) -> ModelT:
    """A ``cls`` instance from values that already have their fields' types, unvalidated.

    What validation would build, without its cost (pydantic's ``model_construct`` is
    slower than validation): ``fields`` holds every field in declaration order, ``given``
    the names the caller set. ``given`` may be one set shared by many instances of a
    frozen model (pydantic changes it only on assignment, which frozen models refuse, and
    ``model_copy`` copies it first): a 9-name set per result would weigh 50 MB at 70,000
    results. For hot paths whose inputs are typed by construction (the check helpers, the
    engine's results); ``tests/test_findings.py`` compares it with validation.
    """
    if cls not in _FROZEN:
        _frozen(cls)
    obj = _new(cls)
    _set_dict(obj, fields)
    _set_fields_set(obj, given)
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj


def trusted_all(cls: type[ModelT], rows: list[dict[str, Any]], given: set[str]) -> list[ModelT]:
    """:func:`trusted` for each of ``rows``, in one loop without a call per instance (the
    engine's tens of thousands of results); ``given`` is shared by all of them."""
    if cls not in _FROZEN:
        _frozen(cls)
    out: list[ModelT] = []
    add, new = out.append, _new
    set_dict, set_fields_set, set_extra, set_private = (
        _set_dict, _set_fields_set, _set_extra, _set_private
    )
    for fields in rows:
        obj = new(cls)
        set_dict(obj, fields)
        set_fields_set(obj, given)
        set_extra(obj, None)
        set_private(obj, None)
        add(obj)
    return out


def _frozen(cls: type[BaseModel]) -> None:
    """Admit ``cls`` to :func:`trusted` once: only frozen models may share ``given``."""
    if not cls.model_config.get("frozen"):
        raise TypeError(f"{cls.__name__} is not frozen: instances may not share 'given'")
    _FROZEN.add(cls)


def shared_keys(cls: type[BaseModel], fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` as a dict whose copies are key-sharing dicts (CPython's "split" instance
    dicts: the keys stored once per class, each copy holding only its values), for many
    :func:`trusted` instances of ``cls``: at 15 fields a copy weighs about 40 % less and is
    built faster than a dict with its own keys (70,000 results at 10,000 users).

    The dict is the attribute dict of a bare ``cls`` instance given ``fields`` in order;
    where the interpreter does not share keys, it is a plain dict of the same items.
    """
    holder = _new(cls)
    for name, value in fields.items():
        object.__setattr__(holder, name, value)
    shared: dict[str, Any] = holder.__dict__
    return shared


class Status(str, Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"
    ERROR = "ERROR"
    NOT_APPLICABLE = "NOT_APPLICABLE"

    def __str__(self) -> str:
        return self.value


class Severity(str, Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    def __str__(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        """Higher is more severe: critical=4 … info=0."""
        return _SEVERITY_RANK[self]

    def at_least(self, other: "Severity") -> bool:
        return self.rank >= other.rank


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


_RESOURCE_GIVEN = {"type", "id", "name"}
_FINDING_GIVEN = {"check_id", "status", "resource", "message"}


class Resource(BaseModel):
    """The thing a finding is about: account, user, access_key, group, policy or role."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    id: str
    name: str = ""

    @classmethod
    def of(cls, type: str, id: str, name: str) -> "Resource":
        """``Resource(type=..., id=..., name=...)``, without validation when all three are
        plain strings (every resource a check builds from the snapshot)."""
        if str is type.__class__ is id.__class__ is name.__class__:
            return trusted(cls, {"type": type, "id": id, "name": name}, _RESOURCE_GIVEN)
        return cls(type=type, id=id, name=name)


class Finding(BaseModel):
    """One check's verdict on one resource, as the check produces it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check_id: str
    status: Status
    resource: Resource
    message: str

    @classmethod
    def of(cls, check_id: str, status: Status, resource: Resource, message: str) -> "Finding":
        """``Finding(...)``, without validation when the arguments already have the field
        types (the :class:`~auditor.check.Check` helpers' case)."""
        if not (
            status.__class__ is Status
            and resource.__class__ is Resource
            and str is check_id.__class__ is message.__class__
        ):
            return cls(check_id=check_id, status=status, resource=resource, message=message)
        fields = {"check_id": check_id, "status": status, "resource": resource, "message": message}
        return trusted(cls, fields, _FINDING_GIVEN)
