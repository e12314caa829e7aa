"""``report.junit.xml``: one testsuite per check, one testcase per check and resource.

Severity-aware like the exit code: only an unwaived FAIL at or above ``--fail-on`` is a
JUnit ``<failure>`` (so a CI test view fails exactly when ram-audit exits 1). A FAIL below
the threshold (or with ``--fail-on never``) and a waived FAIL are ``<skipped>`` with a
message saying so: every JUnit viewer counts and shows skipped cases, whereas a passed
case would hide the finding and testcase properties are not shown by most viewers.
The failure and skipped bodies carry the remediation (text, CLI and documentation link).
"""

from __future__ import annotations

import io

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from auditor.findings import Severity, Status
from auditor.render.timefmt import rfc3339
from auditor.report import AuditReport, CheckInfo, Result

DEFAULT_FAIL_ON = "high"


def _threshold(fail_on: str) -> Severity | None:
    """The lowest severity that fails (None: ``never``); case-insensitive."""
    value = fail_on.strip().lower()
    return None if value == "never" else Severity(value)


def remediation_text(result: Result, check: CheckInfo | None) -> str:
    """The finding's message, then how to fix it, for a failure or skipped body."""
    lines = [result.message]
    if check is not None and check.remediation:
        lines += ["", f"Remediation: {check.remediation}"]
    if check is not None and check.remediation_cli:
        lines += [f"CLI: {check.remediation_cli}"]
    lines += [f"Documentation: {result.doc_url}"]
    return "\n".join(lines)


def _fail_outcome(
    result: Result, check: CheckInfo | None, threshold: Severity | None
) -> Failure | Skipped:
    body = remediation_text(result, check)
    if result.waived and result.waiver is not None:
        skipped = Skipped(f"waived: {result.waiver.reason}")
    elif threshold is None or not result.severity.at_least(threshold):
        below = "--fail-on never" if threshold is None else f"below --fail-on {threshold}"
        skipped = Skipped(f"FAIL ({result.severity}, {below}): {result.message}")
    else:
        failure = Failure(result.message, type_=str(result.severity))
        failure.text = body
        return failure
    skipped.text = body
    return skipped


def _testcase(result: Result, check: CheckInfo | None, threshold: Severity | None) -> TestCase:
    resource = result.resource
    label = f"{resource.type}:{resource.id}"
    if resource.name and resource.name != resource.id:
        label += f" ({resource.name})"
    case = TestCase(name=label, classname=result.check_id)
    if result.status is Status.FAIL:
        case.result = [_fail_outcome(result, check, threshold)]
    elif result.status is Status.ERROR:
        case.result = [Error(result.message, type_="ERROR")]
    elif result.status in (Status.UNKNOWN, Status.NOT_APPLICABLE):
        case.result = [Skipped(f"{result.status}: {result.message}")]
    else:
        case.system_out = result.message
    return case


def render_junit(report: AuditReport, fail_on: str = DEFAULT_FAIL_ON) -> bytes:
    threshold = _threshold(fail_on)
    checks = {check.id: check for check in report.checks}
    cases: dict[str, list[TestCase]] = {}
    for result in report.results:
        check = checks.get(result.check_id)
        cases.setdefault(result.check_id, []).append(_testcase(result, check, threshold))
    xml = JUnitXml("ram-audit")
    for check_id, check_cases in cases.items():
        suite = TestSuite(check_id)
        suite.timestamp = rfc3339(report.collected_at)
        suite.hostname = report.account.id
        # One add for all cases: add_testcase() recounts the suite each time (quadratic).
        suite.add_testcases(check_cases)
        xml.add_testsuite(suite)
    xml.update_statistics()
    buffer = io.BytesIO()
    xml.write(buffer, pretty=True)
    return buffer.getvalue()
