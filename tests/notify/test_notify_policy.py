"""--notify-on: which findings are listed and whether anything is sent; a failed delivery
ends up in notification_errors and a warning, not in an exception."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest
from fake_webhooks import FakePlatform, serving, text_ok

from auditor.engine import summarise
from auditor.findings import Resource, Severity, Status
from auditor.jobs import notify
from auditor.notify import SendSettings, parse_target
from auditor.notify.policy import notices, should_send
from auditor.report import (
    Account,
    AuditReport,
    BaselineInfo,
    Caller,
    Result,
    Tool,
    result_uid,
)

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=timezone.utc)


def _r(name: str, severity: Severity, *, lifecycle: str | None = None,
       change: str | None = None, waived: bool = False,
       status: Status = Status.FAIL) -> Result:
    resource = Resource(type="user", id=name, name=name)
    return Result(uid=result_uid("c", "1", resource), check_id="c", title="t",
                  severity=severity, status=status, resource=resource, message="m",
                  doc_url="https://d.example", waived=waived,
                  lifecycle=lifecycle, change=change)  # type: ignore[arg-type]


def _report(results: list[Result], *, baseline: bool = False) -> AuditReport:
    return AuditReport(
        tool=Tool(version="0"),
        account=Account(id="1", caller=Caller(arn="a", identity_type="RAMUser")),
        collected_at=NOW, results=results, summary=summarise(results),
        baseline=BaselineInfo(previous_collected_at=NOW) if baseline else None,
    )


def test_new_lists_only_new_and_reopened_failures_at_or_above_fail_on() -> None:
    report = _report([
        _r("a", Severity.HIGH, lifecycle="new"),
        _r("b", Severity.CRITICAL, lifecycle="reopened"),
        _r("c", Severity.HIGH, lifecycle="unchanged"),
        _r("d", Severity.MEDIUM, lifecycle="new"),  # below --fail-on high
        _r("e", Severity.HIGH, lifecycle="new", waived=True),
    ], baseline=True)
    listed = notices(report, "high", "new")
    assert [(n.result.resource.name, n.label) for n in listed] == [("a", "new"),
                                                                  ("b", "reopened")]
    assert [n.result.resource.name for n in notices(report, "medium", "new")] == ["a", "b", "d"]
    assert [n.result.resource.name for n in notices(report, "never", "new")] == ["a", "b", "d"]
    assert [n.label for n in notices(report, "high", "fail")] == ["new", "reopened", "open"]


def test_new_uses_the_baseline_change_without_history() -> None:
    report = _report([_r("a", Severity.HIGH, change="new"),
                      _r("b", Severity.HIGH, change="unchanged")], baseline=True)
    assert [n.result.resource.name for n in notices(report, "high", "new")] == ["a"]


def test_with_nothing_to_compare_every_failure_is_new() -> None:
    report = _report([_r("a", Severity.HIGH), _r("b", Severity.HIGH, status=Status.PASS)])
    assert [n.result.resource.name for n in notices(report, "high", "new")] == ["a"]


@pytest.mark.parametrize(
    ("mode", "listed", "code", "send"),
    [("new", 0, 1, False), ("new", 2, 0, True), ("fail", 2, 0, False), ("fail", 0, 1, True),
     ("always", 0, 0, True)],
)
def test_should_send(mode: str, listed: int, code: int, send: bool) -> None:
    report = _report([_r(f"u{i}", Severity.HIGH) for i in range(listed)])
    assert should_send(mode, notices(report, "high", "new"), code) is send  # type: ignore[arg-type]


def test_a_failed_notification_is_a_warning_and_an_entry(caplog: pytest.LogCaptureFixture) -> None:
    report = _report([_r("a", Severity.HIGH)])
    with serving(FakePlatform(text_ok)) as good:
        with serving(FakePlatform(text_ok)) as gone:
            dead = gone.url
        targets = [parse_target(f"slack:{good.url}"), parse_target(f"{dead}/TOKEN7")]
        with caplog.at_level(logging.WARNING, logger="ram_audit"):
            out = notify(report, targets, mode="new", fail_on="high", exit_code=1,
                         settings=SendSettings(timeout_s=1, attempts=2, backoff_s=0))
    assert len(good.received) == 1
    (error,) = out.notification_errors
    assert error.target == "webhook (127.0.0.1)" and error.attempts == 2
    assert error.error.startswith("connection failed")
    assert "TOKEN7" not in caplog.text and "TOKEN7" not in out.model_dump_json()
    assert "notification to webhook (127.0.0.1) failed" in caplog.text
    assert out.results == report.results


def test_nothing_new_sends_nothing() -> None:
    report = _report([_r("a", Severity.HIGH, lifecycle="unchanged")])
    with serving(FakePlatform(text_ok)) as fake:
        out = notify(report, [parse_target(fake.url)], mode="new", fail_on="high", exit_code=1)
    assert fake.received == [] and out is report
