"""Errors the command line turns into exit codes.

    RamAuditError
    ├── UsageError        exit 2: bad flag, invalid config, waiver, snapshot or world file
    │   └── PackLoadError   a check pack failed to import or is malformed
    └── (collector.CollectionAborted, exit 3, lives with the collector)
"""

from __future__ import annotations


class RamAuditError(Exception):
    """Base class of ram-audit's own errors."""


class UsageError(RamAuditError, ValueError):
    """The user asked for something invalid (exit code 2); the message says what and where."""


class PackLoadError(UsageError):
    """A check pack could not be loaded; names the distribution and entry point."""
