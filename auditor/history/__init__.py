"""Run history in SQLite: runs, finding lifecycle and trends (shared/spec/jobs.md).

The names are imported on first use (PEP 562), so that ``ram-audit --help`` (which loads
:mod:`auditor.history.commands`) and runs without ``--history`` do not load the store.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.history.store import History, HistoryError, Recorded, RunRow, open_history

__all__ = ["History", "HistoryError", "Recorded", "RunRow", "open_history"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'auditor.history' has no attribute {name!r}")
    value = getattr(import_module("auditor.history.store"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
