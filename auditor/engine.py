"""Evaluate selected checks on a snapshot and build the audit report.

Guarantees, whatever a check does: every selected check yields at least one result;
UNKNOWN when a section it needs is incomplete (naming the failed action and the permission
to grant); ERROR when it raises (message in the result, traceback in the log);
NOT_APPLICABLE when it yields nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor import __version__
from auditor.check import CheckMeta, CheckParams, account
from auditor.compliance import Framework
from auditor.findings import (
    Finding,
    Resource,
    Severity,
    Status,
    shared_keys,
    trusted_all,
)
from auditor.policy.report_section import escalation_section
from auditor.registry import LoadedCheck
from auditor.report import (
    Account,
    AuditReport,
    Caller,
    CheckInfo,
    ControlResult,
    FrameworkEvaluation,
    FrameworkResult,
    ReportIssue,
    ReportIssueResource,
    Result,
    Summary,
    Tool,
    result_uid,
)
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot, CollectionIssue

log = logging.getLogger("ram_audit.engine")


@dataclass(frozen=True)
class Evaluation:
    """What to evaluate and how: the checks, their parameters and severities."""

    checks: Sequence[LoadedCheck]
    frameworks: Mapping[str, Framework] = field(default_factory=dict)
    framework: str | None = None  # run as this framework (its parameter overrides apply)
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    severity: Mapping[str, Severity] = field(default_factory=dict)
    all_checks: Sequence[LoadedCheck] = ()  # for control roll-ups; defaults to ``checks``

    def params_for(self, loaded: LoadedCheck) -> CheckParams:
        """Check defaults < framework overrides < configuration file."""
        values: dict[str, Any] = {}
        if self.framework is not None and self.framework in self.frameworks:
            values.update(self.frameworks[self.framework].params.get(loaded.id, {}))
        values.update(self.params.get(loaded.id, {}))
        return loaded.check.Params(**values)

    def severity_of(self, loaded: LoadedCheck) -> Severity:
        return self.severity.get(loaded.id, loaded.check.meta.severity)


def run_check(loaded: LoadedCheck, snapshot: AccountSnapshot, params: CheckParams) -> list[Finding]:
    """Run one check with the engine's guarantees (UNKNOWN, ERROR, NOT_APPLICABLE)."""
    check = loaded.check()
    incomplete = sorted(s for s in loaded.check.meta.requires if not snapshot.is_complete(s))
    try:
        if incomplete:
            findings = list(check.evaluate_incomplete(snapshot, params, incomplete))
        else:
            findings = list(check.evaluate(snapshot, params))
        check_id = loaded.id  # a property: read once, not per finding
        for finding in findings:
            if not isinstance(finding, Finding) or finding.check_id != check_id:
                raise TypeError(f"evaluate() produced {finding!r}, not a Finding of {loaded.id}")
    except Exception as exc:
        log.exception("check %s raised", loaded.id)
        message = f"The check failed: {type(exc).__name__}: {exc}"
        return [check.result(Status.ERROR, account(snapshot), message)]
    if not findings:
        return [check.not_applicable(account(snapshot), "Nothing to evaluate.")]
    return findings


def _compliance(loaded: LoadedCheck) -> dict[str, list[str]]:
    return {fw: list(controls) for fw, controls in loaded.compliance.items()}


def _control_status(statuses: Sequence[Status]) -> Status:
    # ``in`` on the list: identity comparisons in C, where a set would call the enum's
    # Python __hash__ once per result (tens of thousands per control at 10,000 users).
    for status in (Status.FAIL, Status.ERROR, Status.UNKNOWN, Status.PASS):
        if status in statuses:
            return status
    return Status.NOT_APPLICABLE


def _statuses_under(
    framework: Framework,
    loaded: LoadedCheck,
    snapshot: AccountSnapshot,
    evaluation: Evaluation,
    ran: list[Status],
) -> tuple[list[Status], FrameworkEvaluation | None]:
    """The check's statuses with the framework's own parameters.

    A framework may redefine a check through parameters (CIS v2 sets
    ``password_policy_max_age.mode = cis_v2``); when the run used other parameters, the
    check is evaluated again for this framework's roll-up, and that evaluation is returned
    so that the report shows it beside the control.
    """
    overrides = framework.params.get(loaded.id)
    run_params = evaluation.params_for(loaded)
    if not overrides:
        return ran, None
    params = loaded.check.Params(**{**run_params.model_dump(), **overrides})
    if params == run_params:
        return ran, None
    findings = run_check(loaded, snapshot, params)
    statuses = [f.status for f in findings]
    shown = FrameworkEvaluation(
        check_id=loaded.id,
        params=dict(overrides),
        status=_control_status(statuses),
        findings=[
            f"{f.status} {f.resource.type} {f.resource.name or f.resource.id}: {f.message}"
            for f in findings
        ],
    )
    return statuses, shown


