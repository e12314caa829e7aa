"""Marker/MaxItems pagination as the RAM and IMS list APIs implement it."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from auditor.emulator.errors import ApiError, invalid

T = TypeVar("T")


def max_items(params: Mapping[str, str], default: int, maximum: int) -> int:
    """``MaxItems`` from the query; out of range → ``InvalidParameter.MaxItems`` (400)."""
    raw = params.get("MaxItems")
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid("MaxItems", f"{raw!r} is not an integer") from None
    if not 1 <= value <= maximum:
        raise invalid("MaxItems", f"{value} is not between 1 and {maximum}")
    return value


def encode_marker(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def decode_marker(marker: str, name: str = "Marker") -> int:
    """The offset an opaque marker stands for; a forged one → ``InvalidParameter.<name>``."""
    try:
        kind, _, number = base64.urlsafe_b64decode(marker.encode()).decode().partition(":")
        if kind != "offset":
            raise ValueError(marker)
        return int(number)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(f"InvalidParameter.{name}", 400, f"The {name} is invalid.") from None


def paginate(
    items: Sequence[T], params: Mapping[str, str], default: int, maximum: int
) -> tuple[list[T], dict[str, Any]]:
    """One page of ``items`` plus the ``IsTruncated``/``Marker`` keys of the response."""
    limit = max_items(params, default, maximum)
    marker = params.get("Marker")
    start = decode_marker(marker) if marker else 0
    page = list(items[start : start + limit])
    end = start + len(page)
    if end < len(items):
        return page, {"IsTruncated": True, "Marker": encode_marker(end)}
    return page, {"IsTruncated": False}
