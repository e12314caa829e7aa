"""--baseline: new / unchanged marks and resolved findings."""

from __future__ import annotations

from datetime import datetime, timezone

from auditor.baseline import apply_baseline
from auditor.findings import Resource, Severity, Status
from auditor.report import (
    Account,
    AuditReport,
    Caller,
    Result,
    Summary,
    Tool,
    result_uid,
)

BEFORE = datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc)


def result(name: str, status: Status, check_id: str = "user_console_mfa_bound") -> Result:
    resource = Resource(type="user", id=f"id-{name}", name=name)
    return Result(uid=result_uid(check_id, "1", resource), check_id=check_id, title="t",
                  severity=Severity.HIGH, status=status, resource=resource, message=name,
                  doc_url="https://example.invalid/doc")


def previous(results: list[Result]) -> AuditReport:
    return AuditReport(
        tool=Tool(version="0.1.0"),
        account=Account(id="1", caller=Caller(arn="acs:ram::1:user/a", identity_type="RAMUser")),
        collected_at=BEFORE,
        results=results,
        summary=Summary(by_status={}, by_severity={}),
    )


def test_new_unchanged_and_resolved() -> None:
    baseline = previous([
        result("still_failing", Status.FAIL),
        result("fixed", Status.FAIL),
        result("deleted", Status.FAIL),
        result("regressed", Status.PASS),
        result("still_passing", Status.PASS),
    ])
    now = [
        result("still_failing", Status.FAIL),
        result("fixed", Status.PASS),
        result("regressed", Status.FAIL),
        result("still_passing", Status.PASS),
        result("brand_new", Status.FAIL),
    ]
    marked, info = apply_baseline(now, baseline)
    assert {r.resource.name: r.change for r in marked} == {
        "still_failing": "unchanged",
        "fixed": "new",  # a new status; the finding itself is listed as resolved
        "regressed": "new",
        "still_passing": "unchanged",
        "brand_new": "new",
    }
    assert [r.resource.name for r in info.resolved] == ["fixed", "deleted"]
    assert all(r.status is Status.FAIL for r in info.resolved)  # as in the baseline
    assert info.previous_collected_at == BEFORE


def test_waived_state_does_not_change_the_comparison() -> None:
    baseline = previous([result("alice", Status.FAIL)])
    now = [result("alice", Status.FAIL).model_copy(update={"waived": True})]
    marked, info = apply_baseline(now, baseline)
    assert marked[0].change == "unchanged" and info.resolved == []


def test_same_resource_other_check_is_a_different_finding() -> None:
    baseline = previous([result("alice", Status.FAIL, "access_key_rotated")])
    marked, info = apply_baseline([result("alice", Status.FAIL)], baseline)
    assert marked[0].change == "new"
    # access_key_rotated did not run this time: its old finding is unverified, not resolved.
    assert info.resolved == []
    assert [r.check_id for r in info.unverified] == ["access_key_rotated"]


def test_a_fail_that_became_undecidable_is_unverified_not_resolved() -> None:
    baseline = previous([
        result("alice", Status.FAIL),
        result("bob", Status.FAIL, "access_key_rotated"),
        result("acme", Status.FAIL, "root_mfa_enabled"),
    ])
    now = [
        # The check could not decide this time (a permission was missing): not a fix.
        result("acme", Status.UNKNOWN),
        # The check ran and decided; bob's key is gone: resolved.
        result("carol", Status.PASS, "access_key_rotated"),
        # root_mfa_enabled did not run at all this time: not a fix either.
    ]
    _, info = apply_baseline(now, baseline)
    assert [r.resource.name for r in info.resolved] == ["bob"]
    assert sorted(r.check_id for r in info.unverified) == [
        "root_mfa_enabled",
        "user_console_mfa_bound",
    ]
