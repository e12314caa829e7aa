"""The history file under stress: two writers at once, a killed writer, an old schema,
files that are not a history."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from history_support import ACCOUNT, MFA, report, result

from auditor.findings import Status
from auditor.history.schema import SCHEMA_VERSION
from auditor.history.store import HistoryError, open_history

FIXTURES = Path(__file__).parent / "fixtures"

# Records the reports of a JSON file into the history; ``hold`` seconds are spent inside
# each write transaction, just before its commit, so that concurrent writers overlap.
WRITER = """
import json, sys, time
from pathlib import Path
from auditor.history import store
from auditor.report import AuditReport

db, reports_file, hold, go = sys.argv[1:5]
reports = [AuditReport.model_validate(r) for r in json.loads(Path(reports_file).read_text())]
commit = store._commit

def held_commit(conn):
    time.sleep(float(hold))
    commit(conn)

store._commit = held_commit
while not Path(go).exists():
    time.sleep(0.005)
with store.open_history(Path(db)) as history:
    for item in reports:
        history.record(item, keep_days=400)
print("recorded", len(reports))
"""

# Starts recording one run, says so from inside the open write transaction, then waits to
# be killed.
STUCK_WRITER = """
import sys, time
from pathlib import Path
from auditor.history import store
from auditor.report import AuditReport

db, report_file = sys.argv[1:3]
def stuck_commit(conn):
    runs = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
    print("in-transaction", runs, flush=True)
    time.sleep(120)

store._commit = stuck_commit
with store.open_history(Path(db)) as history:
    history.record(AuditReport.model_validate_json(Path(report_file).read_text()), keep_days=0)
"""


def _dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return list(conn.iterdump())
    finally:
        conn.close()


def _write_reports(path: Path, account: str, days: range) -> Path:
    reports = [
        report([result(MFA, Status.FAIL if d % 2 else Status.PASS, f"user{d % 3}",
                       account=account)], day=d, account=account)
        for d in days
    ]
    path.write_text(json.dumps([r.model_dump(mode="json") for r in reports]))
    return path


def test_two_processes_writing_at_once_both_succeed(tmp_path: Path) -> None:
    db, go = tmp_path / "history.db", tmp_path / "go"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db),
             str(_write_reports(tmp_path / f"{account}.json", account, range(12))), "0.05",
             str(go)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for account in ("1111", "2222")
    ]
    go.touch()  # both start together, on a file that does not exist yet
    for writer in writers:
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
        assert out.strip() == "recorded 12"
    with open_history(db) as history:
        assert len(history.runs("1111")) == len(history.runs("2222")) == 12
        assert history.schema_version == SCHEMA_VERSION
    _dump(db)


def test_a_writer_killed_inside_its_transaction_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with open_history(db) as history:
        history.record(report([result(MFA, Status.FAIL, "alice")]), keep_days=400)
    before = _dump(db)
    second = tmp_path / "second.json"
    # keep_days=0 would also prune the first run: the kill must undo that too
    second.write_text(report([result(MFA, Status.PASS, "alice")], day=3).model_dump_json())
    child = subprocess.Popen([sys.executable, "-c", STUCK_WRITER, str(db), str(second)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.split() == ["in-transaction", "1"], line or child.stderr.read()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert _dump(db) == before
    with open_history(db) as history:  # and it is still writable afterwards
        recorded = history.record(report([result(MFA, Status.PASS, "alice")], day=3),
                                  keep_days=400)
        assert dict(history.events(recorded.run_id)) == {
            result(MFA, Status.FAIL, "alice").uid: "resolved"
        }


def test_ctrl_c_inside_the_transaction_rolls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.history import store

    db = tmp_path / "history.db"
    with open_history(db) as history:
        history.record(report([result(MFA, Status.FAIL, "alice")]), keep_days=400)
        before = _dump(db)

        def interrupted(conn: sqlite3.Connection) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(store, "_commit", interrupted)
        with pytest.raises(KeyboardInterrupt):
            history.record(report([result(MFA, Status.PASS, "alice")], day=1), keep_days=400)
    assert _dump(db) == before


def test_a_version_1_database_is_migrated_and_keeps_its_lifecycle(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    conn = sqlite3.connect(db)
    conn.executescript((FIXTURES / "history_v1.sql").read_text())
    conn.close()
    with open_history(db) as history:
        assert history.schema_version == SCHEMA_VERSION == 2
        runs = history.runs(ACCOUNT)
        assert [(r.id, r.by_status["FAIL"]) for r in runs] == [(1, 2), (2, 1)]
        assert runs[-1].unwaived_failures_by_severity == {"high": 1}
        alice, bob = result(MFA, Status.FAIL, "alice"), result(MFA, Status.FAIL, "bob")
        present = {r.resource_name for r in history.findings(ACCOUNT, present_only=True)}
        assert present == {"alice", "bob"}  # carol was not reported by the latest v1 run
        recorded = history.record(report([alice, bob]), keep_days=400)
        marks = {uid: (m.marker, m.first_seen, m.opened_at)
                 for uid, m in recorded.outcome.markers.items()}
        assert marks == {
            # open since the first v1 run
            alice.uid: ("unchanged", "2025-12-01T06:00:00Z", "2025-12-01T06:00:00Z"),
            # resolved in v1, failing again now
            bob.uid: ("reopened", "2025-12-01T06:00:00Z", "2026-01-01T06:00:00Z"),
        }
        (bob_row,) = [r for r in history.findings() if r.uid == bob.uid]
        assert bob_row.reopened_count == 1 and bob_row.first_seen_at == "2025-12-01T06:00:00Z"
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(HistoryError, match="newer ram-audit"):
        open_history(db)


def test_a_file_that_is_not_a_database_is_a_usage_error(tmp_path: Path) -> None:
    bogus = tmp_path / "report.json"
    bogus.write_text('{"schema_version": "1"}' * 100)
    with pytest.raises(HistoryError, match="not a usable ram-audit history"):
        open_history(bogus)
    with pytest.raises(HistoryError, match="does not exist"):
        open_history(tmp_path / "missing-dir" / "h.db")


def test_a_write_that_fails_is_a_history_error_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    with open_history(db) as history:
        history.record(report([result(MFA, Status.FAIL, "alice")]), keep_days=400)
    before = _dump(db)
    blocker = sqlite3.connect(db, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")  # another writer that never lets go
    try:
        with open_history(db) as history:
            history._conn.execute("PRAGMA busy_timeout = 10")
            with pytest.raises(HistoryError, match="cannot record the run: database is locked"):
                history.record(report([result(MFA, Status.PASS, "alice")], day=1),
                               keep_days=400)
    finally:
        blocker.rollback()
        blocker.close()
    assert _dump(db) == before
