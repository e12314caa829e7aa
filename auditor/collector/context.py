"""Shared state of one collection run: the API gate, issues, progress and fan-out."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from auditor.collector.api import ApiCaller
from auditor.collector.convert import to_bool
from auditor.collector.errors import ApiError
from auditor.sections import Section, permission_for
from auditor.snapshot import CollectionIssue

log = logging.getLogger("ram_audit.collector")

T = TypeVar("T")
R = TypeVar("R")


class RunContext:
    """What every section reader needs: calls, issues, progress and a bounded pool."""

    def __init__(
        self,
        api: ApiCaller,
        max_workers: int,
        on_progress: Callable[[str], None] | None,
    ) -> None:
        self.api = api
        self.max_workers = max(1, max_workers)
        self._on_progress = on_progress
        self.issues: list[CollectionIssue] = []

    def progress(self, line: str) -> None:
        log.info("%s", line)
        if self._on_progress is not None:
            self._on_progress(line)

    def call(self, action: str, request: Any = None) -> Any:
        return self.api.call(action, request)

    def record(self, section: Section, error: ApiError, kind: str = "missing") -> None:
        """Record ``error`` against ``section`` once per (section, action, code, kind)."""
        issue = CollectionIssue(
            section=section,
            action=error.action,
            code=error.code,
            message=error.message,
            permission=permission_for(error.action) if error.denied else "",
            kind=kind,  # type: ignore[arg-type]
        )
        if not any(
            (i.section, i.action, i.code, i.kind) == (section, issue.action, issue.code, kind)
            for i in self.issues
        ):
            log.warning("%s: %s %s: %s", section, error.action, error.code, error.message)
            self.issues.append(issue)

    def paginate(
        self,
        action: str,
        make_request: Callable[[str | None], Any],
        extract: Callable[[Any], list[Any]],
    ) -> list[Any]:
        """Follow ``Marker``/``IsTruncated`` until the last page."""
        found: list[Any] = []
        marker: str | None = None
        pages = 0
        while True:
            body = self.call(action, make_request(marker))
            pages += 1
            found.extend(extract(body))
            marker = getattr(body, "marker", None) if body is not None else None
            if not (body is not None and to_bool(getattr(body, "is_truncated", None)) and marker):
                break
        if pages > 1:
            self.progress(f"{action}: {len(found)} items in {pages} pages")
        return found

    def fan_out(self, label: str, func: Callable[[T], R], inputs: Iterable[T]) -> Iterator[R]:
        """``func`` over ``inputs`` on the bounded pool, results in input order."""
        items = list(inputs)
        if not items:
            return iter(())
        self.progress(f"{label}: {len(items)} calls")
        if len(items) == 1 or self.max_workers == 1:
            return iter([func(item) for item in items])
        with ThreadPoolExecutor(max_workers=min(self.max_workers, len(items))) as pool:
            return iter(list(pool.map(func, items)))
