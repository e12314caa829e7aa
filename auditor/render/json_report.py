"""``report.json``: the AuditReport itself, schema_version "1".

The bytes are pydantic's own serialisation (``model_dump_json(indent=2)`` and a newline).
orjson writes those same bytes about three times faster (70,000 results at 10,000 users):
it is used when every model in the report serialises as its plain fields, which
:func:`plain_model` decides once per class; any value it would write differently from
pydantic (a datetime, an integer beyond 64 bits, a non-string key, an unknown type) is
handed back to pydantic, for that value or, when orjson cannot write it, for the whole
report. ``tests/render/test_json_report.py`` compares both on edge values.
"""

from __future__ import annotations

import typing
from datetime import date, datetime, time, timedelta
from enum import Enum
from functools import cache
from types import NoneType, UnionType
from typing import Any, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, NaiveDatetime, TypeAdapter

from auditor.report import AuditReport

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


def render_json_parts(report: AuditReport) -> tuple[bytes, ...]:
    """The file's bytes, in parts written one after the other (never joined: a copy of
    the whole report, 56 MB at 10,000 users)."""
    if plain_model(AuditReport):
        try:
            return (orjson.dumps(report, default=_pydantic_value, option=_OPTIONS),)
        except orjson.JSONEncodeError:
            pass  # pydantic decides: it may write the value, or refuse it with its own error
    return _REPORT.dump_json(report, indent=2), b"\n"


def render_json(report: AuditReport) -> bytes:
    return b"".join(render_json_parts(report))
