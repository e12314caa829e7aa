"""Shared state of one collection run: the API gate, issues, progress and fan-out."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, TypeVar

from auditor.collector.api import ApiCaller
from auditor.collector.convert import to_bool
from auditor.collector.errors import ApiError
from auditor.collector.pools import ActionPools
from auditor.sections import Section, permission_for
from auditor.snapshot import CollectionIssue, ResourceRef

log = logging.getLogger("ram_audit.collector")

T = TypeVar("T")
R = TypeVar("R")

#: Response time the worker pools are sized for: at ``rate`` req/s, ``rate`` x this many
#: calls are in flight (Alibaba Cloud answers in 30-300 ms from most places).
LATENCY_BUDGET_S = 0.4
MIN_WORKERS = 4


def workers_for(rate: float, latency_s: float = LATENCY_BUDGET_S) -> int:
    """Calls in flight needed to sustain ``rate`` req/s when each call takes ``latency_s``."""
    return max(MIN_WORKERS, math.ceil(rate * latency_s))


class ProgressCounter:
    """Lines "label: done/total", each after another 10 % and ``min_interval_s`` at least.

    A fan-out that ends within ``min_interval_s`` prints nothing; one that printed a
    line also prints its last.
    """

    def __init__(
        self,
        emit: Callable[[str], None],
        label: str,
        total: int,
        *,
        min_interval_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._emit = emit
        self._label = label
        self._total = total
        self._interval = min_interval_s
        self._clock = clock
        self._done = 0
        self._step = 0  # last 10 % step reported
        self._last = clock()
        self._printed = False

    def advance(self, count: int = 1) -> None:
        self._done += count
        step = self._done * 10 // max(1, self._total)
        if step <= self._step:
            return
        now = self._clock()
        finished = self._done >= self._total
        if (finished and self._printed) or now - self._last >= self._interval:
            self._step = step
            self._last = now
            self._printed = True
            self._emit(f"{self._label}: {self._done:,}/{self._total:,}")


class RunContext:
    """What every section reader needs: calls, issues, progress and a bounded pool.

    Thread-safe: independent sections run side by side on one context.
    """

    def __init__(
        self,
        api: ApiCaller,
        max_workers: int,
        on_progress: Callable[[str], None] | None,
    ) -> None:
        self.api = api
        self.max_workers = max(1, max_workers)
        self._on_progress = on_progress
        self._lock = threading.Lock()
        self.issues: list[CollectionIssue] = []
        self._issue_index: dict[tuple[object, ...], int] = {}
        self._logged: dict[tuple[object, ...], int] = {}

    def progress(self, line: str) -> None:
        log.info("%s", line)
        if self._on_progress is not None:
            self._on_progress(line)

    def counter(self, label: str, total: int) -> ProgressCounter:
        return ProgressCounter(self.progress, label, total)

    def action_pools(self) -> ActionPools:
        """Per-API pools of ``max_workers`` each; see :class:`ActionPools`."""
        return ActionPools(self.max_workers)

    def call(self, action: str, request: Any = None) -> Any:
        return self.api.call(action, request)

    def record(
        self,
        section: Section,
        error: ApiError,
        kind: Literal["missing", "degraded"] = "missing",
        *,
        resource: ResourceRef | None = None,
        facts: tuple[str, ...] = (),
    ) -> None:
        """Record ``error`` against ``section``, or only against ``facts`` of one
        ``resource``: once per (section, action, code, kind, resource), facts merged."""
        issue = CollectionIssue(
            section=section,
            action=error.action,
            code=error.code,
            message=error.message,
            permission=permission_for(error.action) if error.denied else "",
            kind=kind,
            resource=resource,
            facts=facts,
        )
        key = (section, issue.action, issue.code, kind, resource)
        with self._lock:
            index = self._issue_index.get(key)
            if index is not None:
                known = self.issues[index]
                merged = tuple(sorted({*known.facts, *facts}))
                self.issues[index] = known.model_copy(update={"facts": merged})
                return
            self._issue_index[key] = len(self.issues)
            self.issues.append(issue)
            first = self._logged.setdefault(key[:4], 0) == 0
            self._logged[key[:4]] += 1
        where = f" ({resource}: {', '.join(facts)})" if resource is not None else ""
        # The same failure for many resources is logged once; the snapshot keeps each.
        log.log(
            logging.WARNING if first else logging.DEBUG,
            "%s%s: %s failed with %s: %s%s",
            section,
            where,
            error.action,
            error.code,
            error.message,
            " (further resources failing the same way are logged at debug level)"
            if first and resource is not None
            else "",
        )

    def paginate(
        self,
        action: str,
        make_request: Callable[[str | None], Any],
        extract: Callable[[Any], list[Any]],
    ) -> list[Any]:
        """Follow ``Marker``/``IsTruncated`` until the last page.

        Raises :class:`ApiError` (``IncompleteResponse``) when a truncated page has no new
        Marker, rather than returning a partial list as if it were complete.
        """
        found: list[Any] = []
        marker: str | None = None
        seen: set[str] = set()
        pages = 0
        while True:
            body = self.call(action, make_request(marker))
            pages += 1
            found.extend(extract(body))
            if not to_bool(getattr(body, "is_truncated", None)):
                break
            marker = getattr(body, "marker", None)
            if not marker or marker in seen:
                raise ApiError(
                    action,
                    "IncompleteResponse",
                    f"page {pages} is truncated but gives no new Marker; the list is partial",
                )
            seen.add(marker)
        if pages > 1:
            self.progress(f"{action}: {len(found)} items in {pages} pages")
        return found

    def fan_out(self, label: str, func: Callable[[T], R], inputs: Iterable[T]) -> Iterator[R]:
        """``func`` over ``inputs`` on the bounded pool, results in input order."""
        items = list(inputs)
        if not items:
            return iter(())
        self.progress(f"{label}: {len(items)} calls")
        counter = self.counter(label, len(items))
        if len(items) == 1 or self.max_workers == 1:
            results = []
            for item in items:
                results.append(func(item))
                counter.advance()
            return iter(results)
        pool = ThreadPoolExecutor(max_workers=min(self.max_workers, len(items)))
        try:
            results = []
            for result in pool.map(func, items):
                results.append(result)
                counter.advance()
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return iter(results)
