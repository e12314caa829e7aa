"""Exit codes and the scheduled-job behaviours of the pipeline (waivers, baseline)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from auditor.engine import summarise
from auditor.errors import UsageError
from auditor.findings import Resource, Severity, Status
from auditor.pipeline import Options, build_report, exit_code, prepare
from auditor.report import Account, AppliedWaiver, AuditReport, Caller, Result, Tool
from auditor.sections import Section
from auditor.testing import NOW, make_key, make_snapshot, make_user, missing

WAIVER = AppliedWaiver(check_id="x", resource="*", reason="accepted", owner="sec",
                       expires=date(2027, 1, 1))


def _result(status: Status, severity: Severity, *, waived: bool = False, name: str = "r") -> Result:
    return Result(
        uid=name, check_id="x", title="x", severity=severity, status=status,
        resource=Resource(type="user", id=name, name=name), message="m",
        waived=waived, waiver=WAIVER if waived else None, doc_url="https://example.invalid/",
    )


def _report(*results: Result) -> AuditReport:
    return AuditReport(
        tool=Tool(version="t"),
        account=Account(id="1", caller=Caller(arn="a", identity_type="RAMUser")),
        collected_at=NOW, results=list(results), summary=summarise(results),
    )


@pytest.mark.parametrize(
    ("results", "fail_on", "unknown_ok", "expected"),
    [
        ([_result(Status.PASS, Severity.HIGH)], "high", False, 0),
        ([_result(Status.FAIL, Severity.HIGH)], "high", False, 1),
        ([_result(Status.FAIL, Severity.MEDIUM)], "high", False, 0),
        ([_result(Status.FAIL, Severity.MEDIUM)], "medium", False, 1),
        ([_result(Status.FAIL, Severity.CRITICAL)], "never", False, 0),
        ([_result(Status.FAIL, Severity.CRITICAL, waived=True)], "low", False, 0),
        ([_result(Status.UNKNOWN, Severity.LOW)], "high", False, 4),
        ([_result(Status.ERROR, Severity.LOW)], "high", False, 4),
        ([_result(Status.UNKNOWN, Severity.LOW)], "high", True, 0),
        ([_result(Status.UNKNOWN, Severity.LOW), _result(Status.FAIL, Severity.HIGH)],
         "high", False, 1),
        ([_result(Status.NOT_APPLICABLE, Severity.HIGH)], "low", False, 0),
    ],
)
def test_exit_codes(results: list[Result], fail_on: str, unknown_ok: bool, expected: int) -> None:
    assert exit_code(_report(*results), fail_on, unknown_ok=unknown_ok) == expected  # type: ignore[arg-type]


def _snapshot_with_old_key():  # type: ignore[no-untyped-def]
    user = make_user("alice", keys=[make_key("LTAIold", created_days_ago=200)])
    return make_snapshot(users=[user])


def test_waived_finding_keeps_status_and_does_not_fail_the_job(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n"
        "  - check_id: access_key_rotated\n    resource: LTAIold\n    reason: migration\n"
        "    owner: platform@acme.example\n    expires: 2027-01-31\n"
        "  - check_id: access_key_rotated\n    resource: LTAIgone\n    reason: old\n"
        "    owner: platform@acme.example\n    expires: 2027-01-31\n"
        "  - check_id: user_in_group\n    resource: alice\n    reason: expired one\n"
        "    owner: platform@acme.example\n    expires: 2026-01-01\n"
    )
    plan = prepare(Options(checks=["access_key_rotated", "user_in_group"], waivers=waivers,
                           fail_on="low"))
    report = build_report(plan, _snapshot_with_old_key())
    rotated = next(r for r in report.results if r.check_id == "access_key_rotated")
    assert rotated.status is Status.FAIL and rotated.waived
    assert rotated.waiver is not None and rotated.waiver.owner == "platform@acme.example"
    problems = {(p.resource, p.problem) for p in report.waiver_problems}
    assert problems == {("LTAIgone", "stale"), ("alice", "expired")}
    in_group = next(r for r in report.results if r.check_id == "user_in_group")
    assert in_group.status is Status.FAIL and not in_group.waived  # expired: no longer applies
    assert exit_code(report, "low") == 1  # only because of the unwaived user_in_group
    assert report.summary.unwaived_failures_by_severity["medium"] == 0
    assert report.summary == summarise(report.results)  # counted again after the waivers


def test_malformed_waivers_file_is_a_usage_error_naming_line_and_field(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n  - check_id: access_key_rotated\n    resource: x\n    reason: r\n"
        "    owner: o\n    expires: someday\n"
    )
    with pytest.raises(UsageError) as info:
        prepare(Options(waivers=waivers))
    message = str(info.value)
    assert "waivers.yaml" in message and "expires" in message and "line 6" in message


def test_baseline_marks_new_unchanged_and_resolved(tmp_path: Path) -> None:
    plan = prepare(Options(checks=["user_in_group"]))
    before = build_report(plan, make_snapshot(users=[make_user("alice"), make_user("bob")]))
    baseline_path = tmp_path / "previous.json"
    baseline_path.write_text(before.model_dump_json())
    plan = prepare(Options(checks=["user_in_group"], baseline=baseline_path))
    after = build_report(plan, make_snapshot(users=[make_user("alice"), make_user("carol")]))
    changes = {r.resource.name: r.change for r in after.results}
    assert changes == {"alice": "unchanged", "carol": "new"}
    assert after.baseline is not None
    assert [r.resource.name for r in after.baseline.resolved] == ["bob"]
    assert after.summary == summarise(after.results)  # kept from the evaluation


def test_unknown_results_make_exit_4_and_name_the_issue() -> None:
    plan = prepare(Options(checks=["user_in_group"]))
    report = build_report(plan, make_snapshot(issues=[missing(Section.GROUPS, "ram:ListGroups")]))
    assert {r.status for r in report.results} == {Status.UNKNOWN}
    assert exit_code(report, plan.fail_on) == 4
    assert json.loads(report.model_dump_json())["collection_issues"][0]["affects"] == [
        "user_in_group"
    ]
