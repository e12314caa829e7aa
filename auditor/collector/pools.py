"""Per-API bounded thread pools, so that calls to different APIs proceed in parallel."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

R = TypeVar("R")


class ActionPools:
    """One thread pool per API action, each with at most ``per_action`` calls in flight.

    Alibaba Cloud rate-limits each API separately, so a queue per action lets every API
    run at its own limit. At most ``per_action`` x (number of actions used) threads exist.
    Leaving the ``with`` block on an exception cancels the calls not yet started.
    """

    def __init__(self, per_action: int) -> None:
        self.per_action = max(1, per_action)
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, action: str, func: Callable[..., R], *args: Any) -> Future[R]:
        """Run ``func(*args)`` on the pool of ``action``."""
        with self._lock:
            if self._closed:
                raise RuntimeError("ActionPools is closed")
            pool = self._pools.get(action)
            if pool is None:
                name = f"ram-audit-{action.partition(':')[2] or action}"
                pool = ThreadPoolExecutor(max_workers=self.per_action, thread_name_prefix=name)
                self._pools[action] = pool
            return pool.submit(func, *args)

    def close(self, *, cancel: bool = False) -> None:
        """Wait for the started calls; with ``cancel``, drop the queued ones."""
        with self._lock:
            self._closed = True
            pools = list(self._pools.values())
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=cancel)

    def __enter__(self) -> ActionPools:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close(cancel=exc is not None)
