"""Memoise what is derived from a snapshot: built once per snapshot object, dropped with it."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import TypeVar

from auditor.snapshot import AccountSnapshot

T = TypeVar("T")


def per_snapshot(build: Callable[[AccountSnapshot], T]) -> Callable[[AccountSnapshot], T]:
    """Wrap ``build`` so that each snapshot object is built for once, while it lives.

    Keyed by identity (snapshots are immutable in use, and not hashable): every check of
    one run shares the result, and a later snapshot at the same address is not confused
    with a dead one.
    """
    cache: dict[int, tuple[weakref.ref[AccountSnapshot], T]] = {}

    @functools.wraps(build)
    def cached(snapshot: AccountSnapshot) -> T:
        key = id(snapshot)
        hit = cache.get(key)
        if hit is not None and hit[0]() is snapshot:
            return hit[1]
        value = build(snapshot)
        cache[key] = (weakref.ref(snapshot, lambda _: cache.pop(key, None)), value)
        return value

    return cached
