"""One timestamp style in every report format: RFC 3339 in UTC with ``Z``.

It is the style of ``report.json`` (pydantic writes an aware UTC datetime that way), so a
timestamp copied from the CSV, JUnit or Markdown output matches the JSON one exactly.
"""

from __future__ import annotations

from datetime import datetime, timezone


def rfc3339(moment: datetime) -> str:
    """``2026-11-28T10:00:00Z`` (fractional seconds kept when present, as in report.json)."""
    if moment.tzinfo is None:
        raise ValueError("a report timestamp must be timezone-aware")
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def utc_text(moment: datetime) -> str:
    """``2026-11-28 10:00:00 UTC``: the same instant as :func:`rfc3339`, for reading."""
    if moment.tzinfo is None:
        raise ValueError("a report timestamp must be timezone-aware")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