def _framework_results(
    snapshot: AccountSnapshot, evaluation: Evaluation, results: Sequence[Result]
) -> list[FrameworkResult]:
    by_check: dict[str, list[Status]] = {}  # the statuses each check's results have
    for result in results:
        by_check.setdefault(result.check_id, []).append(result.status)
    all_checks = evaluation.all_checks or evaluation.checks
    out = []
    for name, framework in sorted(evaluation.frameworks.items()):
        if evaluation.framework is not None and name != evaluation.framework:
            continue
        controls = []
        for control in framework.controls:
            mapped = sorted(
                (c for c in all_checks if control.id in c.compliance.get(name, ())),
                key=lambda c: c.id,
            )
            statuses: list[Status] = []
            shown: list[FrameworkEvaluation] = []
            for c in mapped:
                if c.id not in by_check:
                    continue
                found, again = _statuses_under(framework, c, snapshot, evaluation, by_check[c.id])
                statuses += found
                shown += [again] if again is not None else []
            controls.append(
                ControlResult(
                    id=control.id,
                    title=control.title,
                    doc_url=control.doc_url,
                    check_ids=[c.id for c in mapped],
                    status=_control_status(statuses),
                    evaluated=bool(statuses),
                    framework_evaluations=shown,
                )
            )
        out.append(FrameworkResult(name=name, title=framework.title, controls=controls))
    return out


def summarise(results: Sequence[Result]) -> Summary:
    """Counts by status, and FAIL counts by severity (all, and unwaived only)."""
    statuses = [r.status for r in results]  # counted in C: no per-result .value
    fail = Status.FAIL  # a local: Status.FAIL is an attribute lookup per result
    failures = [r for r in results if r.status is fail]
    severities = [r.severity for r in failures]
    unwaived = [r.severity for r in failures if not r.waived]
    return Summary(
        by_status={s.value: statuses.count(s) for s in Status},
        by_severity={s.value: severities.count(s) for s in Severity},
        unwaived_failures_by_severity={s.value: unwaived.count(s) for s in Severity},
    )


def _calls_by_action(calls: Mapping[str, int]) -> dict[str, int]:
    """``{"ims:ListUsers": 2}`` -> ``{"ListUsers": 2}`` (namesakes of RAM and IMS summed)."""
    out: Counter[str] = Counter()
    for key, count in calls.items():
        out[key.rpartition(":")[2]] += count
    return dict(sorted(out.items()))


