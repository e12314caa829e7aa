"""The history database (SQLite, standard library ``sqlite3``, WAL mode).

One recorded run is one ``BEGIN IMMEDIATE`` … ``COMMIT`` transaction: a crash, a kill or
Ctrl-C before the commit leaves the file exactly as it was (SQLite's journal). Writers take
the write lock up front and wait for each other (busy timeout), and a lock that is still
busy after that is retried, so two jobs writing the same file at once both succeed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from tenacity import retry, retry_if_exception, stop_after_attempt, wait_random_exponential

from auditor.errors import UsageError
from auditor.findings import Status
from auditor.history.lifecycle import (
    QUIET_COLUMNS,
    FindingRow,
    Outcome,
    advance,
    decided_checks,
    iso,
    quiet,
)
from auditor.history.schema import MIGRATIONS, SCHEMA_VERSION
from auditor.report import AuditReport

BUSY_TIMEOUT_S = 30.0
TREND_RUNS = 30
_T = TypeVar("_T")
_ROW_FIELDS = tuple(f.name for f in fields(FindingRow))


class HistoryError(UsageError):
    """A history file that cannot be opened, read or written (names the file)."""


@dataclass(frozen=True)
class RunRow:
    """One recorded run with its counts."""

    id: int
    account_id: str
    account_alias: str
    collected_at: str
    recorded_at: str
    tool_version: str
    complete: bool
    by_status: dict[str, int]
    unwaived_failures_by_severity: dict[str, int]


@dataclass(frozen=True)
class Recorded:
    """What recording a run did: its id, the lifecycle outcome and the account's trend."""

    run_id: int
    previous: RunRow | None
    outcome: Outcome
    trend: list[RunRow]
    lifecycle_applied: bool


def _is_busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in str(exc) or "busy" in str(exc)
    )


_retry_busy = retry(
    retry=retry_if_exception(_is_busy),
    stop=stop_after_attempt(8),
    wait=wait_random_exponential(multiplier=0.05, max=2.0),
    reraise=True,
)


def _commit(conn: sqlite3.Connection) -> None:
    """The single commit point of a write (a seam the crash test uses)."""
    conn.execute("COMMIT")


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        _commit(conn)
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


