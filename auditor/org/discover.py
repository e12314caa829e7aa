"""``ram-audit org accounts``: the Resource Directory's members as an accounts file."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.collector import CollectorSettings
from auditor.collector.credentials import ResolvedCredentials
from auditor.collector.resource_directory import list_directory
from auditor.errors import UsageError
from auditor.org.accounts import AccountEntry, AccountsFile, Defaults


def parse_tags(values: Sequence[str]) -> list[tuple[str, str | None]]:
    """``["env=prod", "team"]`` -> ``[("env", "prod"), ("team", None)]`` (a bare key: any value)."""
    tags: list[tuple[str, str | None]] = []
    for value in values:
        key, sep, text = value.partition("=")
        if not key.strip():
            raise UsageError(f"--tag {value!r}: expected KEY=VALUE or KEY")
        tags.append((key.strip(), text if sep else None))
    return tags


def discover(
    settings: CollectorSettings,
    defaults: Defaults,
    *,
    folder: str | None = None,
    tags: Sequence[tuple[str, str | None]] = (),
    credentials: ResolvedCredentials | None = None,
) -> AccountsFile:
    """List the members (all pages, sub-folders included) into a validated accounts file."""
    directory = list_directory(settings, folder=folder, tags=tags, credentials=credentials)
    return AccountsFile(
        resource_directory_id=directory.resource_directory_id or None,
        management_account_id=directory.management_account_id or None,
        caller_account_id=directory.caller_account_id or None,
        defaults=defaults,
        accounts=[
            AccountEntry(id=m.id, name=m.name, status=m.status or "CreateSuccess",
                         folder=m.folder_id or None, tags=m.tags)
            for m in directory.members
        ],
    )
