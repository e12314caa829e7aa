"""ram-audit: a security-posture auditor for Alibaba Cloud RAM.

The public API for check authors: :class:`Check`, :class:`CheckMeta`, :class:`CheckParams`,
the resource constructors, :class:`Section`, :class:`Severity`, :class:`Status` and the
snapshot models in :mod:`auditor.snapshot`; test helpers live in :mod:`auditor.testing`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ram-audit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

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
