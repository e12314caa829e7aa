"""Parsing of the IMS credential report (Base64 CSV pages) into typed rows.

The report is read by header name. A fact whose column is missing, or whose cell holds a
value that is neither a documented value nor a timestamp, is *unknown* (``None``), never
"false" or "never": the collector then reads that user per user instead.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from auditor.collector.convert import is_never, to_bool, to_datetime

ROOT_USER = "<root>"
_KEY_PREFIXES = (
    "access_key_1",
    "access_key_2",
    *(f"additional_access_key_{n}" for n in range(1, 10)),
)


class CredentialReportError(ValueError):
    """The report content could not be decoded."""


@dataclass(frozen=True)
class ReportKey:
    """One AccessKey column group of a row (the report has no key ids)."""

    active: bool | None
    last_rotated: datetime | None
    last_used: datetime | None  # None = never used, when ``last_used_known``
    last_used_known: bool = True


@dataclass(frozen=True)
class ReportRow:
    """One row; ``None`` marks a fact the report does not state readably."""

    user: str  # "<root>" or the user principal name
    created_at: datetime | None
    last_logon: datetime | None  # None = never logged on, when ``last_logon_known``
    last_logon_known: bool
    password_exist: bool | None
    password_active: bool | None
    mfa_active: bool | None
    keys: tuple[ReportKey, ...] | None  # None = key columns missing or unreadable

    @property
    def user_name(self) -> str:
        """The RAM user name (the part before ``@``)."""
        return self.user.partition("@")[0]

    @property
    def console(self) -> bool | None:
        """Console access: a password that is active (``password_active`` is N/A without one)."""
        if self.password_exist is False:
            return False
        return self.password_active if self.password_exist else None

    @property
    def complete(self) -> bool:
        """Every fact the collector takes from a user row is known."""
        return (
            self.last_logon_known
            and self.console is not None
            and self.mfa_active is not None
            and self.keys is not None
        )


def _is_header(line: str) -> bool:
    first = next(csv.reader([line]), [""])
    return bool(first) and first[0].strip().lower() == "user"


def decode_pages(contents: Iterable[str]) -> str:
    """Join Base64 CSV pages; a repeated header line on later pages is dropped."""
    header: str | None = None
    lines: list[str] = []
    for content in contents:
        try:
            text = base64.b64decode(content or "", validate=False).decode("utf-8-sig")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise CredentialReportError(f"credential report is not Base64 CSV: {exc}") from None
        page = [line.lstrip("\ufeff") for line in text.splitlines() if line.strip()]
        if page and _is_header(page[0]):
            if header is None:
                header = page[0]
                lines.append(header)
            page = page[1:]
        lines.extend(page)
    return "\n".join(lines)


def parse_report(csv_text: str) -> list[ReportRow]:
    """Rows by (case-insensitive) header name; extra columns and cells are ignored."""
    reader = csv.reader(io.StringIO(csv_text))
    header = [name.strip().lower() for name in next(reader, [])]
    if "user" not in header:
        raise CredentialReportError("credential report has no 'user' column")
    rows = []
    for cells in reader:
        row = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
        if not row.get("user"):
            continue
        last_logon = row.get("user_last_logon")
        logon_at = to_datetime(last_logon)
        rows.append(
            ReportRow(
                user=row["user"],
                created_at=to_datetime(row.get("user_creation_time")),
                last_logon=logon_at,
                last_logon_known=logon_at is not None or is_never(last_logon),
                password_exist=to_bool(row.get("password_exist")),
                password_active=to_bool(row.get("password_active")),
                mfa_active=to_bool(row.get("mfa_active")),
                keys=_keys(header, row),
            )
        )
    return rows


def _keys(header: list[str], row: dict[str, str]) -> tuple[ReportKey, ...] | None:
    if "access_key_1_exist" not in header:
        return None
    keys = []
    for prefix in _KEY_PREFIXES:
        column = f"{prefix}_exist"
        if column not in header:
            continue
        cell = row.get(column)
        exist = False if is_never(cell) else to_bool(cell)
        if exist is None:
            return None
        if exist:
            used_cell = row.get(f"{prefix}_last_used")
            used = to_datetime(used_cell)
            keys.append(
                ReportKey(
                    active=to_bool(row.get(f"{prefix}_active")),
                    last_rotated=to_datetime(row.get(f"{prefix}_last_rotated")),
                    last_used=used,
                    last_used_known=used is not None or is_never(used_cell),
                )
            )
    return tuple(keys)
