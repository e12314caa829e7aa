"""YAML for hand-written files: ``yaml.safe_load`` that lets validators report bad dates.

PyYAML turns ``2027-02-30`` into ``date(2027, 2, 30)`` and dies with a bare ``ValueError``
(a traceback, no file or field). Here such a timestamp stays text, so the model that reads
the file reports it with the file, entry and field. Other unreadable scalars (``!!int x``)
become a ``yaml.YAMLError`` like any syntax error.
"""

from __future__ import annotations

from typing import Any

import yaml

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
