"""Parsing of the IMS credential report (Base64 CSV pages) into typed rows."""

from __future__ import annotations

import base64
import binascii
import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from auditor.collector.convert import to_bool, to_datetime

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

    active: bool
    last_rotated: datetime | None
    last_used: datetime | None


@dataclass(frozen=True)
class ReportRow:
    user: str  # "<root>" or the user principal name
    created_at: datetime | None
    last_logon: datetime | None
    password_exist: bool
    password_active: bool
    mfa_active: bool
    keys: tuple[ReportKey, ...]

    @property
    def user_name(self) -> str:
        """The RAM user name (the part before ``@``)."""
        return self.user.partition("@")[0]


def decode_pages(contents: Iterable[str]) -> str:
    """Join Base64 CSV pages; a repeated header line on later pages is dropped."""
    header: str | None = None
    lines: list[str] = []
    for content in contents:
        try:
            text = base64.b64decode(content or "", validate=False).decode("utf-8-sig")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise CredentialReportError(f"credential report is not Base64 CSV: {exc}") from None
        page = [line for line in text.splitlines() if line.strip()]
        if page and page[0].lower().startswith("user,"):
            if header is None:
                header = page[0]
                lines.append(header)
            page = page[1:]
        lines.extend(page)
    return "\n".join(lines)


def parse_report(csv_text: str) -> list[ReportRow]:
    """Rows by header name; unknown columns ignored, missing ones read as absent."""
    reader = csv.DictReader(io.StringIO(csv_text))
    if not reader.fieldnames or "user" not in [f.strip() for f in reader.fieldnames]:
        raise CredentialReportError("credential report has no 'user' column")
    rows = []
    for raw in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        rows.append(
            ReportRow(
                user=row["user"],
                created_at=to_datetime(row.get("user_creation_time")),
                last_logon=to_datetime(row.get("user_last_logon")),
                password_exist=bool(to_bool(row.get("password_exist"))),
                password_active=bool(to_bool(row.get("password_active"))),
                mfa_active=bool(to_bool(row.get("mfa_active"))),
                keys=tuple(_keys(row)),
            )
        )
    return rows


def _keys(row: dict[str, str]) -> Iterable[ReportKey]:
    for prefix in _KEY_PREFIXES:
        if to_bool(row.get(f"{prefix}_exist")):
            yield ReportKey(
                active=bool(to_bool(row.get(f"{prefix}_active"))),
                last_rotated=to_datetime(row.get(f"{prefix}_last_rotated")),
                last_used=to_datetime(row.get(f"{prefix}_last_used")),
            )
