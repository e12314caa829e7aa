"""``report.json``: the AuditReport itself, schema_version "1".

The bytes are pydantic's own serialisation (``model_dump_json(indent=2)`` and a newline).
orjson writes those same bytes about three times faster (70,000 results at 10,000 users):
it is used when every model in the report serialises as its plain fields, which
:func:`plain_model` decides once per class; any value it would write differently from
pydantic (a datetime, an integer beyond 64 bits, a non-string key, an unknown type) is
handed back to pydantic, for that value or, when orjson cannot write it, for the whole
report. The report's long lists (results, escalation paths and edges) are encoded a
slice at a time while the file is written, so that the whole file never sits in memory.
``tests/render/test_json_report.py`` compares both on edge values and slice sizes.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from enum import Enum
from functools import cache
from types import GenericAlias, NoneType, UnionType
from typing import Any, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, NaiveDatetime, TypeAdapter

from auditor.report import AuditReport, EscalationHop, EscalationPrincipal, Result

#: Serialises straight to bytes, the same bytes as ``model_dump_json`` (which decodes
#: them to a str that would then be encoded again: three copies of a large report).
_REPORT: TypeAdapter[AuditReport] = TypeAdapter(AuditReport)
_OPTIONS = (orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS)
#: Field types orjson writes as pydantic does (values of date and time types, and of any
#: other type it does not write itself, are passed back: see :func:`_pydantic_value`).
_LEAVES = (str, int, bool, float, NoneType, Any, object, AwareDatetime, NaiveDatetime)
#: The model settings that change serialisation.
_SERIALISING_CONFIG = ("ser_json_timedelta", "ser_json_bytes", "ser_json_inf_nan",
                       "ser_json_temporal", "serialize_by_alias", "extra")
_TEMPORAL = {cls: TypeAdapter(cls) for cls in (datetime, date, time, timedelta)}


def _plain_annotation(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return plain_model(annotation)
        if isinstance(annotation, type) and issubclass(annotation, Enum):
            return all(isinstance(m.value, str) for m in annotation)
        return annotation in _LEAVES or annotation in _TEMPORAL
    if origin is Literal:
        return all(isinstance(v, str) for v in typing.get_args(annotation))
    if origin is dict:
        key, value = typing.get_args(annotation)
        return key is str and _plain_annotation(value)
    if origin in (list, tuple, UnionType, typing.Union):
        return all(_plain_annotation(a) for a in typing.get_args(annotation) if a is not ...)
    if origin is typing.Annotated:
        return False  # may carry a serialiser
    return False


@cache
def plain_model(cls: type[BaseModel]) -> bool:
    """Whether pydantic writes ``cls`` as its fields in order, each by its plain JSON type:
    no serialisers, computed fields, aliases, exclusions, extra fields or serialisation
    settings, and only field types orjson writes alike (or hands back)."""
    decorators = cls.__pydantic_decorators__
    if decorators.field_serializers or decorators.model_serializers or (
        cls.model_computed_fields
    ):
        return False
    if any(cls.model_config.get(key) not in (None, "forbid", "ignore")
           for key in _SERIALISING_CONFIG):
        return False
    return all(
        f.alias is None and f.serialization_alias is None and not f.exclude
        and f.exclude_if is None and _plain_annotation(f.annotation)
        and not any(hasattr(m, "__get_pydantic_core_schema__") for m in f.metadata)
        for f in cls.model_fields.values()
    )


class _FieldCounts(dict[type, int]):
    """Class -> number of fields for a plain model class, -1 for any other class; filled
    on first sight (a subscript per value: orjson asks for every result and resource)."""

    def __missing__(self, cls: type) -> int:
        count = len(cls.model_fields) if issubclass(cls, BaseModel) and plain_model(cls) else -1
        self[cls] = count
        return count


_field_counts = _FieldCounts()


def _pydantic_value(value: Any) -> Any:
    """What orjson does not write itself: a plain model's fields (in declaration order,
    as every instance holds them), and pydantic's own text of a date or time."""
    cls = value.__class__
    count = _field_counts[cls]
    if count >= 0:
        fields: dict[str, Any] = value.__dict__
        if len(fields) == count:
            return fields
    temporal = _TEMPORAL.get(cls)
    if temporal is not None:
        return temporal.dump_python(value, mode="json")
    raise TypeError(f"not written by orjson: {cls.__name__}")


#: Items per encoded slice (about 1 MB of JSON): the slices' buffers reuse the same
#: memory, where the whole file at once (83 MB at 10,000 users) costs as many fresh pages.
SLICE = 1000
ListPath = tuple[str, ...]
#: The report's long lists (field names from the report down), in the order the file
#: holds them, with their item type: each is left out of the rest of the report (the
#: head) and encoded a slice at a time while the file is written.
LONG_LISTS: dict[ListPath, type[BaseModel]] = {
    ("results",): Result,
    ("escalation", "principals"): EscalationPrincipal,
    ("escalation", "edges"): EscalationHop,
}
_SLICE_OPTIONS = _OPTIONS & ~orjson.OPT_APPEND_NEWLINE


