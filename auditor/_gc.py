"""Pausing the cyclic garbage collector around bulk allocation."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cyclic_gc(*, keep_frozen: bool = False) -> Iterator[None]:
    """No cyclic garbage collection inside the block, then as the caller had it.

    For code that allocates objects by the hundred thousand and keeps them (loading a
    snapshot, evaluating, rendering: 70,000 results at 10,000 users): each collection would
    scan everything allocated so far again, for nothing (it doubled the time of a large
    evaluation). They form no cycles; reference counting still frees what is dropped.

    When the collector resumes, they skip the young generations (each young collection
    would scan them once more): they join the oldest one, still collectable, or, when the
    process already froze objects out of collections (the ``ram-audit`` command freezes its
    loaded modules: ``cli._loading``), they are frozen with them. ``keep_frozen``: they are
    frozen out of every later collection (objects that live to the end of the process).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep_frozen:
            gc.freeze()
        elif was_enabled:
            frozen = gc.get_freeze_count()
            gc.freeze()
            if not frozen:
                gc.unfreeze()  # into the oldest generation
        if was_enabled:
            gc.enable()
