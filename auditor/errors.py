"""Errors the command line turns into exit codes, and validation errors in plain words.

    RamAuditError
    ├── UsageError        exit 2: bad flag, invalid config, waiver, snapshot or world file
    │   └── PackLoadError   a check pack failed to import or is malformed
    └── (collector.CollectionAborted, exit 3, lives with the collector)
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pydantic_core import ErrorDetails


class RamAuditError(Exception):
    """Base class of ram-audit's own errors."""


class UsageError(RamAuditError, ValueError):
    """The user asked for something invalid (exit code 2); the message says what and where."""


class PackLoadError(UsageError):
    """A check pack could not be loaded; names the distribution and entry point."""


_SECRET_FIELDS = ("secret", "password", "token")


def shown_value(value: object, limit: int = 60) -> str:
    """A value as a person wrote it: bare when it is one plain word, else quoted; shortened."""
    text = value.isoformat() if hasattr(value, "isoformat") else value
    if isinstance(text, bool):  # as YAML, TOML and JSON write it
        text = str(text).lower()
    elif isinstance(text, str):
        plain = bool(re.fullmatch(r"[\w.:+@/*-]+", text))
        text = text if plain else repr(text)
    else:
        text = repr(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def plain_problem(error: ErrorDetails) -> str:
    """One pydantic error in plain words (``2027-02-30 is not a valid date``), no jargon.

    Callers name the file and field (the error's ``loc``); this says what is wrong.
    """
    kind, ctx = error["type"], error.get("ctx") or {}
    field = str(error["loc"][-1]) if error["loc"] else ""
    value = "(hidden)" if any(s in field.lower() for s in _SECRET_FIELDS) else (
        shown_value(error.get("input"))
    )
    if kind == "missing":
        problem = "missing (required)"
    elif kind == "extra_forbidden":
        problem = "is not a known field"
    elif kind.startswith("datetime"):
        problem = f"{value} is not a valid date and time"
    elif kind.startswith("date"):
        problem = f"{value} is not a valid date (YYYY-MM-DD)"
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        problem = f"{value} is not a whole number"
    elif kind in ("bool_type", "bool_parsing"):
        problem = f"{value} is not true or false"
    elif kind in ("string_type",):
        problem = f"{value} is not a text string"
    elif kind in ("list_type", "tuple_type", "set_type"):
        problem = f"{value} is not a list"
    elif kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        problem = f"expected a mapping of fields, got {value}"
    elif kind in ("literal_error", "enum"):
        problem = f"{value} is not one of {ctx.get('expected', '?')}"
    elif kind == "string_too_short":
        problem = "must not be empty" if ctx.get("min_length") == 1 else (
            f"{value} is shorter than {ctx.get('min_length')} characters"
        )
    elif kind == "string_pattern_mismatch":
        problem = f"{value} is not of the expected form"
    elif kind in _BOUNDS:
        problem = f"{value} {_BOUNDS[kind]} {next(iter(ctx.values()), '?')}"
    elif kind in ("value_error", "assertion_error") and "error" in ctx:
        problem = str(ctx["error"])
    else:
        problem = error["msg"].replace("Input should be", "must be")
    return problem


def first_problem(errors: Sequence[ErrorDetails]) -> str:
    """``at users.0.name: 5 is not a text string (3 problems in all)``: pydantic's first
    error where and in plain words, for files whose entries have no names to show."""
    if not errors:
        return "is invalid"
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    more = f" ({len(errors)} problems in all)" if len(errors) > 1 else ""
    return f"at {where}: {plain_problem(first)}{more}"


def yaml_problem(exc: Exception) -> str:
    """A YAML parse error as ``line 2, column 3: did not find expected node content``,
    without the library's ``while parsing ... in "<unicode string>"`` wording."""
    problem, mark = getattr(exc, "problem", None), getattr(exc, "problem_mark", None)
    if not problem:
        return " ".join(str(exc).split())
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{problem}"


_BOUNDS = {
    "greater_than_equal": "is less than",
    "greater_than": "is not more than",
    "less_than_equal": "is more than",
    "less_than": "is not less than",
}
