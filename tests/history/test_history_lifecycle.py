"""Finding lifecycle across a sequence of runs recorded in a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from history_support import KEYS, MFA, report, result

from auditor.findings import Status
from auditor.history.store import History, open_history


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    with open_history(tmp_path / "history.db") as db:
        yield db


def _state(history: History, uid: str) -> tuple[str | None, bool]:
    (row,) = [r for r in history.findings() if r.uid == uid]
    return row.state, row.unverified


def test_new_unchanged_unverified_resolved_reopened(history: History) -> None:
    alice = result(MFA, Status.FAIL, "alice")
    steps = [
        # (results of the run, alice's marker, alice's state afterwards, unverified, event)
        ([alice, result(MFA, Status.PASS, "bob")], "new", "open", False, "new"),
        ([alice, result(MFA, Status.PASS, "bob")], "unchanged", "open", False, None),
        # the credential report could not be read: the check is UNKNOWN for everyone
        ([result(MFA, Status.UNKNOWN, "alice"), result(MFA, Status.UNKNOWN, "bob")],
         "unverified", "open", True, "unverified"),
        # the check did not run at all (only another check did): still open, unverified
        ([result(KEYS, Status.PASS, "alice", resource_type="access_key")],
         None, "open", True, None),
        ([result(MFA, Status.PASS, "alice"), result(MFA, Status.PASS, "bob")],
         None, "resolved", False, "resolved"),
        ([alice, result(MFA, Status.PASS, "bob")], "reopened", "open", False, "reopened"),
        # alice was deleted; the check ran and decided for everyone else: resolved
        ([result(MFA, Status.PASS, "bob")], None, "resolved", False, "resolved"),
    ]
    for day, (results, marker, state, unverified, event) in enumerate(steps):
        recorded = history.record(report(results, day=day), keep_days=400)
        got = recorded.outcome.markers.get(alice.uid)
        assert (got.marker if got else None) == marker, f"run {day}"
        assert _state(history, alice.uid) == (state, unverified), f"run {day}"
        events = dict(history.events(recorded.run_id))
        assert events.get(alice.uid) == event, f"run {day}"
    (row,) = [r for r in history.findings() if r.uid == alice.uid]
    assert row.first_seen_at == "2026-01-01T06:00:00Z"
    assert row.reopened_at == "2026-01-06T06:00:00Z" and row.reopened_count == 1
    assert row.opened_at == "2026-01-06T06:00:00Z"
    assert row.resolved_at == "2026-01-07T06:00:00Z"
    assert len(history.runs()) == 7


def test_unknown_never_resolves_even_for_a_long_time(history: History) -> None:
    alice = result(MFA, Status.FAIL, "alice")
    history.record(report([alice]), keep_days=400)
    for day in range(1, 20):
        recorded = history.record(
            report([result(MFA, Status.ERROR, "alice")], day=day), keep_days=400
        )
        mark = recorded.outcome.markers[alice.uid]
        assert (mark.marker, mark.opened_at) == ("unverified", "2026-01-01T06:00:00Z")
    assert _state(history, alice.uid) == ("open", True)


def test_an_undecided_result_elsewhere_in_the_check_keeps_missing_findings_open(
    history: History,
) -> None:
    """carol vanished while the check was UNKNOWN for someone: her finding is unverified."""
    carol = result(MFA, Status.FAIL, "carol")
    history.record(report([carol, result(MFA, Status.FAIL, "dave")]), keep_days=400)
    history.record(report([result(MFA, Status.UNKNOWN, "dave")], day=1), keep_days=400)
    assert _state(history, carol.uid) == ("open", True)


def test_waived_failures_keep_their_lifecycle(history: History) -> None:
    waived = result(MFA, Status.FAIL, "break-glass", waived=True)
    first = history.record(report([waived]), keep_days=400)
    assert first.outcome.markers[waived.uid].marker == "new"
    (row,) = history.findings(open_only=True)
    assert row.waived


def test_accounts_are_kept_apart(history: History) -> None:
    history.record(report([result(MFA, Status.FAIL, "alice")]), keep_days=400)
    other = report([result(MFA, Status.PASS, "zed", account="9999")], account="9999", day=1)
    history.record(other, keep_days=400)
    assert [r.state for r in history.findings(open_only=True)] == ["open"]
    assert [r.account_id for r in history.runs(limit=1)] == ["9999"]
    assert len(history.runs("1234567890123456")) == 1


def test_keep_prunes_old_runs_and_forgotten_findings(history: History) -> None:
    alice = result(MFA, Status.FAIL, "alice")
    history.record(report([alice, result(MFA, Status.PASS, "bob")]), keep_days=10)
    history.record(report([alice], day=5), keep_days=10)
    history.record(report([alice], day=20), keep_days=10)
    assert [r.collected_at for r in history.runs()] == ["2026-01-21T06:00:00Z"]
    uids = {r.uid for r in history.findings()}
    assert alice.uid in uids  # still open: kept whatever its age
    assert result(MFA, Status.PASS, "bob").uid not in uids  # last seen in a pruned run


def test_an_older_snapshot_is_recorded_without_rewinding_the_lifecycle(history: History) -> None:
    alice = result(MFA, Status.FAIL, "alice")
    history.record(report([alice], day=5), keep_days=400)
    late = history.record(report([result(MFA, Status.PASS, "alice")], day=1), keep_days=400)
    assert not late.lifecycle_applied
    assert _state(history, alice.uid) == ("open", False)
    assert [r.collected_at[:10] for r in history.runs()] == ["2026-01-02", "2026-01-06"]


def test_trend_holds_the_last_30_runs_oldest_first(history: History) -> None:
    for day in range(35):
        statuses = [Status.FAIL] * (day % 3) + [Status.PASS]
        results = [result(MFA, s, f"u{i}") for i, s in enumerate(statuses)]
        recorded = history.record(report(results, day=day), keep_days=400)
    assert len(recorded.trend) == 30
    assert recorded.trend[0].collected_at == "2026-01-06T06:00:00Z"
    assert [p.unwaived_failures_by_severity["high"] for p in recorded.trend[-3:]] == [2, 0, 1]


def test_reading_only_what_a_run_may_change_gives_the_reference_result(tmp_path: Path) -> None:
    """The store skips results that cannot change anything; over random runs its table
    matches applying every result to every row (the plain lifecycle function)."""
    import random
    from dataclasses import replace

    from auditor.history.lifecycle import advance

    rng = random.Random(7)
    reference: dict[str, object] = {}
    names = [f"u{i}" for i in range(25)]
    with open_history(tmp_path / "h.db") as history:
        for day in range(40):
            results = []
            for check in (MFA, KEYS):
                if rng.random() < 0.1:
                    continue  # the check did not run
                for name in names:
                    roll = rng.random()
                    if roll < 0.1:
                        continue  # the resource is gone today
                    status = (Status.FAIL if roll < 0.4 else Status.UNKNOWN if roll < 0.45
                              else Status.PASS)
                    results.append(result(check, status, name))
            recorded = history.record(report(results, day=day), keep_days=400)
            outcome = advance(reference, results, account_id="1234567890123456",  # type: ignore[arg-type]
                              run_id=recorded.run_id, at=recorded.trend[-1].collected_at)
            reference.update({row.uid: row for row in outcome.rows})
            got = {row.uid: replace(row, last_run_id=0) for row in history.findings()}
            want = {uid: replace(row, last_run_id=0) for uid, row in reference.items()}  # type: ignore[type-var]
            assert got == want, f"run {day}"