class History:
    """An open history database. Use :func:`open_history`."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

    # ---- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path) -> History:
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise HistoryError(f"--history {path}: cannot open: {exc}") from None
        history = cls(conn, path)
        try:
            history._setup()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise HistoryError(f"--history {path}: not a usable ram-audit history: {exc}") from None
        except BaseException:
            conn.close()
            raise
        return history

    @_retry_busy
    def _setup(self) -> None:
        conn = self._conn
        conn.execute("PRAGMA foreign_keys = ON")
        if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
            raise HistoryError(f"--history {self.path}: SQLite could not use WAL mode here")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        with _transaction(conn):
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # under the lock now
            if version > SCHEMA_VERSION:
                raise HistoryError(
                    f"--history {self.path}: written by a newer ram-audit (schema version "
                    f"{version}; this one knows up to {SCHEMA_VERSION})"
                )
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- writing -------------------------------------------------------------------------

    def record(
        self, report: AuditReport, *, keep_days: int, now: datetime | None = None
    ) -> Recorded:
        """Record ``report`` as one run in one transaction; prune runs older than
        ``keep_days`` before its collection time. Retried while another writer holds the
        lock."""
        try:
            return _retry_busy(self._record)(report, keep_days,
                                             now or datetime.now().astimezone())
        except sqlite3.Error as exc:  # e.g. a full disk, or still locked after the retries
            raise HistoryError(f"--history {self.path}: cannot record the run: {exc}") from None

    def _record(self, report: AuditReport, keep_days: int, now: datetime) -> Recorded:
        conn = self._conn
        account = report.account.id
        at = iso(report.collected_at)
        with _transaction(conn):
            previous = self._latest_run(account)
            complete = not any(
                r.status in (Status.UNKNOWN, Status.ERROR) for r in report.results
            ) and not any(i.kind == "missing" for i in report.collection_issues)
            summary = {
                "by_status": report.summary.by_status,
                "unwaived_failures_by_severity": report.summary.unwaived_failures_by_severity,
            }
            run_id = int(conn.execute(
                "INSERT INTO runs (account_id, account_alias, collected_at, recorded_at, "
                "tool_version, complete, summary) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (account, report.account.alias, at, iso(now), report.tool.version,
                 int(complete), json.dumps(summary, sort_keys=True)),
            ).lastrowid or 0)
            applied = previous is None or previous.collected_at <= at
            outcome = Outcome()
            if applied:
                outcome = self._advance(report, run_id, at)
                self._write(run_id, outcome)
            cutoff = iso(report.collected_at - timedelta(days=keep_days))
            self._prune(cutoff)
            trend = self.runs(account, limit=TREND_RUNS)
        return Recorded(run_id, previous, outcome, trend, applied)

    def _advance(self, report: AuditReport, run_id: int, at: str) -> Outcome:
        """The lifecycle step, reading in full only the findings this run may change."""
        account = report.account.id
        stored = {row[0]: row[1:] for row in self._conn.execute(
            f"SELECT {', '.join(QUIET_COLUMNS)} FROM findings WHERE account_id = ?", (account,))}
        reported = {r.uid for r in report.results}
        busy = [r for r in report.results if not quiet(r, stored.get(r.uid))]
        needed = {r.uid for r in busy if r.uid in stored} | {
            uid for uid, row in stored.items()
            if row[7] == "open" or (row[8] is None and uid not in reported)
        }
        known = {row.uid: row for row in self._rows(account, needed)}
        return advance(known, busy, account_id=account, run_id=run_id, at=at,
                       decided=decided_checks(report.results))

    def _rows(self, account_id: str, uids: set[str]) -> list[FindingRow]:
        ordered, out = sorted(uids), []
        for start in range(0, len(ordered), 500):
            chunk = ordered[start:start + 500]
            out += self._query(
                f"SELECT {', '.join(_ROW_FIELDS)} FROM findings WHERE account_id = ? AND uid IN "
                f"({', '.join('?' for _ in chunk)})", (account_id, *chunk), _finding_row)
        return out

    def _write(self, run_id: int, outcome: Outcome) -> None:
        placeholders = ", ".join("?" for _ in _ROW_FIELDS)
        self._conn.executemany(
            f"INSERT OR REPLACE INTO findings ({', '.join(_ROW_FIELDS)}) VALUES ({placeholders})",
            [tuple(vars(row).values()) for row in outcome.rows],
        )
        self._conn.executemany(
            "INSERT OR REPLACE INTO finding_events (run_id, uid, event) VALUES (?, ?, ?)",
            [(run_id, uid, event) for uid, event in outcome.events],
        )

    def _prune(self, cutoff: str) -> None:
        self._conn.execute("DELETE FROM runs WHERE collected_at < ?", (cutoff,))
        self._conn.execute(
            "DELETE FROM findings WHERE (state IS NULL OR state = 'resolved') "
            "AND absent_since IS NOT NULL AND absent_since NOT IN (SELECT id FROM runs)"
        )

    # ---- reading -------------------------------------------------------------------------

    def _query(self, sql: str, params: Sequence[Any], make: Callable[..., _T]) -> list[_T]:
        try:
            return [make(*row) for row in self._conn.execute(sql, params)]
        except sqlite3.DatabaseError as exc:
            raise HistoryError(f"--history {self.path}: cannot read: {exc}") from None

    def _latest_run(self, account_id: str) -> RunRow | None:
        runs = self.runs(account_id, limit=1)
        return runs[-1] if runs else None

    def runs(
        self, account_id: str | None = None, *, since: datetime | None = None,
        limit: int | None = None,
    ) -> list[RunRow]:
        """Runs oldest first; with ``limit``, the latest ``limit`` of them."""
        where, params = ["1"], []
        if account_id:
            where.append("account_id = ?")
            params.append(account_id)
        if since is not None:
            where.append("collected_at >= ?")
            params.append(iso(since))
        sql = (
            "SELECT id, account_id, account_alias, collected_at, recorded_at, tool_version, "
            f"complete, summary FROM runs WHERE {' AND '.join(where)} "
            "ORDER BY collected_at DESC, id DESC"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self._query(sql, params, _run_row)
        return rows[::-1]

    def findings(
        self, account_id: str | None = None, *, open_only: bool = False,
        check_id: str | None = None, present_only: bool = False,
        unverified_only: bool = False,
    ) -> list[FindingRow]:
        """Finding rows, filtered; ``present_only`` keeps those the latest run reported."""
        where, params = ["1"], []
        for column, value in (("account_id", account_id), ("check_id", check_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if open_only:
            where.append("state = 'open'")
        if present_only:
            where.append("absent_since IS NULL")
        if unverified_only:
            where.append("unverified = 1")
        sql = (f"SELECT {', '.join(_ROW_FIELDS)} FROM findings WHERE {' AND '.join(where)} "
               "ORDER BY account_id, check_id, resource_name, uid")
        return self._query(sql, params, _finding_row)

    def events(self, run_id: int) -> list[tuple[str, str]]:
        return self._query(
            "SELECT uid, event FROM finding_events WHERE run_id = ? ORDER BY uid",
            (run_id,), lambda uid, event: (uid, event),
        )


def _run_row(
    id: int, account_id: str, alias: str, collected_at: str, recorded_at: str, version: str,
    complete: int, summary: str,
) -> RunRow:
    counts = json.loads(summary)
    return RunRow(
        id=id, account_id=account_id, account_alias=alias, collected_at=collected_at,
        recorded_at=recorded_at, tool_version=version, complete=bool(complete),
        by_status=counts.get("by_status", {}),
        unwaived_failures_by_severity=counts.get("unwaived_failures_by_severity", {}),
    )


_WAIVED, _UNVERIFIED = _ROW_FIELDS.index("waived"), _ROW_FIELDS.index("unverified")


def _finding_row(*values: Any) -> FindingRow:
    row = list(values)
    row[_WAIVED], row[_UNVERIFIED] = bool(row[_WAIVED]), bool(row[_UNVERIFIED])
    return FindingRow(*row)


def open_history(path: Path) -> History:
    """Open (creating and migrating as needed) the history database at ``path``."""
    if path.is_dir():
        raise HistoryError(f"--history {path}: is a directory, not a file")
    if not path.parent.is_dir():
        raise HistoryError(f"--history {path}: directory {path.parent} does not exist")
    return History.open(path)