def _calls_by_service(calls: Mapping[str, int]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for key, count in sorted(calls.items()):
        service, _, action = key.rpartition(":")
        out.setdefault(service or "unknown", {})[action] = count
    return out


def _report_issues(
    issues: Sequence[CollectionIssue],
    by_section: Mapping[Section, list[str]],
    results: Sequence[Result],
) -> list[ReportIssue]:
    """Collection issues for the report, with the checks each made UNKNOWN.

    A section-wide issue affects every check needing its section. Issues about single
    resources that failed the same way (same action, code and facts) are merged into one
    listing the resources; they affect the checks that reported those resources UNKNOWN
    because of that action. (A check made UNKNOWN for one resource by another's missing
    data, e.g. ``user_in_group`` by a group's members, names the failed read in its message
    but is not listed here.)
    """
    unknown_by_resource: dict[tuple[str, str], list[Result]] = {}
    unknown = Status.UNKNOWN
    for result in results:
        if result.status is unknown:
            key = (result.resource.type, result.resource.name)
            unknown_by_resource.setdefault(key, []).append(result)
    merged: dict[tuple[object, ...], tuple[CollectionIssue, list[ReportIssueResource], set[str]]]
    merged = {}
    out: list[ReportIssue | tuple[object, ...]] = []
    for issue in issues:
        if issue.resource is None:
            affects = (
                sorted(set(by_section.get(issue.section, []))) if issue.kind == "missing" else []
            )
            out.append(_report_issue(issue, affects))
            continue
        same = (issue.section, issue.action, issue.code, issue.kind, issue.permission, issue.facts)
        if same not in merged:
            merged[same] = (issue, [], set())
            out.append(same)
        _, resources, affects_set = merged[same]
        resources.append(ReportIssueResource(type=issue.resource.type, name=issue.resource.name))
        if issue.kind == "missing":
            action = issue.action.rpartition(":")[2]
            affects_set.update(
                r.check_id
                for r in unknown_by_resource.get((issue.resource.type, issue.resource.name), ())
                if action in r.message
            )
    report_issues = []
    for entry in out:
        if isinstance(entry, ReportIssue):
            report_issues.append(entry)
        else:
            first, resources, affects_set = merged[entry]
            report_issues.append(_report_issue(first, sorted(affects_set), resources=resources))
    return report_issues


def _report_issue(
    issue: CollectionIssue,
    affects: list[str],
    resources: list[ReportIssueResource] | None = None,
) -> ReportIssue:
    return ReportIssue(
        section=str(issue.section),
        service=issue.action.partition(":")[0] if ":" in issue.action else "",
        action=issue.action.rpartition(":")[2],
        code=issue.code,
        message=issue.message,
        permission=issue.permission,
        kind=issue.kind,
        resources=resources or [],
        facts=list(issue.facts),
        affects=affects,
    )


#: The fields :func:`_results` sets (the others keep their defaults); one shared set.
_GIVEN = {"uid", "check_id", "title", "severity", "status", "resource", "message", "doc_url",
          "compliance"}


def _results(
    meta: CheckMeta,
    severity: Severity,
    compliance: dict[str, list[str]],
    account_id: str,
    findings: Sequence[Finding],
) -> list[Result]:
    """One check's findings as report results.

    Built without validation (:func:`~auditor.findings.trusted_all`: tens of thousands
    per run) when every finding's values have their field types, as the check helpers
    make them, else all validated; each result's fields are a copy of one key-sharing template
    (:func:`~auditor.findings.shared_keys`), and the results of one check share its
    ``compliance`` mapping (results are frozen).
    """
    severity = Severity(severity)
    check_id, title, doc_url = meta.id, meta.title, meta.doc_url
    key = f"{check_id}\x1f{account_id}\x1f"  # result_uid's, inlined
    sha256 = hashlib.sha256
    copy = shared_keys(Result, {  # every field in declaration order; four set per result
        "uid": "", "check_id": check_id, "title": title, "severity": severity,
        "status": Status.PASS, "resource": None, "message": "", "waived": False,
        "waiver": None, "doc_url": doc_url, "compliance": compliance,
        "change": None, "first_seen": None, "age_days": None, "lifecycle": None,
    }).copy
    status_type, resource_type = Status, Resource
    rows: list[dict[str, Any]] = []
    add = rows.append
    for f in findings:
        status, resource, message = f.status, f.resource, f.message
        if not (status.__class__ is status_type and resource.__class__ is resource_type and (
            message.__class__ is str
        )):
            break  # a finding made without the check helpers: validate them all
        fields = copy()
        fields["uid"] = sha256(f"{key}{resource.type}\x1f{resource.id}".encode()).hexdigest()[:32]
        fields["status"], fields["resource"], fields["message"] = status, resource, message
        add(fields)
    else:
        return trusted_all(Result, rows, _GIVEN)
    return [
        Result(uid=result_uid(check_id, account_id, f.resource), check_id=check_id,
               title=title, severity=severity, status=f.status, resource=f.resource,
               message=f.message, doc_url=doc_url, compliance=compliance)
        for f in findings
    ]


def evaluate(snapshot: AccountSnapshot, evaluation: Evaluation) -> AuditReport:
    """Run every selected check and assemble the report (no waivers or baseline yet)."""
    results: list[Result] = []
    infos: list[CheckInfo] = []
    affected: dict[Section, list[str]] = {}
    for loaded in sorted(evaluation.checks, key=lambda c: c.id):
        meta = loaded.check.meta
        params = evaluation.params_for(loaded)
        severity = evaluation.severity_of(loaded)
        compliance = _compliance(loaded)
        for section in meta.requires:
            if not snapshot.is_complete(section):
                affected.setdefault(section, []).append(loaded.id)
        infos.append(
            CheckInfo(
                id=meta.id,
                title=meta.title,
                severity=severity,
                rationale=meta.rationale,
                remediation=meta.remediation,
                remediation_cli=meta.remediation_cli,
                doc_url=meta.doc_url,
                compliance=compliance,
                tags=list(meta.tags),
                params=params.model_dump(mode="json"),
                pack=loaded.pack,
            )
        )
        results += _results(meta, severity, compliance, snapshot.account_id,
                            run_check(loaded, snapshot, params))
    issues = _report_issues(snapshot.issues, affected, results)
    return AuditReport(
        tool=Tool(version=__version__),
        account=Account(
            id=snapshot.account_id,
            alias=snapshot.account_alias,
            caller=Caller(arn=snapshot.caller.arn, identity_type=snapshot.caller.identity_type),
        ),
        collected_at=snapshot.meta.collected_at,
        credential_report_generated_at=snapshot.meta.credential_report_generated_at,
        results=results,
        summary=summarise(results),
        collection_issues=issues,
        api_calls=_calls_by_action(snapshot.meta.api_calls),
        api_calls_by_service=_calls_by_service(snapshot.meta.api_calls),
        checks=infos,
        frameworks=_framework_results(snapshot, evaluation, results),
        escalation=escalation_section(snapshot, results),
    )
