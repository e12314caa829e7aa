"""ram-audit: a security-posture auditor for Alibaba Cloud RAM.

The public API for check authors: :class:`Check`, :class:`CheckMeta`, :class:`CheckParams`,
the resource constructors, :class:`Section`, :class:`Severity`, :class:`Status` and the
snapshot models in :mod:`auditor.snapshot`; test helpers live in :mod:`auditor.testing`.

The names are imported on first use (PEP 562), so that ``ram-audit --help`` and the modules
that need none of them (the emulator, the collector's pacing) do not load pydantic.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.check import (
        Check,
        CheckMeta,
        CheckParams,
        NoParams,
        account,
        of_access_key,
        of_group,
        of_policy,
        of_role,
        of_user,
    )
    from auditor.findings import Finding, Resource, Severity, Status
    from auditor.sections import Section

    __version__: str

_EXPORTS = {
    "Check": "auditor.check",
    "CheckMeta": "auditor.check",
    "CheckParams": "auditor.check",
    "NoParams": "auditor.check",
    "account": "auditor.check",
    "of_access_key": "auditor.check",
    "of_group": "auditor.check",
    "of_policy": "auditor.check",
    "of_role": "auditor.check",
    "of_user": "auditor.check",
    "Finding": "auditor.findings",
    "Resource": "auditor.findings",
    "Severity": "auditor.findings",
    "Status": "auditor.findings",
    "Section": "auditor.sections",
}

__all__ = [
    "Check",
    "CheckMeta",
    "CheckParams",
    "Finding",
    "NoParams",
    "Resource",
    "Section",
    "Severity",
    "Status",
    "__version__",
    "account",
    "of_access_key",
    "of_group",
    "of_policy",
    "of_role",
    "of_user",
]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ram-audit")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module 'auditor' has no attribute {name!r}")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
