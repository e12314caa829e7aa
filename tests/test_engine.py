"""Engine guarantees: UNKNOWN, ERROR, NOT_APPLICABLE, parameters, uids, summaries."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.check import Check, CheckMeta, CheckParams, account, of_user
from auditor.compliance import Control, Framework
from auditor.engine import Evaluation, evaluate
from auditor.findings import Finding, Resource, Severity, Status
from auditor.registry import LoadedCheck
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot
from auditor.testing import make_snapshot, make_user, missing


def _meta(check_id: str, *sections: Section) -> CheckMeta:
    return CheckMeta(
        id=check_id,
        title=f"Engine test check {check_id}",
        severity=Severity.HIGH,
        rationale="Exercises the engine's guarantees in tests.",
        remediation="Nothing to remediate; this check exists for engine tests.",
        doc_url="https://www.alibabacloud.com/help/en/ram/",
        compliance={"alibaba-ram-best-practices": ("S1",)},
        requires=frozenset(sections or {Section.USERS}),
    )


class ConsoleUsers(Check):
    meta = _meta("console_users")

    class Params(CheckParams):
        allowed: tuple[str, ...] = ()

    def evaluate(self, snapshot: AccountSnapshot, params: Params) -> Iterator[Finding]:
        for user in snapshot.users:
            if user.console_access and user.name not in params.allowed:
                yield self.failed(of_user(user), f"{user.name} has console access")
            else:
                yield self.passed(of_user(user), f"{user.name} is fine")


class Raises(Check):
    meta = _meta("raises")

    def evaluate(self, snapshot: AccountSnapshot, params: CheckParams) -> Iterator[Finding]:
        yield self.passed(account(snapshot), "first")
        raise RuntimeError("boom")


class Silent(Check):
    meta = _meta("silent", Section.ROOT)

    def evaluate(self, snapshot: AccountSnapshot, params: CheckParams) -> Iterator[Finding]:
        return iter(())


def _loaded(*checks: type[Check]) -> list[LoadedCheck]:
    return [LoadedCheck(c, "test", "tests") for c in checks]


def _run(snapshot: AccountSnapshot, **kw: object) -> dict[str, list[Finding]]:
    report = evaluate(snapshot, Evaluation(checks=_loaded(ConsoleUsers, Raises, Silent), **kw))
    out: dict[str, list] = {}
    for result in report.results:
        out.setdefault(result.check_id, []).append(result)
    return out


def test_results_per_resource_with_params_from_config() -> None:
    snap = make_snapshot(users=[make_user("alice", console=True), make_user("bob")])
    by_check = _run(snap)
    assert {r.resource.name: r.status for r in by_check["console_users"]} == {
        "alice": Status.FAIL,
        "bob": Status.PASS,
    }
    by_check = _run(snap, params={"console_users": {"allowed": ["alice"]}})
    assert {r.status for r in by_check["console_users"]} == {Status.PASS}


def test_a_raising_check_is_one_error_result_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="ram_audit.engine"):
        results = _run(make_snapshot())["raises"]
    assert [r.status for r in results] == [Status.ERROR]
    assert "RuntimeError: boom" in results[0].message
    assert "Traceback" in caplog.text


def test_nothing_to_evaluate_is_not_applicable() -> None:
    results = _run(make_snapshot())["silent"]
    assert [r.status for r in results] == [Status.NOT_APPLICABLE]


class _Special(Finding):
    """A Finding subclass: still a Finding of its check."""


class Yields(Check):
    meta = _meta("yields")
    extra: object = None

    def evaluate(self, snapshot: AccountSnapshot, params: CheckParams) -> Iterator[Finding]:
        yield self.passed(account(snapshot), "first")
        yield self.extra  # type: ignore[misc]


@pytest.mark.parametrize("extra, wrong", [
    ("not a finding", True),
    (Finding(check_id="other", status=Status.PASS, resource=Resource(type="a", id="1"),
             message="another check's"), True),
    (_Special(check_id="yields", status=Status.FAIL, resource=Resource(type="a", id="1"),
              message="a subclass"), False),
])
def test_only_findings_of_the_check_are_results(
    extra: object, wrong: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Yields, "extra", extra)
    results = evaluate(make_snapshot(), Evaluation(checks=_loaded(Yields))).results
    if wrong:
        assert [r.status for r in results] == [Status.ERROR]
        assert "not a Finding of yields" in results[0].message
    else:
        assert [r.message for r in results] == ["first", "a subclass"]


def test_incomplete_section_is_unknown_naming_action_and_permission() -> None:
    snap = make_snapshot(
        users=[make_user("alice", console=True)],
        issues=[missing(Section.USERS, "ims:ListUsers")],
    )
    report = evaluate(snap, Evaluation(checks=_loaded(ConsoleUsers)))
    [result] = report.results
    assert result.status is Status.UNKNOWN
    assert "ims:ListUsers" in result.message and "ram:ListUsers" in result.message
    assert report.collection_issues[0].affects == ["console_users"]


def test_section_not_collected_at_all_is_unknown() -> None:
    snap = make_snapshot(sections=[Section.IDENTITY], users=[make_user("alice")])
    [result] = evaluate(snap, Evaluation(checks=_loaded(ConsoleUsers))).results
    assert result.status is Status.UNKNOWN and "not collected" in result.message


def test_uid_is_stable_and_distinct_per_resource() -> None:
    snap = make_snapshot(users=[make_user("alice"), make_user("bob")])
    first = evaluate(snap, Evaluation(checks=_loaded(ConsoleUsers))).results
    again = evaluate(snap, Evaluation(checks=_loaded(ConsoleUsers))).results
    assert [r.uid for r in first] == [r.uid for r in again]
    assert len({r.uid for r in first}) == 2


def test_severity_override_and_summary() -> None:
    snap = make_snapshot(users=[make_user("alice", console=True)])
    report = evaluate(
        snap,
        Evaluation(checks=_loaded(ConsoleUsers), severity={"console_users": Severity.LOW}),
    )
    assert report.results[0].severity is Severity.LOW
    assert report.summary.by_status["FAIL"] == 1
    assert report.summary.by_severity == {"critical": 0, "high": 0, "medium": 0, "low": 1,
                                          "info": 0}
    assert report.checks[0].severity is Severity.LOW


class Strict(Check):
    meta = _meta("strict").model_copy(
        update={"compliance": {"fw-strict": ("C1",), "fw-lax": ("C1",)}}
    )

    class Params(CheckParams):
        strict: bool = False

    def evaluate(self, snapshot: AccountSnapshot, params: Params) -> Iterator[Finding]:
        status = "failed" if params.strict else "passed"
        yield getattr(self, status)(account(snapshot), f"strict={params.strict}")


def _frameworks() -> dict[str, Framework]:
    control = Control(id="C1", title="Be strict")
    return {
        "fw-strict": Framework(name="fw-strict", title="Strict", version="1",
                               params={"strict": {"strict": True}}, controls=(control,)),
        "fw-lax": Framework(name="fw-lax", title="Lax", version="1", controls=(control,)),
    }


def test_control_rollup_uses_the_frameworks_own_parameters() -> None:
    report = evaluate(make_snapshot(), Evaluation(checks=_loaded(Strict), frameworks=_frameworks()))
    assert [r.status for r in report.results] == [Status.PASS]  # the run's own parameters
    rollup = {fw.name: fw.controls[0].status for fw in report.frameworks}
    assert rollup == {"fw-strict": Status.FAIL, "fw-lax": Status.PASS}


def test_running_as_a_framework_applies_its_parameters_and_shows_only_it() -> None:
    report = evaluate(
        make_snapshot(),
        Evaluation(checks=_loaded(Strict), frameworks=_frameworks(), framework="fw-strict"),
    )
    assert [r.status for r in report.results] == [Status.FAIL]
    assert [fw.name for fw in report.frameworks] == ["fw-strict"]
    assert report.checks[0].params == {"strict": True}


def test_api_calls_by_action_as_the_interface_shows_and_by_service() -> None:
    snap = make_snapshot(issues=[missing(Section.USERS, "ims:GetCredentialReport")])
    calls = {"ims:ListUsers": 2, "ram:ListUsers": 1, "sts:GetCallerIdentity": 1}
    snap = snap.model_copy(update={"meta": snap.meta.model_copy(update={"api_calls": calls})})
    report = evaluate(snap, Evaluation(checks=_loaded(ConsoleUsers)))
    assert report.api_calls == {"GetCallerIdentity": 1, "ListUsers": 3}
    assert report.api_calls_by_service == {
        "ims": {"ListUsers": 2}, "ram": {"ListUsers": 1}, "sts": {"GetCallerIdentity": 1}
    }
    [issue] = report.collection_issues
    assert (issue.service, issue.action) == ("ims", "GetCredentialReport")


def test_a_control_judged_with_other_parameters_shows_that_evaluation() -> None:
    """Issue 13 item 7: the row must not contradict the results shown without saying why."""
    report = evaluate(make_snapshot(), Evaluation(checks=_loaded(Strict), frameworks=_frameworks()))
    by_name = {fw.name: fw.controls[0] for fw in report.frameworks}
    (again,) = by_name["fw-strict"].framework_evaluations
    assert (again.check_id, again.params, again.status) == ("strict", {"strict": True}, Status.FAIL)
    assert again.findings == ["FAIL account acme: strict=True"]
    assert by_name["fw-lax"].framework_evaluations == []  # same parameters as the run


def test_the_html_compliance_table_shows_the_framework_evaluation(tmp_path: Path) -> None:
    from auditor.render import render_report

    report = evaluate(make_snapshot(), Evaluation(checks=_loaded(Strict), frameworks=_frameworks()))
    (path,) = render_report(report, ["html"], tmp_path)
    html = path.read_text(encoding="utf-8")
    assert "Judged with this framework" in html and "strict = True" in html
