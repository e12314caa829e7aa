"""YAML for hand-written files: ``yaml.safe_load`` that lets validators report bad dates.

PyYAML turns ``2027-02-30`` into ``date(2027, 2, 30)`` and dies with a bare ``ValueError``
(a traceback, no file or field). Here such a timestamp stays text, so the model that reads
the file reports it with the file, entry and field. Other unreadable scalars (``!!int x``)
become a ``yaml.YAMLError`` like any syntax error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from auditor.errors import yaml_problem

# The C parser is ~20x faster on large generated worlds; the constructors stay Python.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SafeLoader(_Base):
    """The safe loader, with impossible timestamps kept as the text written."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def safe_load(text: str) -> Any:
    """Parse one YAML document; raises ``yaml.YAMLError`` for anything unreadable."""
    try:
        return yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:
        raise yaml.YAMLError(f"unreadable value: {exc}") from None


class DataFileError(ValueError):
    """A hand-written data file could not be read or parsed; the message says why, without
    the file's name (each caller puts it first in its own wording)."""


def load_data_file(path: Path) -> Any:
    """Read a hand-written file: JSON when its suffix is ``.json``, else YAML (above)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise DataFileError("not a UTF-8 text file") from None
    try:
        return json.loads(text) if path.suffix.lower() == ".json" else safe_load(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(f"not valid JSON: {exc}") from None
    except yaml.YAMLError as exc:
        raise DataFileError(f"not valid YAML: {yaml_problem(exc)}") from None