def _wrapped(path: ListPath, items: list[Any]) -> dict[str, Any]:
    """``{"escalation": {"edges": items}}`` for ``("escalation", "edges")``: encoded with
    ``indent=2``, its items are at their depth in the report, so the list's body (between
    :func:`_frame`'s two parts) is the report's bytes for those items."""
    value: Any = items
    for name in reversed(path):
        value = {name: value}
    wrapped: dict[str, Any] = value
    return wrapped


@cache
def _frame(path: ListPath) -> tuple[int, int]:
    """The lengths of what precedes and follows the list's body in a :func:`_wrapped`."""
    empty = orjson.dumps(_wrapped(path, []), option=_SLICE_OPTIONS)
    at = empty.index(b"[]") + 1
    return at, len(empty) - at + 1 + 2 * len(path)  # + the newline and indent before "]"


@cache
def _slice_adapter(path: ListPath) -> TypeAdapter[Any]:
    """pydantic's serialiser of a :func:`_wrapped` slice."""
    annotation: Any = GenericAlias(list, (LONG_LISTS[path],))
    for _ in path:
        annotation = GenericAlias(dict, (str, annotation))
    return TypeAdapter(annotation)


def _fields_of(items: list[Any], cls: type[BaseModel]) -> list[Any]:
    """Each item of class ``cls`` as what :func:`_pydantic_value` gives orjson for it, its
    fields: a comprehension, where orjson would call back into Python once per item."""
    count = _field_counts[cls]
    if count < 0:
        return items
    return [
        item.__dict__ if item.__class__ is cls and len(item.__dict__) == count else item
        for item in items
    ]


def _encoded_slice(path: ListPath, items: list[Any]) -> memoryview:
    """The report's bytes for ``items`` of the list at ``path`` (orjson, or pydantic for
    values orjson would write otherwise)."""
    fields = _wrapped(path, _fields_of(items, LONG_LISTS[path]))
    try:
        encoded = orjson.dumps(fields, default=_pydantic_value, option=_SLICE_OPTIONS)
    except orjson.JSONEncodeError:
        encoded = _slice_adapter(path).dump_json(_wrapped(path, items), indent=2)
    before, after = _frame(path)
    return memoryview(encoded)[before:len(encoded) - after]


def _split(report: AuditReport) -> tuple[dict[str, Any], list[tuple[ListPath, list[Any]]]] | None:
    """The report's fields with its non-empty long lists emptied, and those lists; None
    unless the report holds its fields as :func:`_pydantic_value` gives them to orjson.
    (A model on a list's path that does not, or None, keeps its list in the head.)"""
    fields: dict[str, Any] = report.__dict__
    if len(fields) != _field_counts[AuditReport]:
        return None
    copies: dict[ListPath, dict[str, Any]] = {(): dict(fields)}
    lists = []
    for path, _ in LONG_LISTS.items():
        parent = copies[()]
        for depth, name in enumerate(path[:-1], 1):
            if path[:depth] not in copies:
                value = parent[name]
                if not isinstance(value, BaseModel) or (
                    len(value.__dict__) != _field_counts[value.__class__]
                ):
                    break
                parent[name] = copies[path[:depth]] = dict(value.__dict__)
            parent = copies[path[:depth]]
        else:
            if parent[path[-1]]:
                lists.append((path, parent[path[-1]]))
                parent[path[-1]] = []
    return copies[()], lists


def _sliced(head: bytes, lists: list[tuple[ListPath, list[Any]]]) -> Iterator[bytes | memoryview]:
    """The file: ``head`` with each long list's items, encoded :data:`SLICE` at a time as
    the parts are consumed, in place of its empty list."""
    whole = memoryview(head)
    keys: dict[ListPath, int] = {(): 0}  # where each key on the lists' paths is
    done = 0
    for path, items in lists:
        for depth, name in enumerate(path, 1):  # a key's own line: strings hold no newline
            if path[:depth] not in keys:
                key = b"\n" + b"  " * depth + orjson.dumps(name) + b": "
                keys[path[:depth]] = head.index(key, max(done, keys[path[:depth - 1]]))
        at = head.index(b"[]", keys[path]) + 1
        yield whole[done:at]
        for first in range(0, len(items), SLICE):
            if first:
                yield b","
            yield _encoded_slice(path, items[first:first + SLICE])
        yield b"\n" + b"  " * len(path)
        done = at
    yield whole[done:]


def render_json_parts(report: AuditReport) -> Iterable[bytes | memoryview]:
    """The file's bytes, in parts written one after the other (never joined: a copy of
    the whole report, 83 MB at 10,000 users). The long lists are encoded in slices as
    the parts are consumed, so that only the head and one slice exist at a time."""
    if plain_model(AuditReport):
        split = _split(report)
        if split is not None:
            try:
                head = orjson.dumps(split[0], default=_pydantic_value, option=_OPTIONS)
            except orjson.JSONEncodeError:
                pass  # pydantic decides: it may write the value, or refuse it with its own error
            else:
                return _sliced(head, split[1])
    return _REPORT.dump_json(report, indent=2), b"\n"


def render_json(report: AuditReport) -> bytes:
    return b"".join(render_json_parts(report))
