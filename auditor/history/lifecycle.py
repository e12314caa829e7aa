"""Finding lifecycle across runs: pure functions, no database.

Rules (shared/spec/jobs.md), matching ``--baseline`` (auditor.baseline):

- a FAIL never seen failing before is ``new``; one that was resolved is ``reopened``; one
  still open is ``unchanged``;
- an open finding is ``resolved`` when this run reports it PASS/NOT_APPLICABLE, or no longer
  reports it while its check ran and decided (no UNKNOWN/ERROR result);
- an open finding whose check could not decide (UNKNOWN/ERROR) or did not run stays open and
  is marked ``unverified``: missing data never fixes anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Literal

from auditor.findings import Status
from auditor.report import Result

Event = Literal["new", "reopened", "resolved", "unverified"]
Marker = Literal["new", "unchanged", "reopened", "unverified"]
_UNDECIDED = (Status.UNKNOWN, Status.ERROR)


@dataclass(frozen=True)
class FindingRow:
    """One row of the ``findings`` table: a result's latest facts and its lifecycle."""

    uid: str
    account_id: str
    check_id: str
    title: str
    severity: str
    resource_type: str
    resource_id: str
    resource_name: str
    message: str
    doc_url: str
    status: str
    last_run_id: int
    state: Literal["open", "resolved"] | None = None
    first_seen_at: str | None = None
    last_seen_at: str | None = None
    resolved_at: str | None = None
    waived: bool = False
    reopened_at: str | None = None
    reopened_count: int = 0
    unverified: bool = False
    absent_since: int | None = None
    """The first run that did not report it (None: the latest run did)."""

    @property
    def opened_at(self) -> str | None:
        """Start of the current open episode (the reopening, else the first sighting)."""
        return self.reopened_at or self.first_seen_at


@dataclass(frozen=True)
class Mark:
    """A result's lifecycle marker, with when its finding was first seen and (re)opened."""

    marker: Marker
    first_seen: str
    opened_at: str


@dataclass(frozen=True)
class Outcome:
    """What one run changes: rows to write, events to log, markers for its results."""

    rows: list[FindingRow] = field(default_factory=list)
    """Rows that changed (a finding reported again as before is not rewritten)."""
    events: list[tuple[str, Event]] = field(default_factory=list)
    markers: dict[str, Mark] = field(default_factory=dict)
    """uid -> marker for this run's FAIL results and undecided results of open findings."""


def _observed(row: FindingRow | None, result: Result, account_id: str, run_id: int) -> FindingRow:
    base = row or FindingRow(
        uid=result.uid, account_id=account_id, check_id=result.check_id, title="",
        severity="", resource_type="", resource_id="", resource_name="", message="",
        doc_url="", status="", last_run_id=run_id,
    )
    same = (
        base.status == str(result.status) and base.message == result.message
        and base.waived == result.waived and base.title == result.title
        and base.severity == str(result.severity)
        and base.resource_name == result.resource.name and base.doc_url == result.doc_url
    )
    if same:
        return base  # the common case: reported again as before
    return replace(
        base,
        check_id=result.check_id,
        title=result.title,
        severity=str(result.severity),
        resource_type=result.resource.type,
        resource_id=result.resource.id,
        resource_name=result.resource.name,
        message=result.message,
        doc_url=result.doc_url,
        status=str(result.status),
        waived=result.waived,
    )


def advance(
    known: Mapping[str, FindingRow],
    results: Sequence[Result],
    *,
    account_id: str,
    run_id: int,
    at: str,
    decided: set[str] | None = None,
) -> Outcome:
    """Apply one run's ``results`` (collected ``at``, ISO UTC) to the ``known`` rows.

    ``decided``: the checks that ran and decided for every resource, when ``results`` is
    only part of the run (see :func:`quiet`); by default, computed from ``results``.
    """
    out = Outcome()
    if decided is None:
        undecided = {r.check_id for r in results if r.status in _UNDECIDED}
        decided = {r.check_id for r in results} - undecided
    seen: set[str] = set()
    for result in results:
        seen.add(result.uid)
        old = known.get(result.uid)
        row = _observed(old, result, account_id, run_id)
        if row.absent_since is not None:
            row = replace(row, absent_since=None)
        if result.status is Status.FAIL:
            if old is None or old.state is None:
                row = replace(row, state="open", first_seen_at=at, unverified=False)
                out.events.append((row.uid, "new"))
                marker: Marker = "new"
            elif old.state == "resolved":
                row = replace(row, state="open", reopened_at=at, resolved_at=None,
                              reopened_count=old.reopened_count + 1, unverified=False)
                out.events.append((row.uid, "reopened"))
                marker = "reopened"
            else:
                row = replace(row, unverified=False) if row.unverified else row
                marker = "unchanged"
            if row.last_seen_at != at:
                row = replace(row, last_seen_at=at)
            out.markers[row.uid] = _mark(marker, row, at)
        elif old is not None and old.state == "open":
            if result.status in _UNDECIDED:
                row = _mark_unverified(row, out)
                out.markers[row.uid] = _mark("unverified", row, at)
            else:
                row = _resolve(row, at, out)
        if row is not old:
            out.rows.append(replace(row, last_run_id=run_id))
    for uid, old in known.items():
        if uid in seen:
            continue
        row = old if old.absent_since is not None else replace(old, absent_since=run_id)
        if row.state == "open":
            row = _resolve(row, at, out) if row.check_id in decided else (
                _mark_unverified(row, out))
        if row is not old:
            out.rows.append(replace(row, last_run_id=run_id))
    return out


#: The columns :func:`quiet` compares, in this order.
QUIET_COLUMNS = ("uid", "status", "message", "waived", "title", "severity", "resource_name",
                 "doc_url", "state", "absent_since")


def quiet(result: Result, stored: tuple[object, ...] | None) -> bool:
    """True when ``result`` changes nothing: reported as before (``stored``, the
    :data:`QUIET_COLUMNS` after ``uid``), not failing, its finding not open."""
    return (
        stored is not None and result.status is not Status.FAIL
        and stored[7] != "open" and stored[8] is None
        and stored[0] == result.status.value and stored[1] == result.message
        and bool(stored[2]) == result.waived and stored[3] == result.title
        and stored[4] == result.severity.value and stored[5] == result.resource.name
        and stored[6] == result.doc_url
    )


def decided_checks(results: Sequence[Result]) -> set[str]:
    """Checks with results and no UNKNOWN/ERROR among them."""
    undecided = {r.check_id for r in results if r.status in _UNDECIDED}
    return {r.check_id for r in results} - undecided


def _mark(marker: Marker, row: FindingRow, at: str) -> Mark:
    return Mark(marker, row.first_seen_at or at, row.opened_at or at)


def _resolve(row: FindingRow, at: str, out: Outcome) -> FindingRow:
    out.events.append((row.uid, "resolved"))
    return replace(row, state="resolved", resolved_at=at, unverified=False)


def _mark_unverified(row: FindingRow, out: Outcome) -> FindingRow:
    if row.unverified:
        return row
    out.events.append((row.uid, "unverified"))
    return replace(row, unverified=True)


def age_days(opened_at: str, now: datetime) -> int:
    """Whole days from ``opened_at`` (ISO UTC) to ``now``."""
    return max(0, (now - parse_time(opened_at)).days)


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso(moment: datetime) -> str:
    """UTC, second precision, ``Z``: sorts as text in time order."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
