"""The accounts file: which members to audit and through which role.

YAML or JSON, validated like every input (a bad entry is a usage error naming the file,
entry and field)::

    defaults: {role_name: ram-audit-reader, external_id: null}
    accounts:
      - {id: "1234567890123456", name: prod, tags: {env: prod}}
      - {id: "2345678901234567", name: data, role_arn: "acs:ram::2345678901234567:role/auditor"}

A member's role is ``role_arn``, else ``acs:ram::<id>:role/<role_name>``. Members whose
status is ``CreateSuccess``, ``InviteSuccess`` or ``Promote*`` are audited; the others stay
in the file and are reported as not audited, their status being the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from auditor._yaml import DataFileError, load_data_file
from auditor.collector.settings import check_role_arn
from auditor.errors import UsageError, plain_problem
from auditor.render.atomic import write_atomic

#: The role Resource Directory creates in members, with administrator rights.
ADMIN_ROLE = "ResourceDirectoryAccountAccessRole"
DEFAULT_ROLE = "ram-audit-reader"
AUDITED_STATUSES = frozenset({"CreateSuccess", "InviteSuccess"})


def is_audited_status(status: str) -> bool:
    return status in AUDITED_STATUSES or status.startswith("Promote")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Defaults(_Strict):
    role_name: str = Field(DEFAULT_ROLE, pattern=r"^[A-Za-z0-9._-]{1,64}$")
    external_id: str | None = None


class AccountEntry(_Strict):
    id: str = Field(pattern=r"^[0-9]{1,32}$")
    name: str = ""
    status: str = "CreateSuccess"
    folder: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    role_arn: str | None = None
    external_id: str | None = None

    @field_validator("role_arn")
    @classmethod
    def _arn(cls, value: str | None) -> str | None:
        return None if value is None else check_role_arn(value)

    @model_validator(mode="after")
    def _arn_of_this_account(self) -> AccountEntry:
        if self.role_arn is not None and f"::{self.id}:" not in self.role_arn:
            raise ValueError(f"role_arn {self.role_arn} is not a role of account {self.id}")
        return self

    @property
    def audited(self) -> bool:
        return is_audited_status(self.status)


class AccountsFile(_Strict):
    """Members of one organisation (sorted by id when written)."""

    resource_directory_id: str | None = None
    management_account_id: str | None = None
    caller_account_id: str | None = None
    defaults: Defaults = Defaults()
    accounts: list[AccountEntry]

    @model_validator(mode="after")
    def _unique(self) -> AccountsFile:
        seen: set[str] = set()
        for entry in self.accounts:
            if entry.id in seen:
                raise ValueError(f"account {entry.id} is listed twice")
            seen.add(entry.id)
        return self

    def role_arn(self, entry: AccountEntry) -> str:
        return entry.role_arn or f"acs:ram::{entry.id}:role/{self.defaults.role_name}"

    def external_id(self, entry: AccountEntry) -> str | None:
        return entry.external_id or self.defaults.external_id

    def sorted_accounts(self) -> list[AccountEntry]:
        return sorted(self.accounts, key=lambda e: e.id)

    def trusted_ids(self) -> tuple[str, ...]:
        """Every account of the organisation: members, management and auditing accounts."""
        ids = {e.id for e in self.accounts}
        ids |= {i for i in (self.management_account_id, self.caller_account_id) if i}
        return tuple(sorted(ids))


def parse_accounts(data: Any, source: str) -> AccountsFile:
    if not isinstance(data, dict):
        raise UsageError(f"{source}: an accounts file is a mapping with 'accounts'")
    try:
        return AccountsFile.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where: list[str] = []
        node: Any = data
        for part in error["loc"]:
            if isinstance(part, int) and isinstance(node, list) and part < len(node):
                node = node[part]
                label = node.get("id") if isinstance(node, dict) else None
                where.append(f"[{label}]" if label else f"[{part}]")
            else:
                node = node.get(part) if isinstance(node, dict) else None
                where.append(f".{part}" if where else str(part))
        at = "".join(where)
        raise UsageError(f"{source}: {at}: {plain_problem(error)}") from None


def load_accounts(path: Path) -> AccountsFile:
    """Read and validate an accounts file (YAML, or JSON for ``.json``)."""
    try:
        data = load_data_file(path)
    except DataFileError as exc:
        raise UsageError(f"--accounts {path}: {exc}") from None
    return parse_accounts(data, f"--accounts {path}")


def dump_accounts(accounts: AccountsFile, path: Path | None = None) -> str:
    """The file's text (JSON for ``.json``, else YAML); written atomically when ``path``."""
    data = accounts.model_copy(update={"accounts": accounts.sorted_accounts()}).model_dump(
        mode="json", exclude_none=True)
    for entry in data["accounts"]:
        if not entry.get("tags"):
            entry.pop("tags", None)
    if path is not None and path.suffix.lower() == ".json":
        text = json.dumps(data, indent=2) + "\n"
    else:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if path is not None:
        write_atomic(path, text.encode("utf-8"))
    return text
