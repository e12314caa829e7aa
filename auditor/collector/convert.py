"""Tolerant conversion of SDK response values (which the SDK never type-checks)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

#: Explicit "never" / "not applicable" markers (credential report, some API fields).
_NEVER = {"-", "n/a", "no_information", "never"}
_BLANK = {"", "none", "null"}
_FRACTION = re.compile(r"\.(\d+)")


def is_never(value: Any) -> bool:
    """An explicit never/not-applicable marker (``-``, ``N/A``); blank or absent is not."""
    return value is not None and str(value).strip().lower() in _NEVER


def to_datetime(value: Any) -> datetime | None:
    """ISO 8601 text -> aware UTC datetime; "never", blank or unreadable -> None.

    Accepts ``Z``/``z`` or numeric offsets, a space for ``T`` and any number of fractional
    digits (``2026-01-31T08:00:00.5Z``), also on Python 3.10.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip()
        if text.lower() in _NEVER | _BLANK:
            return None
        text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
        if text[-1:] in ("Z", "z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def to_bool(value: Any) -> bool | None:
    """``True``/``"true"``/``"TRUE"`` -> True; absent or "N/A" -> None."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    return None


def to_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def items(wrapper: Any, attribute: str) -> list[Any]:
    """``body.users.user`` safely: a missing wrapper or list is an empty list."""
    if wrapper is None:
        return []
    return list(getattr(wrapper, attribute, None) or [])


def dig(obj: Any, *attributes: str) -> Any:
    """``obj.a.b.c`` where any level may be ``None``."""
    for attribute in attributes:
        if obj is None:
            return None
        obj = getattr(obj, attribute, None)
    return obj


def to_str(value: Any) -> str:
    return "" if value is None else str(value)
