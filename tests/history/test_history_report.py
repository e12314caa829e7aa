"""Recording a report fills its lifecycle markers and ``history``; the history rebuilds the
previous run as a baseline that compares exactly as the previous report.json would."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from history_support import KEYS, MFA, ROOT, report, result

from auditor.baseline import apply_baseline
from auditor.findings import Status
from auditor.history.apply import baseline_from_history, record_report
from auditor.history.store import open_history
from auditor.render.json_report import render_json
from auditor.render.schema import SCHEMA_PATH


def test_markers_age_and_history_summary(tmp_path: Path) -> None:
    alice, bob = result(MFA, Status.FAIL, "alice"), result(MFA, Status.FAIL, "bob")
    with open_history(tmp_path / "h.db") as history:
        record_report(history, report([alice, bob, result(ROOT, Status.PASS, "acme")]),
                      keep_days=400)
        record_report(history, report([alice, result(MFA, Status.PASS, "bob"),
                                       result(ROOT, Status.PASS, "acme")], day=10),
                      keep_days=400)
        third = record_report(
            history,
            report([alice, bob, result(KEYS, Status.UNKNOWN, "k1", resource_type="access_key")],
                   day=12),  # ROOT did not run: nothing of it was open, nothing to verify
            keep_days=400,
        )
    by_name = {r.resource.name: r for r in third.results}
    assert (by_name["alice"].lifecycle, by_name["alice"].age_days) == ("unchanged", 12)
    assert (by_name["bob"].lifecycle, by_name["bob"].age_days) == ("reopened", 0)
    assert by_name["bob"].first_seen is not None and by_name["bob"].first_seen.day == 1
    assert by_name["k1"].lifecycle is None  # UNKNOWN, and never failed: nothing to mark
    info = third.history
    assert info is not None
    assert (info.new, info.reopened, info.resolved, info.unverified) == (0, 1, [], [])
    assert [p.unwaived_failures_by_severity["high"] for p in info.trend] == [2, 1, 2]
    assert info.previous_collected_at is not None and info.previous_collected_at.day == 11
    data = json.loads(render_json(third))
    jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text())).validate(data)
    assert data["results"][0]["first_seen"] == "2026-01-01T06:00:00Z"


def test_resolved_and_unverified_findings_are_listed(tmp_path: Path) -> None:
    with open_history(tmp_path / "h.db") as history:
        record_report(history, report([result(MFA, Status.FAIL, "alice"),
                                       result(KEYS, Status.FAIL, "old-key",
                                              resource_type="access_key")]), keep_days=400)
        second = record_report(history, report([result(MFA, Status.UNKNOWN, "alice"),
                                                result(KEYS, Status.PASS, "new-key",
                                                       resource_type="access_key")], day=1),
                               keep_days=400)
    info = second.history
    assert info is not None
    assert [f.resource.name for f in info.resolved] == ["old-key"]  # the key was deleted
    assert [f.resource.name for f in info.unverified] == ["alice"]
    assert second.results[0].lifecycle == "unverified"


def test_baseline_from_history_compares_like_the_previous_report(tmp_path: Path) -> None:
    first = report([result(MFA, Status.FAIL, "alice"), result(MFA, Status.PASS, "bob"),
                    result(MFA, Status.FAIL, "carol"), result(KEYS, Status.FAIL, "k1")])
    now = [result(MFA, Status.FAIL, "alice"), result(MFA, Status.FAIL, "bob"),
           result(MFA, Status.PASS, "carol"), result(MFA, Status.FAIL, "dave")]
    with open_history(tmp_path / "h.db") as history:
        assert baseline_from_history(history, first.account.id) is None
        record_report(history, first, keep_days=400)
        from_history = baseline_from_history(history, first.account.id)
    assert from_history is not None
    assert from_history.collected_at == first.collected_at
    expected_results, expected_info = apply_baseline(now, first)
    got_results, got_info = apply_baseline(now, from_history)
    assert [(r.uid, r.change) for r in got_results] == [
        (r.uid, r.change) for r in expected_results
    ]
    assert [r.uid for r in got_info.resolved] == [r.uid for r in expected_info.resolved]
    assert [r.uid for r in got_info.unverified] == [r.uid for r in expected_info.unverified]
    assert [r.change for r in got_results] == ["unchanged", "new", "new", "new"]
    assert len(got_info.unverified) == 1  # k1: its check did not run now


def test_the_baseline_is_the_whole_last_run_even_when_nothing_changed(tmp_path: Path) -> None:
    results = [result(MFA, Status.FAIL, "alice"), result(MFA, Status.PASS, "bob"),
               result(KEYS, Status.PASS, "k1", resource_type="access_key")]
    with open_history(tmp_path / "h.db") as history:
        record_report(history, report([*results, result(MFA, Status.PASS, "gone")]),
                      keep_days=400)
        for day in (1, 2):
            record_report(history, report(results, day=day), keep_days=400)
        baseline = baseline_from_history(history, "1234567890123456")
    assert baseline is not None and baseline.collected_at.day == 3
    assert sorted(r.uid for r in baseline.results) == sorted(r.uid for r in results)
