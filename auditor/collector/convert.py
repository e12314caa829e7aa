"""Tolerant conversion of SDK response values (which the SDK never type-checks)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

_NEVER = {"", "-", "n/a", "no_information", "none", "null"}


def to_datetime(value: Any) -> datetime | None:
    """ISO 8601 text (``2026-01-31T08:00:00Z``) -> aware UTC datetime; "never" -> None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip()
        if text.lower() in _NEVER:
            return None
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
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
