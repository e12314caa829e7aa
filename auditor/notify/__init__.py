"""Chat and webhook notifications after a run (shared/spec/jobs.md).

The names are imported on first use (PEP 562): ``--notify`` is rare, and sending loads
``urllib.request`` and the report models, which ``ram-audit --help`` and most runs do not
need.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.notify.messages import Digest, Notice, digest
    from auditor.notify.send import Failure, SendSettings, send, send_all
    from auditor.notify.targets import Target, parse_target

_EXPORTS = {
    "Digest": "auditor.notify.messages",
    "Notice": "auditor.notify.messages",
    "digest": "auditor.notify.messages",
    "Failure": "auditor.notify.send",
    "SendSettings": "auditor.notify.send",
    "send": "auditor.notify.send",
    "send_all": "auditor.notify.send",
    "Target": "auditor.notify.targets",
    "parse_target": "auditor.notify.targets",
}

__all__ = [
    "Digest", "Failure", "Notice", "SendSettings", "Target", "digest", "parse_target", "send",
    "send_all",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'auditor.notify' has no attribute {name!r}")
    module = import_module(_EXPORTS[name])
    # Bind every name of that module at once: importing auditor.notify.send sets this
    # package's ``send`` to the submodule, which must read as the function, as before.
    for export, where in _EXPORTS.items():
        if where == module.__name__:
            globals()[export] = getattr(module, export)
    return globals()[name]


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
